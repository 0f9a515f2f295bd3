"""Forms of the privacy pages: acknowledging a changed notice, downloading one's data."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class AcknowledgeForm(FlaskForm):
    """"I have read the changed notice": the version shown, so a change meanwhile is caught."""

    version = HiddenField()


class DownloadForm(FlaskForm):
    """The "download everything" button (a POST: a CSRF token, nothing else)."""
