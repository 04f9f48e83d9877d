"""Agenda pages: one blueprint (`blueprint.py`) that the page modules fill with routes."""

from __future__ import annotations

from flask import Flask

# Importing the page modules adds their routes to `blueprint` (`slots` has no other use here).
from services.agenda.pages import bookings, slots, teleconsultations  # noqa: F401
from services.agenda.pages.blueprint import blueprint
from shared.auth.roles import CLINICAL_ROLES, GP
from shared.web.registry import AGENDA, add_nav_link, add_task_counter


def register_pages(app: Flask) -> None:
    """Mount the agenda pages, their links in the top bar and the tasks they count."""
    app.register_blueprint(blueprint)
    add_nav_link(
        app, "Créneaux SNP", f"{blueprint.name}.search", *CLINICAL_ROLES, order=30, group=AGENDA
    )
    add_nav_link(
        app,
        "Mes réservations",
        f"{blueprint.name}.my_bookings",
        *CLINICAL_ROLES,
        order=31,
        group=AGENDA,
    )
    add_nav_link(app, "Mes créneaux", f"{blueprint.name}.my_slots", GP, order=32, group=AGENDA)
    add_nav_link(
        app,
        "Téléconsultations",
        f"{blueprint.name}.teleconsultations",
        *CLINICAL_ROLES,
        order=33,
        group=AGENDA,
    )
    add_task_counter(app, bookings.tasks)
    add_task_counter(app, teleconsultations.tasks)
