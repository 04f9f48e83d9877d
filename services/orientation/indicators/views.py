"""HTTP endpoints of the indicators: parse the period, call the service, present JSON or a file."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from services.orientation.indicators import exports, service
from services.orientation.indicators.definitions import definitions_document
from services.orientation.indicators.extract import COLUMNS, extract_rows
from services.orientation.indicators.schemas import (
    DefinitionsSchema,
    ExtractQuerySchema,
    ExtractSchema,
    IndicatorsQuerySchema,
    IndicatorsSchema,
)
from shared.auth.permissions import allow
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.http.openapi import documented
from shared.http.parsing import query_args
from shared.periods import Period
from shared.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, write_csv

blueprint = Blueprint("orientation_indicators", __name__, url_prefix="/api/orientation")


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.get("/indicators")
@allow(REPORTING, COORDINATOR, ADMIN)
@documented(
    summary="Indicateurs de la CPTS sur une période",
    query=IndicatorsQuerySchema,
    response=IndicatorsSchema,
    errors=(503,),
    file_types=(CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE),
)
def get_indicators():
    """Aggregated figures only, never a patient; `format=csv|xlsx` for a file, `public=true`
    to mask counts below the publication threshold in that file."""
    args = query_args(IndicatorsQuerySchema())
    period = Period(args["start"], args["end"])
    document = service.indicators(period)
    if args["format"] == "json":
        return document
    settings = current_app.config["RELAIS_SETTINGS"]
    threshold = settings.publication_threshold if args["public"] else None
    content, media_type, name = exports.indicators_file(
        document, period, fmt=args["format"], threshold=threshold
    )
    service.record_export("indicators", period)
    return _file(content, media_type, name)


@blueprint.get("/indicators/definitions")
@allow(REPORTING, COORDINATOR, ADMIN)
@documented(summary="Définition de chaque indicateur", response=DefinitionsSchema)
def get_definitions():
    """Each figure's French definition: what is counted, which date decides the month,
    distinct patients or cases."""
    return definitions_document()


@blueprint.get("/indicators/extract")
@allow(ADMIN)
@documented(
    summary="Extraction pseudonymisée des dossiers (évaluation)",
    query=ExtractQuerySchema,
    response=ExtractSchema,
    file_types=(CSV_MEDIA_TYPE,),
)
def get_extract():
    """One row per case signalled in the period, without any identity; recorded in the audit."""
    args = query_args(ExtractQuerySchema())
    period = Period(args["start"], args["end"])
    rows = list(extract_rows(period))
    service.record_export("extract", period)
    if args["format"] == "csv":
        return _file(
            write_csv(([row[column] for column in COLUMNS] for row in rows), headers=COLUMNS),
            CSV_MEDIA_TYPE,
            f"extraction_pseudonymisee_{period.slug}.csv",
        )
    return {"period": period.as_dict(), "items": rows}
