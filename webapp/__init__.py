"""Dobro's web app: the Flask factory that wires settings, extensions and blueprints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; ``test_config`` overrides what the environment sets."""
    # Imported here: `dobro check` and `dobro build` load this package without needing Flask
    # (nor the settings, whose instance-folder helpers bring in logging and secrets).
    from flask import Flask

    from webapp import config

    overrides = dict(test_config or {})
    instance = config.instance_path(overrides)
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(config.settings(instance, overrides))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    trust_proxies(app)
    label_responses(app)

    from webapp import (
        auth,
        content,
        db,
        errors,
        health,
        i18n,
        livebuild,
        metrics,
        routing,
        security,
        templating,
    )
    from webapp.views import (
        admin,
        authoring_course,
        authoring_questions,
        certificates,
        dashboard,
        learn,
        mail,
        participants,
        privacy,
        public,
        publications,
        quiz,
        reports,
        sessions,
        stats,
        system,
        trainer,
    )
    from webapp.views import audit as audit_views
    from webapp.views import auth as auth_views
    from webapp.views import authoring as authoring_views
    from webapp.views import erasure as erasure_views
    from webapp.views import review as review_views
    from webapp.views import signin_sheets as signin_sheet_views
    from webapp.views import surveys as survey_views

    app.url_map.converters["int"] = routing.DatabaseId  # before any view's rule is added
    i18n.init_app(app)
    security.init_app(app)
    db.init_app(app)
    health.add_check(app, "database", db.ping)
    health.init_app(app)
    metrics.init_app(app)
    auth.init_app(app)
    content.init_app(app)
    livebuild.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    app.register_blueprint(learn.bp)
    app.register_blueprint(system.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(quiz.bp)
    app.register_blueprint(trainer.bp)
    app.register_blueprint(participants.bp)
    app.register_blueprint(sessions.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(publications.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(authoring_views.bp)
    app.register_blueprint(authoring_course.bp)
    app.register_blueprint(authoring_questions.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(erasure_views.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(survey_views.bp)
    app.register_blueprint(review_views.bp)
    app.register_blueprint(signin_sheet_views.bp)
    return app


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-* headers of ``TRUSTED_PROXIES`` reverse proxies, no more.

    Each proxy appends the address it saw; ProxyFix takes the one that many hops from
    the right, so a header a client sends itself cannot pose as a proxy's.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # For and Proto only, the two headers the documented nginx sets (replacing what a
        # client sent). Host comes in the Host header itself, and links are built from
        # DOBRO_BASE_URL; a Host, Port or Prefix header that no proxy sets would reach
        # the app straight from the client.
        app.wsgi_app = ProxyFix(app.wsgi_app,  # type: ignore[method-assign]
                                x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def label_responses(app: Flask) -> None:
    """Name this app server in an ``X-Dobro-Server`` header (``DOBRO_SERVER_LABEL``; off
    when unset): behind a load balancer, which server answered a request."""
    label = app.config["SERVER_LABEL"]
    if not label:
        return
    from flask import Response

    def add_label(response: Response) -> Response:
        response.headers["X-Dobro-Server"] = label
        return response

    app.after_request(add_label)
