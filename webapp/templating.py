"""The template filters and globals every part of the app may use, registered in one place.

``create_app`` calls ``init_app``; a view module registers none of its own, so every
name a template uses beyond what its view passes is found here.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from course.compiled import CompiledCourse
from course.inline import inline_text, render_inline
from webapp import localtime
from webapp.content import current_course
from webapp.models import CERTIFICATE_REPLACED, CERTIFICATE_REVOKED, CERTIFICATE_VALID, utcnow

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


def erasure_status(status: str) -> str:
    """The name of an erasure request's state (services/erasure.py)."""
    names = {"pending": _("Waiting for a decision"), "approved": _("Approved: erased"),
             "refused": _("Refused")}
    return names.get(status, status)


def erasure_channel(channel: str) -> str:
    """How an erasure request came: from the person, on paper, or by the retention period."""
    names = {"web": _("asked on the web"), "paper": _("received on paper"),
             "retention": _("retention period")}
    return names.get(channel, channel)


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


def language() -> str:
    """The interface language of this request, for ``localtime``'s formatting."""
    return str(get_locale() or "bg")


def day(value: date | datetime, weekday: bool = False) -> str:
    """A day as "12 март 2027" (``localtime.format_day``)."""
    return localtime.format_day(value, language(), weekday=weekday)


def clock(value: datetime) -> str:
    """A time of day as "9:00 ч." (``localtime.format_clock``)."""
    return localtime.format_clock(value, language())


def moment(value: datetime, weekday: bool = False) -> str:
    """A moment as "9:00 ч., 12 март 2027" (``localtime.format_moment``)."""
    return localtime.format_moment(value, language(), weekday=weekday)


def span(start: datetime, end: datetime, weekday: bool = False) -> str:
    """A time range as "9:00 – 16:00 ч., 12 март 2027" (``localtime.format_span``)."""
    return localtime.format_span(start, end, language(), weekday=weekday)


def when(start: date | datetime, end: datetime | None = None, *, relative: bool = False,
         weekday: bool = False) -> Markup:
    """A ``<time>`` element for a day, a moment or a range, as the filters above print it.

    ``relative`` adds "(утре)", "(след 3 дни)" … for days near today: for what is coming
    (sessions, deadlines), never on a page that is cached for everyone. The title gives the
    weekday and the machine-readable ``datetime`` the exact local moment.
    """
    lang = language()
    if isinstance(start, datetime):
        text = (localtime.format_span(start, end, lang, weekday=weekday) if end is not None
                else localtime.format_moment(start, lang, weekday=weekday))
        stamp = localtime.local(start).isoformat(timespec="minutes")
    else:
        text, stamp = localtime.format_day(start, lang, weekday=weekday), start.isoformat()
    near = localtime.relative_day(start, utcnow(), lang) if relative else None
    html = Markup('<time datetime="{}" title="{}">{}</time>').format(
        stamp, localtime.format_day(start, lang, weekday=True), text)
    if near:
        html += Markup(' <span class="when-relative">({})</span>').format(near)
    return html


def init_app(app: Flask) -> None:
    """Register the app-wide filters and globals."""
    for name in (organisation_kind, role_name, audience_title, inline, day, clock, moment):
        app.add_template_filter(name)
    app.add_template_filter(inline_text)
    for helper in (certificate_status, certificate_action, erasure_status, erasure_channel,
                   quiz_kind, course_link, span, when):
        app.add_template_global(helper)
