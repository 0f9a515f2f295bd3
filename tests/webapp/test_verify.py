"""The public check: /verify/<code>, the issuer and its key, and the signed Open Badges 3.0
credential with its revocation status."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import jsonschema
import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.conftest import REPO
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import Certificate, User
from webapp.services import badges
from webapp.views import public

OB3 = REPO.parent / "shared" / "data" / "open-badges-3.0"


@pytest.fixture
def cert(app: Flask, client: FlaskClient, people: People) -> Certificate:
    """Ivan's topic certificate (he has an e-mail address, which must never show)."""
    with app.app_context():
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        user.email = "ivan.ivanov@smolyan.bg"
        database.add(user)
        database.commit()
    study_everything(app, people.learner)
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    submit(client, f"{page}/attendance/{people.learner.id}", {"status": "present"}, page=page)
    with app.app_context():
        return db.session().exec(select(Certificate).where(Certificate.kind == "topic")).one()


def revoke(client: FlaskClient, found: Certificate) -> None:
    page = f"/certificates/learners/{found.user_id}"
    response = submit(client, f"/certificates/{found.code}/revoke",
                      {"reason": "Присъствието е отбелязано по грешка"}, page=page)
    assert response.status_code == 302


def test_the_page_shows_only_what_it_should(app: Flask, cert: Certificate) -> None:
    response = app.test_client().get(f"/verify/{cert.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Сертификатът е валиден." in html
    assert "Иван Иванов" in html and "Основи на самоуправлението" in html
    assert "Асоциация на родопските общини" in html
    assert "ivan.ivanov" not in html and "@smolyan.bg" not in html and "@" not in html.split(
        "<main", 1)[1]
    # No grades: the learner's 90 % appears nowhere (the random code may contain "90").
    assert "90" not in html.split("<main", 1)[1].replace(cert.code, "")
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_code_is_a_clear_404(app: Flask, people: People) -> None:
    response = app.test_client().get("/verify/" + "x" * 32)
    assert response.status_code == 404
    assert "Няма сертификат с този код." in response.get_data(as_text=True)
    assert app.test_client().get("/verify/" + "y" * 500).status_code == 404


def test_a_revoked_certificate_shows_revoked_everywhere(app: Flask, client: FlaskClient,
                                                        cert: Certificate) -> None:
    status_url = f"/credentials/{cert.code}/status"
    assert app.test_client().get(status_url).get_json()["revoked"] is False
    revoke(client, cert)
    html = app.test_client().get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Сертификатът е отнет и вече не е валиден." in html
    status = app.test_client().get(status_url).get_json()
    assert status["revoked"] is True and status["status"] == "revoked"
    assert "грешка" not in json.dumps(status, ensure_ascii=False)  # the reason stays private
    token = app.test_client().get(f"/credentials/{cert.code}.jwt").get_data(as_text=True)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["credentialStatus"]["id"].endswith(status_url)


def test_the_credential_is_an_open_badge_3(app: Flask, cert: Certificate) -> None:
    schema = json.loads((OB3 / "achievementcredential.schema.json").read_text(encoding="utf-8"))
    body = app.test_client().get(f"/credentials/{cert.code}").get_json()
    jsonschema.Draft201909Validator(schema).validate(body)
    assert body["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(body["type"])
    assert body["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert "Иван" not in json.dumps(body, ensure_ascii=False)  # the name travels hashed
    subject = body["credentialSubject"]["identifier"][0]
    assert subject["identityHash"] == "sha256$" + __import__("hashlib").sha256(
        ("Иван Иванов" + subject["salt"]).encode()).hexdigest()
    broken = {**body, "@context": ["https://www.w3.org/ns/credentials/v2"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(broken)


def test_the_issuer_profile_validates(app: Flask, people: People) -> None:
    schema = json.loads((OB3 / "profile.schema.json").read_text(encoding="utf-8"))
    profile = app.test_client().get("/issuer").get_json()
    jsonschema.Draft201909Validator(schema).validate(profile)
    assert profile["name"] == "Асоциация на родопските общини"


def test_the_signed_credential_verifies_with_the_published_key(app: Flask,
                                                               cert: Certificate) -> None:
    visitor = app.test_client()
    token = visitor.get(f"/credentials/{cert.code}.jwt").get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "vc+jwt"
    keys = visitor.get("/issuer/jwks.json").get_json()
    assert [k["kid"] for k in keys["keys"]] == [header["kid"]]
    assert "d" not in keys["keys"][0]  # the public half only
    payload = badges.verify(token, keys)
    assert payload["id"] == payload["jti"] and payload["iss"].endswith("/issuer")
    assert payload["credentialSubject"]["achievement"]["name"] == "Основи на самоуправлението"
    # One byte changed in the payload: the signature no longer matches.
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[raw.index(b"Certificate")] ^= 0x20  # "Certificate" becomes "certificate"
    forged = ".".join([head, base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="),
                       signature])
    with pytest.raises(jwt.InvalidSignatureError):
        badges.verify(forged, keys)
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(jwt.InvalidTokenError):
        badges.verify(flipped, keys)


def test_the_key_lives_in_the_instance_folder_readable_by_its_owner(app: Flask,
                                                                     people: People) -> None:
    app.test_client().get("/issuer/jwks.json")
    key = Path(app.instance_path) / "issuer-key.pem"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not (REPO / "issuer-key.pem").exists()
    first = app.test_client().get("/issuer/jwks.json").get_json()
    assert app.test_client().get("/issuer/jwks.json").get_json() == first  # stable


def test_lookups_are_rate_limited(app: Flask, cert: Certificate,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public, "VERIFY_LIMIT", 3)
    visitor = app.test_client()
    codes = [visitor.get(f"/verify/guess-{n}").status_code for n in range(3)]
    assert codes == [404, 404, 404]
    assert visitor.get(f"/verify/{cert.code}").status_code == 429
    assert visitor.get(f"/credentials/{cert.code}/status").status_code == 429
