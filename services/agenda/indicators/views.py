"""HTTP endpoint of the agenda indicators (aggregated only)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.agenda.indicators import service
from services.agenda.indicators.schemas import IndicatorQuerySchema, IndicatorsSchema
from shared.auth.permissions import allow
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.http.openapi import documented
from shared.http.parsing import query_args

blueprint = Blueprint("agenda_indicators", __name__, url_prefix="/api/agenda")


@blueprint.get("/indicators")
@allow(REPORTING, COORDINATOR, ADMIN)
@documented(
    summary="Indicateurs de l'agenda partagé",
    query=IndicatorQuerySchema,
    response=IndicatorsSchema,
    errors=(422,),
)
def indicators() -> ResponseReturnValue:
    """SNP slots published and booked, teleconsultations completed, by month (Paris dates)."""
    args = query_args(IndicatorQuerySchema())
    return service.agenda_indicators(start=args["from_"], end=args["to"])
