"""The evaluation survey's form: only its CSRF token is a WTForms field.

The questions come from the survey file, so they are read from the request by
``webapp.services.surveys.read_answers``, which keeps every valid answer and names
each fault.
"""

from __future__ import annotations

from flask_wtf import FlaskForm


class SurveyForm(FlaskForm):
    pass
