"""The app's settings, read from the environment when the app is created (never at import)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from webapp import instance_files
from webapp.localtime import TIMEZONE

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
SECRET_FILE = "secret_key"
LANGUAGES = ("bg", "en")
DEFAULT_ISSUER = "Асоциация на родопските общини"
DEFAULT_SIGNATORY_TITLE = "Председател"


def instance_path(overrides: Mapping[str, Any]) -> Path:
    """The instance folder (``DOBRO_INSTANCE``, default ``./instance``), created if missing."""
    path = Path(overrides.get("INSTANCE_PATH") or os.environ.get("DOBRO_INSTANCE") or "instance")
    return instance_files.secure_instance(path.resolve())  # 0700, its files 0600


def settings(instance: Path, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Collect the configuration: environment first, then ``overrides``, then derived values."""
    env = os.environ
    config: dict[str, Any] = {
        "CONTENT_ROOT": env.get("DOBRO_CONTENT") or ".",
        "COURSE_BUILD": env.get("DOBRO_BUILD") or "",
        "BASE_URL": env.get("DOBRO_BASE_URL") or DEFAULT_BASE_URL,
        "DATABASE_URL": env.get("DOBRO_DATABASE_URL")
        or f"sqlite:///{instance / 'dobro.sqlite3'}",
        "SECRET_KEY": env.get("DOBRO_SECRET_KEY") or "",
        # Who issues and signs the certificates (printed on them and in the signed badges).
        "ISSUER_NAME": env.get("DOBRO_ISSUER_NAME") or DEFAULT_ISSUER,
        "ISSUER_EMAIL": env.get("DOBRO_ISSUER_EMAIL") or "",
        "SIGNATORY_NAME": env.get("DOBRO_SIGNATORY_NAME") or "",
        "SIGNATORY_TITLE": env.get("DOBRO_SIGNATORY_TITLE") or DEFAULT_SIGNATORY_TITLE,
        "CERTIFICATE_PREFIX": env.get("DOBRO_CERTIFICATE_PREFIX") or "ARO",
        # The privacy notice (/privacy): the controller (default: the issuer), its address,
        # the data protection officer's e-mail (default: the issuer's) and a telephone.
        "PRIVACY_CONTROLLER": env.get("DOBRO_PRIVACY_CONTROLLER", "").strip(),
        "PRIVACY_ADDRESS": env.get("DOBRO_PRIVACY_ADDRESS", "").strip(),
        "PRIVACY_DPO_EMAIL": env.get("DOBRO_PRIVACY_DPO_EMAIL", "").strip(),
        "PRIVACY_PHONE": env.get("DOBRO_PRIVACY_PHONE", "").strip(),
        "LIVE_RELOAD": False,
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "bg",
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # The token is bound to the session; a time limit would only fail the learner
        # who kept a quiz page open for an hour before pressing "Next".
        "WTF_CSRF_TIME_LIMIT": None,
        # Any request body, in MB: 3 leaves room for a 2 MB participant file. Routes that
        # need more say so themselves (authoring); JSON endpoints allow far less.
        "MAX_CONTENT_LENGTH": whole_number(env, "DOBRO_MAX_UPLOAD_MB", 3, least=1, most=100)
        * 1024 * 1024,
        # Server-side sessions (services/login_sessions.py): idle timeout and lifetime.
        # At most 30 days, as a remembered sign-in would be at the longest.
        "SESSION_IDLE_MINUTES": whole_number(env, "DOBRO_SESSION_IDLE_MINUTES", 120,
                                             least=1, most=30 * 24 * 60),
        "SESSION_MAX_HOURS": whole_number(env, "DOBRO_SESSION_MAX_HOURS", 12,
                                          least=1, most=30 * 24),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed
        # (0: none, the client's address is the connection's).
        "TRUSTED_PROXIES": whole_number(env, "DOBRO_TRUSTED_PROXIES", 0, least=0, most=5),
        # Background jobs (webapp/jobs.py): "thread" runs them in each server process,
        # "off" leaves them to `dobro worker` processes.
        "JOBS": job_mode(env.get("DOBRO_JOBS", "")),
        # This app server's name in an X-Dobro-Server header on every response (empty: no
        # header), to tell behind a load balancer which server answered.
        "SERVER_LABEL": env.get("DOBRO_SERVER_LABEL", "").strip(),
        # Retention (issue 16): months after which a learner's data is due for erasure (unset:
        # never), counted from the programme's end (YYYY-MM-DD) if set, else their last
        # activity; a coordinator confirms each erasure (services/retention.py).
        "RETENTION_MONTHS": (whole_number(env, "DOBRO_RETENTION_MONTHS", 0, least=1, most=1200)
                             if env.get("DOBRO_RETENTION_MONTHS", "").strip() else None),
        "PROGRAMME_END": programme_end(env.get("DOBRO_PROGRAMME_END", "")),
        **mail_settings(env),
        **message_settings(env),
        **lrs_settings(env),
    }
    config.update(overrides)
    config["CONTENT_ROOT"] = Path(config["CONTENT_ROOT"]).resolve()
    config["COURSE_BUILD"] = Path(config["COURSE_BUILD"] or config["CONTENT_ROOT"] / "build")
    config.setdefault("SESSION_COOKIE_SECURE", str(config["BASE_URL"]).startswith("https"))
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = stored_secret_key(instance)
    instance_files.private_database(str(config["DATABASE_URL"]))
    return config


