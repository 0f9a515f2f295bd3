"""Forms that place, add and rename modules without YAML (Flask-WTF: each with a CSRF token).

The choices (topics, audiences, modules, pools) come from the course and are
set by the view; WTForms refuses any value that is not one of them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from webapp.forms.fields import CheckboxesField
from webapp.services.course_edit import TITLE_LENGTH
from webapp.services.course_plans import MAX_MINUTES

TITLE_HELP = _l("The file name and the id are made from the title.")


def _title(label: object = None) -> StringField:
    return StringField(
        label or _l("Title"), description=TITLE_HELP,
        validators=[DataRequired(message=_l("Write a title.")),
                    Length(max=TITLE_LENGTH, message=_l(
                        "The title is too long: at most %(max)d characters.", max=TITLE_LENGTH))],
        render_kw={"autocomplete": "off", "maxlength": TITLE_LENGTH})


class MoveForm(FlaskForm):
    topic = HiddenField(validators=[InputRequired()])
    module = HiddenField(validators=[InputRequired()])
    up = SubmitField(_l("Up"))
    down = SubmitField(_l("Down"))


class NewModuleForm(FlaskForm):
    title = _title()
    audiences = CheckboxesField(_l("Required for (none ticked: for every group of the topic)"))
    minutes = IntegerField(
        _l("Minutes of study"), default=30,
        validators=[InputRequired(message=_l("Write the minutes as a whole number.")),
                    NumberRange(1, MAX_MINUTES, message=_l(
                        "The minutes must be between 1 and %(max)d.", max=MAX_MINUTES))])
    position = SelectField(_l("Place in the topic"), coerce=int)
    create = SubmitField(_l("Create the module"))


class NewQuizForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice("self-check", _l("Self-check of a module")),
        SelectChoice("pre-test", _l("Pre-test of the topic")),
        SelectChoice("final", _l("Final test of the topic")),
        SelectChoice("pool", _l("Question pool"))])
    title = _title()
    module = SelectField(_l("Module (for a self-check)"), validate_choice=False)
    pool = SelectField(_l("Question pool (for a pre-test or a final test)"),
                       validate_choice=False)
    create = SubmitField(_l("Create the test"))


class NewPageForm(FlaskForm):
    title = _title()
    create = SubmitField(_l("Create the page"))


class TracksForm(FlaskForm):
    required = CheckboxesField(_l("Required for"))
    optional = CheckboxesField(_l("Optional for"))
    save = SubmitField(_l("Save"))


class ModuleSettingsForm(FlaskForm):
    audiences = CheckboxesField(_l("Required for (none ticked: for every group of the topic)"))
    requires = CheckboxesField(_l("Prerequisites: modules to study first"))
    place = SelectField(_l("Topic and place"))
    save = SubmitField(_l("Save"))


class RenameForm(FlaskForm):
    title = _title(_l("New title"))
    new_id = BooleanField(_l("Also change the id and the file name"))
    rename = SubmitField(_l("Rename"))


class RemoveForm(FlaskForm):
    remove = SubmitField(_l("Remove the module"))


class RecreateForm(FlaskForm):
    recreate = SubmitField(_l("Bring the file back with this text"))
