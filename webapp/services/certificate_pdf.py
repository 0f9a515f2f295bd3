"""The certificate as a PDF: an HTML/CSS template rendered by WeasyPrint, A4 landscape.

Rendered from the certificate row alone (no request needed), so the learner's
download, a group's ZIP and the tests all use the same function. The fonts are
DejaVu, found on the system with fontconfig (or shipped in ``static/fonts``),
embedded in the PDF so Cyrillic prints the same everywhere.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from functools import cache
from pathlib import Path

import segno
from babel.dates import format_date
from flask import current_app
from markupsafe import Markup

from webapp.localtime import SOFIA
from webapp.models import Certificate
from webapp.services.certificates import Issuer

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


def render_pdf(cert: Certificate, iss: Issuer) -> bytes:
    """The certificate as PDF bytes (inside an app context, for the template)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # late: slow, only needed here

    pdf: bytes = HTML(string=render_html(cert, iss), base_url=str(SHIPPED)).write_pdf()
    return pdf


def filename(cert: Certificate) -> str:
    return f"{cert.number}.pdf"
