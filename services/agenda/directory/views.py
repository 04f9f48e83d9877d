"""HTTP endpoints of the directory: professionals, organisations, the map, imports, exports."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from services.agenda.directory import exports, imports, service
from services.agenda.directory.schemas import (
    ImportQuerySchema,
    MapQuerySchema,
    OrganisationCreateSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    OrganisationUpdateSchema,
    ProfessionalCreateSchema,
    ProfessionalQuerySchema,
    ProfessionalSchema,
    ProfessionalUpdateSchema,
)
from shared.auth.permissions import ANY_ROLE, allow, current_principal, record_rule
from shared.auth.roles import ADMIN, COORDINATOR, GP, MIDWIFE, NURSE
from shared.errors import PayloadTooLarge, ValidationFailed
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import json_body, query_args
from shared.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

blueprint = Blueprint("agenda_directory", __name__, url_prefix="/api/agenda")
professional_schema = ProfessionalSchema()
organisation_schema = OrganisationSchema()
# A territory's extract is a few MB; the national one ~760 MB. Beyond this: 413.
IMPORT_MAX_BYTES = 1024 * 1024 * 1024
EXPORT_LIMIT = 100_000


def _parse_ids(raw: str | None) -> list[uuid.UUID] | None:
    if raw is None:
        return None
    try:
        return [uuid.UUID(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationFailed({"ids": ["Identifiants invalides."]}) from exc


def _parse_near(raw: str | None, radius_km: float | None) -> tuple[float, float] | None:
    if raw is None:
        if radius_km is not None:
            raise ValidationFailed({"near": ["Indiquez le point « lat,lon » du rayon."]})
        return None
    try:
        lat, lon = (float(part) for part in raw.split(","))
    except ValueError as exc:
        raise ValidationFailed({"near": ["Point « latitude,longitude » attendu."]}) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or radius_km is None:
        raise ValidationFailed({"near": ["Point valide et rayon (radius_km) attendus."]})
    return lat, lon


def professionals_query(args: dict[str, Any]) -> Any:
    """The directory search of a validated query string (shared with the pages)."""
    return service.search_query(
        profession=args["profession"],
        city=args["city"],
        postal_code=args["postal_code"],
        q=args["q"],
        qualification=args["qualification"],
        accepting_new_patients=args["accepting_new_patients"],
        near=_parse_near(args["near"], args["radius_km"]),
        radius_km=args["radius_km"],
        include_inactive=args["include_inactive"],
        sort=args["sort"],
        ids=_parse_ids(args["ids"]),
    )


def export_response(query: Any, file_format: str) -> Response:
    """The professionals of `query` as a CSV or XLSX download."""
    rows = service.first_rows(query, EXPORT_LIMIT)
    if file_format == "csv":
        body, media_type, extension = exports.to_csv(rows), CSV_MEDIA_TYPE, "csv"
    else:
        body, media_type, extension = exports.to_xlsx(rows), XLSX_MEDIA_TYPE, "xlsx"
    return Response(
        body,
        content_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="annuaire.{extension}"'},
    )


@blueprint.get("/professionals")
@allow(*ANY_ROLE)
@documented(
    summary="Rechercher dans l'annuaire (JSON, ou CSV/XLSX avec format=)",
    query=ProfessionalQuerySchema,
    response=page_schema(ProfessionalSchema),
    file_types=(CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE),
)
def list_professionals() -> ResponseReturnValue:
    """Professionals of the CPTS, filtered; `format=csv|xlsx` exports every match."""
    args = query_args(ProfessionalQuerySchema())
    query = professionals_query(args)
    if args["format"] != "json":
        return export_response(query, args["format"])
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: professional_schema.dump(rows, many=True),
    )


@blueprint.post("/professionals")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Ajouter un professionnel",
    body=ProfessionalCreateSchema,
    response=ProfessionalSchema,
    status=201,
    errors=(409,),
)
def create_professional() -> ResponseReturnValue:
    """Register a professional in the directory."""
    data = json_body(ProfessionalCreateSchema())
    return professional_schema.dump(service.register_professional(data=data)), 201


@blueprint.get("/professionals/<uuid:professional_id>")
@allow(*ANY_ROLE)
@documented(summary="Fiche d'un professionnel", response=ProfessionalSchema, errors=(404,))
def get_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """One directory entry."""
    return professional_schema.dump(service.get_professional(professional_id))


@blueprint.patch("/professionals/<uuid:professional_id>")
@allow(COORDINATOR, ADMIN, GP, MIDWIFE, NURSE)
@record_rule(
    "gp, midwife, nurse: only their own directory entry, and only its availability fields "
    "(else 403)"
)
@documented(
    summary="Modifier une fiche",
    body=ProfessionalUpdateSchema,
    response=ProfessionalSchema,
    errors=(403, 404),
)
def update_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """Update a directory entry (coordinator, admin, or the professional's availability)."""
    data = json_body(ProfessionalUpdateSchema())
    professional = service.update_professional(
        professional_id=professional_id, data=data, principal=current_principal()
    )
    return professional_schema.dump(professional)


def upload() -> Any:
    """The uploaded `file` (multipart), within the size limit."""
    limit = current_app.config.get("DIRECTORY_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(
            f"Le fichier dépasse la taille maximale d'un import ({limit // 1024**2} Mo)."
        )
    request.max_content_length = limit
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationFailed({"file": ["Joignez le fichier à importer (champ « file »)."]})
    return file


def run_import(args: dict[str, Any], file: Any) -> imports.ImportReport:
    """Import an uploaded file as `args` say (shared by the API and the upload page)."""
    if args["format"] == "rpps":
        filters = imports.ExtractFilters.parse(
            departement=args["departement"],
            communes=args["communes"],
            professions=args["professions"],
        )
        return imports.import_extract(file.stream, filters=filters, dry_run=args["dry_run"])
    rows = imports.list_rows(file.read(), args["format"])
    return imports.import_list(rows, dry_run=args["dry_run"])


@blueprint.post("/professionals/import")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Importer l'extraction Annuaire Santé (rpps) ou la liste de la CPTS (csv, xlsx)",
    query=ImportQuerySchema,
    errors=(413, 415, 422),
)
def import_professionals() -> ResponseReturnValue:
    """Import professionals; `dry_run=true` reports without storing anything."""
    args = query_args(ImportQuerySchema())
    return run_import(args, upload()).as_dict()


