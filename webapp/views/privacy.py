"""The privacy notice (public) and "Моите данни": what Dobro holds about me, to download."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_login import login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from webapp import db
from webapp.auth import me
from webapp.forms.privacy import DownloadForm
from webapp.services import audit, my_data, privacy
from webapp.templating import moment

bp = Blueprint("privacy", __name__)
PDF_BUDGET_SECONDS = 2.0  # a PDF that takes longer is left out; the HTML says the same
PDF_MAX_QUESTIONS = 60  # more questions in all attempts: no PDF (see pdf_is_quick)


def current_notice() -> tuple[Markup, str]:
    """The notice's body in the page's language, and its version."""
    env, config = current_app.jinja_env, current_app.config
    body = privacy.current_text(env, config, str(get_locale() or "bg"))
    return Markup(body), privacy.current_version(env, config)


@bp.get("/privacy")
def notice() -> str:
    body, version = current_notice()
    return render_template("privacy/notice.html", body=body, version=version,
                           sections=[(anchor, Markup(text))
                                     for anchor, text in privacy.sections(body)])


@bp.get("/my-data")
@login_required
def my_data_page() -> str:
    data = my_data.collect(db.session(), me())
    return render_template("privacy/my_data.html", data=data, counts=my_data.counts(data),
                           form=DownloadForm())


@bp.post("/my-data/download")
@login_required
def download() -> Response | tuple[str, int]:
    form = DownloadForm()
    if not form.validate_on_submit():
        return my_data_page(), 400
    user = me()
    data = my_data.collect(db.session(), user)
    html = render_template("privacy/summary.html", data=data, at=shown_moment,
                           audit_action=audit_action)
    pdf = summary_pdf(html) if pdf_is_quick(data) else None
    payload = my_data.archive(data, html, pdf)
    name = f"dobro-moite-danni-{user.username or user.id}.zip"
    return Response(payload, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


def audit_action(action: str) -> str:
    """The staff access log's name of ``action`` (the code itself if it is unknown)."""
    known = audit.ACTIONS.get(action)
    return str(known.label) if known is not None else action


def shown_moment(value: str | None) -> str:
    """An ISO moment of ``data.json`` as the pages show moments ("—" when there is none)."""
    return moment(datetime.fromisoformat(value)) if value else "—"


def pdf_is_quick(data: dict[str, Any]) -> bool:
    """Whether the PDF renders within the budget: ~1.4 s for 2 attempts of 7 questions on a
    busy 2-core machine; far longer histories get the HTML alone."""
    questions = sum(len(attempt["questions"]) for attempt in data["attempts"])
    return questions <= PDF_MAX_QUESTIONS


def summary_pdf(html: str) -> bytes | None:
    """The summary as a PDF, or None when WeasyPrint fails or is slower than the budget."""
    started = time.monotonic()
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]  # late: slow to import

        pdf: bytes = HTML(string=html).write_pdf()
    except Exception:  # a missing font or library must not cost the person their data
        current_app.logger.warning("the summary PDF could not be rendered", exc_info=True)
        return None
    if time.monotonic() - started > PDF_BUDGET_SECONDS:
        current_app.logger.info("the summary PDF took over %s s; left out", PDF_BUDGET_SECONDS)
        return None
    return pdf
