"""Messages flashed by more than one area of the app (kept out of the views that show them)."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from webapp.models import Certificate


def announce(issued: list[Certificate]) -> None:
    """Tell the learner about the certificates just earned."""
    for cert in issued:
        flash(_("Congratulations! Certificate %(number)s is issued: %(title)s.",
                number=cert.number, title=cert.title), "success")
