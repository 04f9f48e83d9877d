"""Agenda service factory."""

from __future__ import annotations

from flask import Flask

from services.agenda.directory.views import blueprint as directory_blueprint
from shared.app_factory import create_app as create_relais_app
from shared.settings import Settings


def register(app: Flask) -> None:
    """Mount the agenda service's blueprints on `app`."""
    app.register_blueprint(directory_blueprint)


def create_app(settings: Settings | None = None) -> Flask:
    """The agenda service alone."""
    return create_relais_app(("agenda",), settings)
