"""The certificate as a PDF: an HTML/CSS template rendered by WeasyPrint, A4 landscape.

Rendered from the certificate row alone (no request needed) by a background job when
the certificate is issued, and stored (``stored_file``, kind "certificate", key the
code): the learner's download and a group's ZIP serve the stored bytes, and render
on demand (once, then stored) only a certificate whose job has not run yet. The fonts
are DejaVu, found on the system with fontconfig (or shipped in ``static/fonts``),
embedded in the PDF so Cyrillic prints the same everywhere. The stylesheet and its
fonts are parsed once per process, not per certificate: that halves a render.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import threading
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from babel.dates import format_date
from flask import current_app
from markupsafe import Markup
from sqlmodel import Session, col, select

from webapp import db, jobs
from webapp.localtime import SOFIA
from webapp.models import Certificate, StoredFile
from webapp.services import certificates, stored_files
from webapp.services.certificates import PDF_JOB, Issuer

SHIPPED = Path(__file__).resolve().parent.parent / "static" / "fonts"
FACES = {"serif": "DejaVu Serif", "serif-bold": "DejaVu Serif:bold", "sans": "DejaVu Sans",
         "sans-bold": "DejaVu Sans:bold"}
DEBIAN = Path("/usr/share/fonts/truetype/dejavu")
FILES = {"serif": "DejaVuSerif.ttf", "serif-bold": "DejaVuSerif-Bold.ttf",
         "sans": "DejaVuSans.ttf", "sans-bold": "DejaVuSans-Bold.ttf"}


class FontMissing(RuntimeError):
    """No DejaVu font found: install fonts-dejavu or put the files in static/fonts."""


@cache
def fonts() -> dict[str, str]:
    """file:// URLs of the four DejaVu faces the template uses."""
    found = {}
    for key, name in FACES.items():
        path = _shipped(key) or _fc_match(name) or _debian(key)
        if path is None:
            raise FontMissing(name)
        found[key] = path.as_uri()
    return found


def _shipped(key: str) -> Path | None:
    path = SHIPPED / FILES[key]
    return path if path.exists() else None


def _debian(key: str) -> Path | None:
    path = DEBIAN / FILES[key]
    return path if path.exists() else None


def _fc_match(name: str) -> Path | None:
    if not shutil.which("fc-match"):
        return None
    result = subprocess.run(["fc-match", "-f", "%{file}", name], capture_output=True,
                            text=True, timeout=10, check=False)
    path = Path(result.stdout.strip())
    # fc-match always answers something: accept only a DejaVu face.
    return path if result.returncode == 0 and path.name.startswith("DejaVu") and path.exists() \
        else None


def qr_svg(url: str, fluid: bool = False) -> Markup:
    """The URL as an inline SVG QR code; ``fluid``: no fixed size, it fills the width
    the stylesheet gives it (a check-in code on a phone, on a projector)."""
    if fluid:
        return Markup(segno.make(url, error="m").svg_inline(border=0, dark="#1d2b3a",
                                                           omitsize=True))
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=0, dark="#1d2b3a"))


def long_date(moment: datetime) -> str:
    return format_date(moment.astimezone(SOFIA).date(), format="long", locale="bg")


def hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def render_html(cert: Certificate, iss: Issuer) -> str:
    url = f"{iss.base_url}/verify/{cert.code}"
    # The Jinja environment itself, not render_template: no request, no context processors.
    template = current_app.jinja_env.get_template("certificates/pdf.html")
    return template.render(cert=cert, issuer=iss, verify_url=url,
                           qr=qr_svg(url), fonts=fonts(), date=long_date(cert.issued_at),
                           in_person=hours(cert.in_person_hours),
                           online=hours(cert.online_hours))


# One parsed stylesheet and font configuration per process, used by one render at a
# time: WeasyPrint's font configuration is not thread-safe, and its layout is Python
# holding the GIL, so two renders in one process would not run faster side by side.
_render_lock = threading.Lock()
_shared: list[tuple[Any, Any]] = []


def _forget_fonts() -> None:
    """Remove the font configuration's temporary folder at exit, while WeasyPrint still can
    (its own clean-up runs too late then, when the modules are gone)."""
    for _stylesheet, font_config in _shared:
        font_config.__del__()
        font_config._folder = None
    _shared.clear()


def _styles() -> tuple[Any, Any]:
    """The process's parsed stylesheet and its font configuration (call under the lock)."""
    if not _shared:
        from weasyprint import CSS  # type: ignore[import-untyped]  # late: slow to import
        from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

        font_config = FontConfiguration()
        source = current_app.jinja_env.get_template("certificates/pdf.css").render(fonts=fonts())
        _shared.append((CSS(string=source, font_config=font_config), font_config))
        atexit.register(_forget_fonts)
    return _shared[0]


def render_pdf(cert: Certificate, iss: Issuer) -> bytes:
    """The certificate as PDF bytes (inside an app context, for the template)."""
    from weasyprint import HTML  # late: slow, only needed here

    html = render_html(cert, iss)
    with _render_lock:
        stylesheet, font_config = _styles()
        pdf: bytes = HTML(string=html, base_url=str(SHIPPED)).write_pdf(
            stylesheets=[stylesheet], font_config=font_config)
    return pdf


STORED_KIND = "certificate"


def stored_pdf(session: Session, cert: Certificate, iss: Issuer) -> bytes:
    """The certificate's stored PDF; rendered and stored first if it is not stored yet."""
    found = stored_files.find(session, STORED_KIND, cert.code)
    if found is not None:
        return found.content
    return stored_files.keep(session, STORED_KIND, cert.code, "application/pdf",
                             render_pdf(cert, iss)).content


def stored_pdfs(session: Session, certs: Sequence[Certificate], iss: Issuer) -> list[bytes]:
    """The stored PDFs of ``certs`` in their order, rendering and storing the missing ones."""
    codes = [c.code for c in certs]
    found = {f.key: f.content for f in session.exec(select(StoredFile).where(
        StoredFile.kind == STORED_KIND, col(StoredFile.key).in_(codes)))}
    return [found.get(c.code) or stored_pdf(session, c, iss) for c in certs]


def without_pdf(session: Session) -> list[Certificate]:
    """The certificates whose PDF is not stored (issued before PDFs were stored, say)."""
    stored = select(StoredFile.key).where(StoredFile.kind == STORED_KIND)
    return list(session.exec(select(Certificate).where(col(Certificate.code).not_in(stored))
                             .order_by(col(Certificate.id))))


def render_again(session: Session, cert: Certificate, iss: Issuer) -> None:
    """Render the certificate's PDF again and store it in place of the stored one (after a
    change of the template or of the site's address, which its QR code holds)."""
    stored_files.replace(session, STORED_KIND, cert.code, "application/pdf",
                         render_pdf(cert, iss))


@jobs.handler(PDF_JOB)
def render_job(payload: dict[str, Any]) -> None:
    """Render and store the PDF of the certificate ``payload["code"]`` (idempotent)."""
    session = db.session()
    cert = certificates.by_code(session, str(payload.get("code", "")))
    if cert is not None and not stored_files.exists(session, STORED_KIND, cert.code):
        stored_pdf(session, cert, certificates.current_issuer())


def filename(cert: Certificate) -> str:
    return f"{cert.number}.pdf"
