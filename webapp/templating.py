"""The template filters and globals every part of the app may use, registered in one place.

``create_app`` calls ``init_app``; a view module registers none of its own, so every
name a template uses beyond what its view passes is found here.
"""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from course.compiled import CompiledCourse
from course.inline import inline_text, render_inline
from webapp.content import current_course
from webapp.models import CERTIFICATE_REPLACED, CERTIFICATE_REVOKED, CERTIFICATE_VALID

KIND_NAMES = {"municipality": _l("Municipality"), "regional": _l("Regional administration"),
              "ngo": _l("NGO"), "other": _l("Other")}
ROLE_NAMES = {"trainer": _l("Trainer"), "coordinator": _l("Coordinator"), "admin": _l("Admin")}


def organisation_kind(kind: str) -> str:
    """The name of a kind of organisation."""
    return str(KIND_NAMES.get(kind, kind))


def role_name(role: str) -> str:
    """The name of a staff role."""
    return str(ROLE_NAMES.get(role, role))


def certificate_status(status: str) -> str:
    """The name of a certificate's status."""
    names = {CERTIFICATE_VALID: _("valid"), CERTIFICATE_REVOKED: _("revoked"),
             CERTIFICATE_REPLACED: _("replaced")}
    return names.get(status, status)


def certificate_action(action: str) -> str:
    """The name of something done to a certificate, as its history lists it."""
    names = {"issued": _("issued"), "revoked": _("revoked"), "reissued": _("re-issued")}
    return names.get(action, action)


def quiz_kind(kind: str) -> str:
    """The name of a kind of quiz."""
    names = {"self-check": _("Self-check"), "pre-test": _("Pre-test"), "final": _("Final test")}
    return names.get(kind, kind)


def course_link(target: str) -> str | None:
    """The URL of ``module-or-page-id[#anchor]`` in the current course, or None."""
    found = current_course().find(target)
    if found is None:
        return None
    kind, doc_id, anchor = found
    if kind == "module":
        url = url_for("learn.module", module_id=doc_id)
    else:
        url = url_for("learn.page", page_id=doc_id)
    # Anchors stay as the compiled HTML writes them (Cyrillic, unescaped); autoescape quotes them.
    return url + (f"#{anchor}" if anchor else "")


def audience_title(audience_id: str, course: CompiledCourse) -> str:
    """The audience's name in the course, or its id when the course does not name it."""
    return course.audiences.get(audience_id, audience_id)


def inline(text: str | None) -> Markup:
    """A question's text, answer, feedback or explanation with its inline Markdown rendered.

    ``render_inline`` escapes everything that is not its own markup, so its output is safe.
    """
    return Markup(render_inline(str(text or "")))


def init_app(app: Flask) -> None:
    """Register the app-wide filters and globals."""
    for name in (organisation_kind, role_name, audience_title, inline):
        app.add_template_filter(name)
    app.add_template_filter(inline_text)
    for helper in (certificate_status, certificate_action, quiz_kind, course_link):
        app.add_template_global(helper)
