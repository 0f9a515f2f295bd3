"""The confirmation asked before new join codes replace the ones already handed out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class RenewCodesForm(FlaskForm):
    # The label names how many codes stop working; the template fills it in.
    confirm = BooleanField(validators=[DataRequired(
        message=_l("Tick the box to confirm: the codes already handed out will stop working."))])
