"""Dobro's web app: the Flask factory that wires settings, extensions and blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp import config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; ``test_config`` overrides what the environment sets."""
    overrides = dict(test_config or {})
    instance = config.instance_path(overrides)
    app = Flask(__name__, instance_path=str(instance))
    app.config.from_mapping(config.settings(instance, overrides))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from webapp import content, errors, i18n, livebuild, security
    from webapp.views import learn, system

    i18n.init_app(app)
    security.init_app(app)
    content.init_app(app)
    livebuild.init_app(app)
    errors.init_app(app)
    app.register_blueprint(learn.bp)
    app.register_blueprint(system.bp)
    return app
