"""The app's forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from webapp.forms.fields import EMAIL_PATTERN, MAX_EMAIL
from webapp.services.accounts import MAX_PASSWORD, MIN_PASSWORD

USERNAME_HELP = _l("3–32 characters: Latin letters, digits, dot, hyphen or underscore.")


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"})
    username = StringField(_l("Choose a user name"), description=USERNAME_HELP,
                           validators=[DataRequired(), Length(min=3, max=32),
                                       Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                              message=USERNAME_HELP)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    email = EmailField(_l("E-mail (optional)"),
                       validators=[Optional(), Length(max=MAX_EMAIL), Regexp(
                           EMAIL_PATTERN,
                           message=_l("This does not look like an e-mail address."))],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(
        _l("Choose a password"), description=_l("At least %(n)d characters.", n=MIN_PASSWORD),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    # Not a consent (the notice's legal basis is not consent): the record that the person
    # was shown the privacy notice before their account was made (services/privacy.py).
    privacy = BooleanField(
        _l("I have read the information on personal data protection"),
        validators=[DataRequired(message=_l("Please read the information on personal data "
                                            "protection and tick the box."))])


class ResetForm(FlaskForm):
    """Set a new password with a code from the trainer (the user name stays)."""

    code = JoinForm.code
    password = JoinForm.password
    confirm = JoinForm.confirm


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(), Length(max=MAX_PASSWORD)],
                            render_kw={"autocomplete": "current-password"})
    password = JoinForm.password
    confirm = JoinForm.confirm
