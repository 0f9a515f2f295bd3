"""A real SMTP server for the e-mail tests (aiosmtpd), on a free port of 127.0.0.1.

``MailServer`` collects what it accepts; ``fail_first`` answers 451 (try later) to that
many deliveries first, ``reject`` answers 550 (no such mailbox) to every recipient;
``tls`` serves STARTTLS with a self-signed certificate made here (``cafile`` to trust
it); ``password`` requires AUTH with ``user``/``password``.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.serving import free_port


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def email(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    fail_first: int = 0
    reject: bool = False
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return "451 4.3.0 Busy, try again later"
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted"


class MailServer:
    """An SMTP server running in a thread until ``stop``."""

    def __init__(self, *, fail_first: int = 0, reject: bool = False,
                 tls: ssl.SSLContext | None = None, user: str = "",
                 password: str = "") -> None:
        self.handler = Handler(fail_first=fail_first, reject=reject)
        self.port = free_port()
        self.user, self.password, self.tls = user, password, tls is not None
        kwargs: dict[str, Any] = {}
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        if password:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=tls is not None)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)
        self.logins: list[tuple[str, str]] = []

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append(login)
            if login == (self.user, self.password):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """App settings that send to this server (no TLS unless it serves it)."""
        from webapp.config import Secret

        config: dict[str, Any] = {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
            "SMTP_SECURITY": "starttls" if self.tls else "none",
            "SMTP_USER": self.user, "SMTP_PASSWORD": Secret(self.password),
            "SMTP_TIMEOUT": 10, "MAIL_FROM": "obuchenie@dobro.example.org",
            "MAIL_REPLY_TO": "koordinator@dobro.example.org",
            "BASE_URL": "https://dobro.example.org",
        }
        config.update(overrides)
        return config


@pytest.fixture
def mailserver() -> Iterator[MailServer]:
    """A server that accepts everything."""
    server = MailServer().start()
    yield server
    server.stop()


def self_signed(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a new self-signed certificate for 127.0.0.1 and localhost,
    and the certificate's file (the client's CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
