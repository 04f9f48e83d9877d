"""Notifications service factory."""

from __future__ import annotations

from flask import Flask

from services.notifications.pages import register_pages
from services.notifications.views import blueprint as notifications_blueprint
from shared.app_factory import create_app as create_relais_app
from shared.settings import Settings


def register(app: Flask) -> None:
    """Mount the notifications service's blueprints on `app`."""
    app.register_blueprint(notifications_blueprint)
    register_pages(app)


def create_app(settings: Settings | None = None) -> Flask:
    """The notifications service alone."""
    return create_relais_app(("notifications",), settings)
