"""Forms of erasure and retention (issue 16 items 8 and 9)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.services.accounts import MAX_PASSWORD
from webapp.services.erasure import MAX_REASON


class AskForm(FlaskForm):
    """A learner's own request: the password again, and a tick that they understand."""

    confirm = BooleanField(
        _l("I understand: my name, e-mail, phone and user name will be erased, my "
           "certificates revoked, and I will no longer be able to sign in."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))])
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is refused"),
        description=_l("Kept with the request. Write no personal data here: no names, "
                       "addresses or numbers of people."),
        validators=[DataRequired(message=_l("Give the reason.")), Length(max=MAX_REASON)])


class EraseExpiredForm(FlaskForm):
    """The coordinator's confirmation of the retention list; ``expected`` is the count they
    saw, so a list that changed meanwhile is shown again rather than erased."""

    expected = HiddenField()