def whole_number(env: Mapping[str, str], name: str, default: int, *, least: int,
                 most: int) -> int:
    """The integer setting ``name`` (``default`` when unset); a bad value stops the start."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and least <= int(raw) <= most):
        raise ValueError(f"{name} must be a whole number from {least} to {most}, not {raw!r}")
    return int(raw)


def mail_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The SMTP settings (``DOBRO_SMTP_*``, ``DOBRO_MAIL_*``); no host: e-mail is off.

    The password comes from ``DOBRO_SMTP_PASSWORD`` or from the file named by
    ``DOBRO_SMTP_PASSWORD_FILE`` (systemd credentials); it is kept in a ``Secret`` so a
    printed config or a traceback's locals never show it.
    """
    host = env.get("DOBRO_SMTP_HOST", "").strip()
    security = env.get("DOBRO_SMTP_SECURITY", "").strip().lower() or "starttls"
    if security not in ("starttls", "ssl", "none"):
        raise ValueError("DOBRO_SMTP_SECURITY must be starttls, ssl or none, "
                         f"not {env.get('DOBRO_SMTP_SECURITY')!r}")
    sender = env.get("DOBRO_MAIL_FROM", "").strip()
    reply_to = env.get("DOBRO_MAIL_REPLY_TO", "").strip()
    for name, value in (("DOBRO_MAIL_FROM", sender), ("DOBRO_MAIL_REPLY_TO", reply_to)):
        if value and not _looks_like_address(value):
            raise ValueError(f"{name} must be an e-mail address such as "
                             f"obuchenie@example.org, not {value!r}")
    if host and not sender:
        raise ValueError("DOBRO_MAIL_FROM must be set when DOBRO_SMTP_HOST is "
                         "(the sender's address, e.g. obuchenie@example.org)")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": whole_number(env, "DOBRO_SMTP_PORT", 465 if security == "ssl" else 587,
                                  least=1, most=65535),
        "SMTP_SECURITY": security,
        "SMTP_USER": env.get("DOBRO_SMTP_USER", "").strip(),
        "SMTP_PASSWORD": Secret(smtp_password(env)),
        "SMTP_TIMEOUT": whole_number(env, "DOBRO_SMTP_TIMEOUT", 30, least=1, most=600),
        "MAIL_FROM": sender,
        "MAIL_REPLY_TO": reply_to,
    }


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
REMINDER_OFFSET = re.compile(r"([1-9][0-9]{0,2})([dhm])")


