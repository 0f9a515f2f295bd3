"""The coordinator's form for the distribution list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class RecipientForm(FlaskForm):
    # The choices are set by the view from the database; the form never queries it.
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Recipient"), description=_l("A person or a role, e.g. the chair of "
                                                       "the municipal council."),
                       validators=[DataRequired(), Length(max=200)])
    copies = IntegerField(_l("Copies"), default=1, validators=[NumberRange(min=1, max=500)])
