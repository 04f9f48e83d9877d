"""Orientation service: its blueprints and pages, mounted by `services/bootstrap.py`."""

from __future__ import annotations

from flask import Flask

from services.orientation.discharges.pages import register_pages as register_discharge_pages
from services.orientation.discharges.views import blueprint as discharges_blueprint
from services.orientation.epp.pages import register_pages as register_epp_pages
from services.orientation.epp.views import blueprint as epp_blueprint
from services.orientation.indicators.pages import register_pages as register_indicator_pages
from services.orientation.indicators.views import blueprint as indicators_blueprint

# Imported before mounting: it adds the allocation pages' routes to the case pages' blueprint.
from services.orientation.medecin_traitant.allocation_pages import register_allocation_pages
from services.orientation.medecin_traitant.intake.views import api as public_blueprint
from services.orientation.medecin_traitant.intake.views import discharge_api, import_api
from services.orientation.medecin_traitant.intake.views import pages as public_pages
from services.orientation.medecin_traitant.pages import register_pages as register_mt_pages
from services.orientation.medecin_traitant.views import blueprint as medecin_traitant_blueprint
from services.orientation.search.pages import register_pages as register_search_pages
from services.orientation.search.views import blueprint as search_blueprint


def register(app: Flask) -> None:
    """Mount the orientation service's blueprints on `app`."""
    app.register_blueprint(medecin_traitant_blueprint)
    app.register_blueprint(public_blueprint)
    app.register_blueprint(public_pages)
    app.register_blueprint(discharge_api)
    app.register_blueprint(import_api)
    app.register_blueprint(discharges_blueprint)
    app.register_blueprint(epp_blueprint)
    register_mt_pages(app)
    register_allocation_pages(app)
    register_discharge_pages(app)
    register_epp_pages(app)
    app.register_blueprint(indicators_blueprint)
    register_indicator_pages(app)
    app.register_blueprint(search_blueprint)
    register_search_pages(app)
