"""HTTP endpoints of the indicators: parse the period, call the service, present JSON or a file."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from services.orientation.indicators import exports, report, service, territory
from services.orientation.indicators.definitions import definitions_document
from services.orientation.indicators.extract import COLUMNS, extract_rows
from services.orientation.indicators.schemas import (
    DefinitionsSchema,
    ExtractQuerySchema,
    ExtractSchema,
    IndicatorsQuerySchema,
    IndicatorsSchema,
    ReportQuerySchema,
    TerritoryUploadSchema,
)
from shared.auth.permissions import allow, current_principal, record_rule
from shared.auth.roles import ADMIN, COORDINATOR, REPORTING
from shared.errors import ValidationFailed
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


@blueprint.get("/indicators/report")
@allow(REPORTING, COORDINATOR, ADMIN)
@documented(
    summary="Rapport annuel (PDF) des indicateurs du projet de santé",
    query=ReportQuerySchema,
    file_types=(report.PDF_MEDIA_TYPE,),
)
def get_report():
    """The annual report of `year` as a PDF (recorded in the audit trail as an export)."""
    year = query_args(ReportQuerySchema())["year"]
    content = report.report_pdf(year)
    service.record_export("report", report.year_period(year))
    return _file(content, report.PDF_MEDIA_TYPE, f"rapport_annuel_{year}.pdf")


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


@blueprint.post("/territory-baseline")
@allow(ADMIN, COORDINATOR)
@record_rule("admin, coordinator: all rows or none; replaces the (commune, month) pairs sent")
@documented(
    summary="Charger les patients sans médecin traitant du territoire (CSV CPAM/Rézone)",
    body=None,
    response=TerritoryUploadSchema,
    status=201,
    errors=(413, 422),
)
def post_territory_baseline():
    """CSV `commune_insee;month;patients_without_mt[;population]` as the `file` field of a
    form, or as the body (`text/csv`); bad rows → 422 per line, nothing stored."""
    upload = request.files.get("file")
    if upload is not None:
        try:
            data = upload.read()
        finally:
            upload.close()
    elif request.mimetype == "text/csv":
        data = request.get_data()
    else:
        raise ValidationFailed(
            {"file": ["Joignez le fichier CSV des patients sans médecin traitant du territoire."]}
        )
    principal = current_principal()
    return territory.upload(data, uploaded_by=principal.user_id), 201


@blueprint.get("/territory-baseline/template")
@allow(ADMIN, COORDINATOR)
@documented(summary="Modèle du fichier du territoire (CSV)", file_types=(CSV_MEDIA_TYPE,))
def get_territory_template():
    """An example file with the expected columns (UTF-8 with BOM, `;`)."""
    return _file(territory.TEMPLATE.encode("utf-8"), CSV_MEDIA_TYPE, "modele_patients_sans_mt.csv")
