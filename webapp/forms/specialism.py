"""The learner's form for choosing their specialism (Flask-WTF: it carries a CSRF token).

The choices (none, or one of the audience's specialisms) are filled in by the view;
whether the value sent is one of them is decided in ``webapp.services.specialisms``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class SpecialismForm(FlaskForm):
    specialism = SelectField(_l("My specialism"), validate_choice=False)
