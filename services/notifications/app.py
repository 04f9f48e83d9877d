"""Notifications service: its blueprints and pages, mounted by `services/bootstrap.py`."""

from __future__ import annotations

from flask import Flask

from services.notifications.pages import register_pages
from services.notifications.views import blueprint as notifications_blueprint


def register(app: Flask) -> None:
    """Mount the notifications service's blueprints on `app`."""
    app.register_blueprint(notifications_blueprint)
    register_pages(app)
