"""Agenda service: its blueprints and pages, mounted by `services/bootstrap.py`."""

from __future__ import annotations

from flask import Flask

from services.agenda.bookings.views import blueprint as bookings_blueprint
from services.agenda.calendar.views import blueprint as calendar_blueprint
from services.agenda.directory.pages import register_directory_pages
from services.agenda.directory.views import blueprint as directory_blueprint
from services.agenda.indicators.views import blueprint as indicators_blueprint
from services.agenda.pages import register_pages
from services.agenda.pairings.views import blueprint as pairings_blueprint
from services.agenda.sas.views import blueprint as sas_blueprint
from services.agenda.sas.views import pages as sas_pages
from services.agenda.slots.views import blueprint as slots_blueprint
from services.agenda.teleconsultation.views import blueprint as teleconsultation_blueprint


def register(app: Flask) -> None:
    """Mount the agenda service's blueprints on `app`."""
    app.register_blueprint(directory_blueprint)
    app.register_blueprint(slots_blueprint)
    app.register_blueprint(bookings_blueprint)
    app.register_blueprint(calendar_blueprint)
    app.register_blueprint(pairings_blueprint)
    app.register_blueprint(teleconsultation_blueprint)
    app.register_blueprint(indicators_blueprint)
    app.register_blueprint(sas_blueprint)
    app.register_blueprint(sas_pages)
    register_pages(app)
    register_directory_pages(app)
