"""Open Badges 3.0: every certificate as an OpenBadgeCredential, signed as a VC-JWT.

The issuer's RSA key is made on first use in the instance folder
(``issuer-key.pem``, owner-only) — never in the repository. Its public half is
published as a JWKS at ``/issuer/jwks.json``; the issuer profile at ``/issuer``;
each credential's revocation status at ``/credentials/<code>/status``.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from course.rules import PROGRAMME
from webapp.models import CERTIFICATE_VALID, Certificate
from webapp.services.certificates import Issuer

KEY_FILE = "issuer-key.pem"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
STATUS_TYPE = "1EdTechRevocationList"


def key_path(instance: Path) -> Path:
    return instance / KEY_FILE


def private_key(instance: Path) -> rsa.RSAPrivateKey:
    """The issuer's signing key, generated (RSA 2048, owner-only file) the first time."""
    path = key_path(instance)
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        tmp = instance / f".{KEY_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        # As with the secret key: several workers may start at once; the first key wins.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def public_jwk(instance: Path) -> dict[str, Any]:
    """The public key as a JWK, with its RFC 7638 thumbprint as ``kid``."""
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key(instance).public_key(), as_dict=True)
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"),
                           sort_keys=True)
    kid = jwt.utils.base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def jwks(instance: Path) -> dict[str, Any]:
    return {"keys": [public_jwk(instance)]}


def issuer_profile(iss: Issuer, email: str = "") -> dict[str, Any]:
    """The issuer's OB 3.0 Profile, served at ``/issuer``."""
    profile: dict[str, Any] = {"@context": CONTEXTS, "id": f"{iss.base_url}/issuer",
                               "type": ["Profile"], "name": iss.name, "url": iss.base_url}
    if email:
        profile["email"] = email
    return profile


def credential_url(iss: Issuer, cert: Certificate) -> str:
    return f"{iss.base_url}/credentials/{cert.code}"


def credential(cert: Certificate, iss: Issuer) -> dict[str, Any]:
    """The certificate as an OpenBadgeCredential (W3C VC 2.0 data model)."""
    achievement_id = cert.topic_id if cert.kind != PROGRAMME else PROGRAMME
    hours = f"{cert.in_person_hours:g} ч. присъствено и {cert.online_hours:g} ч. онлайн"
    salt = cert.code[:16]
    identity = hashlib.sha256((cert.holder_name + salt).encode()).hexdigest()
    return {
        "@context": CONTEXTS,
        "id": credential_url(iss, cert),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{iss.base_url}/issuer", "type": ["Profile"], "name": iss.name},
        "validFrom": cert.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "name": cert.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The name, hashed with a salt: whoever knows it can check, nobody can read it.
            "identifier": [{"type": "IdentityObject", "hashed": True,
                            "identityHash": f"sha256${identity}", "identityType": "name",
                            "salt": salt}],
            "achievement": {
                "id": f"{iss.base_url}/achievements/{achievement_id}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": cert.title,
                "description": f"{cert.programme_title}: {cert.title}",
                "criteria": {"narrative": f"Присъствени занятия, онлайн модули и заключителен "
                                          f"тест ({hours})."},
                "inLanguage": "bg",
            },
        },
        "credentialStatus": {"id": f"{credential_url(iss, cert)}/status", "type": STATUS_TYPE},
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def sign(cert: Certificate, iss: Issuer, instance: Path) -> str:
    """The credential as a VC-JWT: RS256, ``typ`` vc+jwt, the credential as the payload."""
    body = credential(cert, iss)
    payload = {**body, "iss": body["issuer"]["id"], "jti": body["id"],
               "nbf": int(cert.issued_at.timestamp()), "iat": int(cert.issued_at.timestamp()),
               "sub": body["id"]}
    jwk = public_jwk(instance)
    return jwt.encode(payload, private_key(instance), algorithm="RS256",
                      headers={"kid": jwk["kid"], "typ": "vc+jwt"})


def verify(token: str, jwk_set: dict[str, Any]) -> dict[str, Any]:
    """Check a VC-JWT against a published JWKS; raise ``jwt.InvalidTokenError`` if it fails."""
    kid = jwt.get_unverified_header(token).get("kid")
    key = next((k for k in jwk_set["keys"] if k.get("kid") == kid), None)
    if key is None:
        raise jwt.InvalidTokenError("unknown key")
    public = RSAAlgorithm.from_jwk(key)
    decoded: dict[str, Any] = jwt.decode(token, public, algorithms=["RS256"],  # type: ignore[arg-type]
                                         options={"verify_aud": False})
    return decoded


def status(cert: Certificate, iss: Issuer, replaced_by: Certificate | None) -> dict[str, Any]:
    """The credential's revocation status, as its ``credentialStatus`` endpoint answers."""
    result: dict[str, Any] = {"id": f"{credential_url(iss, cert)}/status", "type": STATUS_TYPE,
                              "credential": credential_url(iss, cert),
                              "revoked": cert.status != CERTIFICATE_VALID, "status": cert.status}
    if cert.status != CERTIFICATE_VALID:
        result["revokedAt"] = (cert.revoked_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                               if cert.revoked_at else None)
    if replaced_by is not None:
        result["replacedBy"] = credential_url(iss, replaced_by)
    return result