def message_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """When the automatic messages go (services/mail_sweep.py): reminders before a session
    (``DOBRO_MAIL_REMINDERS``, "2d,2h"; "" none), the trainers' weekly digest's day
    (``DOBRO_MAIL_DIGEST_DAY``, monday; "off" none), the inactivity nudge after N days
    (``DOBRO_MAIL_NUDGE_DAYS``, "" off)."""
    raw = env.get("DOBRO_MAIL_REMINDERS", "2d,2h")
    offsets = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for offset in offsets:
        if not REMINDER_OFFSET.fullmatch(offset):
            raise ValueError("DOBRO_MAIL_REMINDERS must be times before a session such as "
                             f"2d,2h or 90m (days, hours, minutes), not {raw!r}")
    day = env.get("DOBRO_MAIL_DIGEST_DAY", "").strip().lower() or "monday"
    if day not in (*WEEKDAYS, "off"):
        raise ValueError(f"DOBRO_MAIL_DIGEST_DAY must be a weekday in English (monday) or "
                         f"off, not {day!r}")
    return {
        "MAIL_REMINDERS": offsets,
        "MAIL_DIGEST_DAY": day,
        "MAIL_NUDGE_DAYS": whole_number(env, "DOBRO_MAIL_NUDGE_DAYS", 0, least=1, most=365),
    }


def smtp_password(env: Mapping[str, str]) -> str:
    """``DOBRO_SMTP_PASSWORD``, or the first line of ``DOBRO_SMTP_PASSWORD_FILE``."""
    return secret_setting(env, "DOBRO_SMTP_PASSWORD")


def secret_setting(env: Mapping[str, str], name: str) -> str:
    """The setting ``name``, or the first line of the file named by ``<name>_FILE``."""
    path = env.get(f"{name}_FILE", "").strip()
    if not path:
        return env.get(name, "")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{name}_FILE {path!r} cannot be read "
                         f"({type(exc).__name__})") from None
    return text.splitlines()[0] if text else ""


def lrs_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The Learning Record Store for xAPI statements (services/xapi.py): its endpoint, key
    and secret (``DOBRO_LRS_SECRET`` or ``DOBRO_LRS_SECRET_FILE``, kept in a ``Secret``);
    no endpoint: no statements."""
    endpoint = env.get("DOBRO_LRS_ENDPOINT", "").strip()
    key = env.get("DOBRO_LRS_KEY", "").strip()
    secret = secret_setting(env, "DOBRO_LRS_SECRET")
    if endpoint and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", endpoint):
        raise ValueError("DOBRO_LRS_ENDPOINT must be the LRS's xAPI address such as "
                         f"https://lrs.example.org/xAPI/, not {endpoint!r}")
    if endpoint and not (key and secret):
        raise ValueError("DOBRO_LRS_KEY and DOBRO_LRS_SECRET (or DOBRO_LRS_SECRET_FILE) must "
                         "be set when DOBRO_LRS_ENDPOINT is (the LRS's client key and secret)")
    return {"LRS_ENDPOINT": endpoint, "LRS_KEY": key, "LRS_SECRET": Secret(secret)}


def _looks_like_address(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and not any(c in value for c in " <>,;\r\n"))


class Secret(str):
    """A string whose repr hides it: a password in the config, an error page, a log."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


def programme_end(raw: str) -> date | None:
    """``DOBRO_PROGRAMME_END``: a date (YYYY-MM-DD), or None when unset."""
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"DOBRO_PROGRAMME_END must be a date such as 2027-12-31, "
                         f"not {raw!r}") from None


def job_mode(raw: str) -> str:
    """``DOBRO_JOBS``: thread (the default) or off; anything else stops the start."""
    value = raw.strip().lower() or "thread"
    if value not in ("thread", "off"):
        raise ValueError(f"DOBRO_JOBS must be thread or off, not {raw!r}")
    return value


def stored_secret_key(instance: Path) -> str:
    """Read the instance's secret key, generating it (readable by the owner only) the first time."""
    path = instance / SECRET_FILE
    if not path.exists():
        tmp = instance / f".{SECRET_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        # link() never replaces an existing file: when several workers start at once, the
        # first key written wins and every worker reads that one, never a half-written file.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()