@blueprint.get("/professionals/import/template.xlsx")
@allow(COORDINATOR, ADMIN)
@documented(summary="Modèle XLSX de la liste des professionnels", file_types=(XLSX_MEDIA_TYPE,))
def import_template() -> ResponseReturnValue:
    """The template of the CPTS's list, French headers and one example row."""
    return Response(
        imports.template_xlsx(),
        mimetype=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="modele-annuaire.xlsx"'},
    )


@blueprint.get("/organisations")
@allow(*ANY_ROLE)
@documented(
    summary="Structures du territoire",
    query=OrganisationQuerySchema,
    response=page_schema(OrganisationSchema),
)
def list_organisations() -> ResponseReturnValue:
    """Organisations, filtered by kind, name and commune served."""
    args = query_args(OrganisationQuerySchema())
    query = service.organisation_query(
        kind=args["kind"],
        q=args["q"],
        commune=args["commune"],
        include_inactive=args["include_inactive"],
    )
    return paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: organisation_schema.dump(rows, many=True),
    )


@blueprint.post("/organisations")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Ajouter une structure",
    body=OrganisationCreateSchema,
    response=OrganisationSchema,
    status=201,
)
def create_organisation() -> ResponseReturnValue:
    """Register a structure of the territory."""
    data = json_body(OrganisationCreateSchema())
    return organisation_schema.dump(service.register_organisation(data=data)), 201


@blueprint.get("/organisations/<uuid:organisation_id>")
@allow(*ANY_ROLE)
@documented(summary="Fiche d'une structure", response=OrganisationSchema, errors=(404,))
def get_organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """One structure."""
    return organisation_schema.dump(service.get_organisation(organisation_id))


@blueprint.patch("/organisations/<uuid:organisation_id>")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Modifier une structure",
    body=OrganisationUpdateSchema,
    response=OrganisationSchema,
    errors=(404,),
)
def update_organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """Change or deactivate a structure."""
    data = json_body(OrganisationUpdateSchema())
    return organisation_schema.dump(
        service.update_organisation(organisation_id=organisation_id, data=data)
    )


@blueprint.get("/map")
@allow(*ANY_ROLE)
@documented(summary="Carte des acteurs du territoire (GeoJSON)", query=MapQuerySchema)
def get_map() -> ResponseReturnValue:
    """Professionals and organisations as a GeoJSON FeatureCollection (no patient data)."""
    args = query_args(MapQuerySchema())
    body = service.map_features(
        profession=args["profession"], kind=args["kind"], type_=args["type"]
    )
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")
