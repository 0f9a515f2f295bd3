"""Dobro's web app: the Flask factory that wires settings, extensions and blueprints."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webapp import config

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; ``test_config`` overrides what the environment sets."""
    # Imported here: `dobro check` and `dobro build` load this package without needing Flask.
    from flask import Flask

    overrides = dict(test_config or {})
    instance = config.instance_path(overrides)
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(config.settings(instance, overrides))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from webapp import auth, content, db, errors, health, i18n, livebuild, routing, security
    from webapp.views import (
        admin,
        certificates,
        dashboard,
        learn,
        participants,
        public,
        publications,
        quiz,
        reports,
        sessions,
        stats,
        system,
        trainer,
    )
    from webapp.views import auth as auth_views
    from webapp.views import authoring as authoring_views

    app.url_map.converters["int"] = routing.DatabaseId  # before any view's rule is added
    i18n.init_app(app)
    security.init_app(app)
    db.init_app(app)
    health.add_check(app, "database", db.ping)
    auth.init_app(app)
    content.init_app(app)
    livebuild.init_app(app)
    errors.init_app(app)
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
    app.register_blueprint(reports.bp)
    app.register_blueprint(admin.bp)
    return app
