"""The Information Bulletin laid out: one issue as an HTML page and as an A4 PDF.

The issues are read and checked by ``course.bulletins``.
"""

from __future__ import annotations

from typing import Any

from course.bulletins import (
    FOLDER,
    ISSUES,
    Bulletin,
    bulletin_images,
    check_bulletins,
    load_bulletins,
)
from course.publish.common import TEMPLATES, environment

__all__ = ["FOLDER", "ISSUES", "Bulletin", "bulletin_html", "bulletin_images", "bulletin_pdf",
           "check_bulletins", "load_bulletins"]


def bulletin_html(issue: Bulletin, **extra: Any) -> str:
    """One issue as a complete HTML page (also what WeasyPrint lays out)."""
    css = (TEMPLATES / "bulletin.css").read_text(encoding="utf-8")
    return environment().get_template("bulletin.html.j2").render(issue=issue, css=css,
                                                                  **extra)


def bulletin_pdf(issue: Bulletin) -> bytes:
    """One issue as an A4 PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    base = issue.folder + "/" if issue.folder else None
    pdf: bytes = HTML(string=bulletin_html(issue), base_url=base).write_pdf()
    return pdf
