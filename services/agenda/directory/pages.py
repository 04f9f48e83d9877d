"""Directory pages: the search (`/annuaire`, coordination) and "Ma disponibilité" (GPs,
midwives, nurses keep their own availability)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.agenda.directory import service
from services.agenda.directory.forms import (
    AVAILABILITY_FIELDS,
    IDENTITY_FIELDS,
    KIND_LABELS,
    ORGANISATION_FIELDS,
    PROFESSION_LABELS,
    PROFESSIONAL_FIELDS,
    QUALIFICATION_LABELS,
    entry_body,
    entry_values,
)
from services.agenda.directory.schemas import (
    AvailabilityUpdateSchema,
    ImportQuerySchema,
    MapQuerySchema,
    OrganisationCreateSchema,
    OrganisationQuerySchema,
    OrganisationUpdateSchema,
    ProfessionalCreateSchema,
    ProfessionalQuerySchema,
    ProfessionalUpdateSchema,
)
from services.agenda.directory.views import (
    IMPORT_MAX_BYTES,
    export_response,
    professionals_query,
    run_import,
    upload,
)
from shared.auth.roles import ADMIN, COORDINATOR, DIRECTORY_ROLES
from shared.errors import DomainError, Duplicate, Forbidden, ValidationFailed
from shared.geo import by_insee
from shared.http.hardening import policy_with_images_from
from shared.http.pagination import paginate
from shared.http.parsing import load
from shared.http.uploads import accepts_upload
from shared.timeutil import utcnow
from shared.web.case_pages import page_principal
from shared.web.forms import Field, FormState, form_body
from shared.web.pages import page, page_blueprint
from shared.web.registry import AGENDA, TERRITORY, add_nav_link
from shared.web.setup import CONTENT_SECURITY_POLICY as PAGE_POLICY

blueprint = page_blueprint(
    "directory_pages", __name__, url_prefix="/annuaire", templates="templates"
)
PAGE_SIZE = 25
SEARCH_FIELDS = (
    Field("q", "Nom", hint="Sans tenir compte des accents ni des majuscules."),
    Field(
        "profession",
        "Profession",
        "select",
        choices=(("", "Toutes"), *PROFESSION_LABELS.items()),
    ),
    Field(
        "qualification",
        "Qualification",
        "select",
        choices=(("", "Toutes"), *QUALIFICATION_LABELS.items()),
    ),
    Field("city", "Commune"),
    Field("accepting_new_patients", "Accepte de nouveaux patients", "checkbox"),
)
SORT_LABELS = {"name": "Nom", "city": "Commune", "capacity": "Places", "updated": "Mise à jour"}


def _own_entry():
    principal = page_principal()
    if principal.professional_id is None:
        raise Forbidden("Votre compte n'est pas lié à une fiche de l'annuaire.")
    return principal, service.get_professional(principal.professional_id)


@blueprint.get("/ma-disponibilite")
@page(*DIRECTORY_ROLES)
def my_availability() -> ResponseReturnValue:
    """My availability: new patients, places this month, languages, contact."""
    _principal, professional = _own_entry()
    form = FormState.blank(AVAILABILITY_FIELDS, entry_values(professional, AVAILABILITY_FIELDS))
    return render_template("directory/availability.html", form=form, professional=professional)


@blueprint.post("/ma-disponibilite")
@page(*DIRECTORY_ROLES)
def save_availability() -> ResponseReturnValue:
    """Save my availability (the API's schema and service; the places count at once)."""
    principal, professional = _own_entry()
    body = entry_body(request.form, AVAILABILITY_FIELDS)
    try:
        data = load(AvailabilityUpdateSchema(), body)
        service.update_professional(professional_id=professional.id, data=data, principal=principal)
    except ValidationFailed as error:
        form = FormState.failed(AVAILABILITY_FIELDS, request.form, error.fields)
        return render_template(
            "directory/availability.html", form=form, professional=professional
        ), 422
    flash("Vos disponibilités sont enregistrées.", "success")
    return redirect(url_for(".my_availability"), code=303)


def _filters(
    schema: Any, fields: Sequence[Field], template: str, empty: str
) -> tuple[MultiDict, Any]:
    """The page's query string (blank values left out) and its validated form; refused, the
    page is shown again (422) with the French messages beside the filters."""
    raw = MultiDict({k: v for k, v in request.args.items() if v.strip()})
    try:
        return raw, load(schema, raw.to_dict())
    except ValidationFailed as error:
        form = FormState.failed(fields, raw, error.fields)
        abort(make_response(render_template(template, form=form, **{empty: None}), 422))


def _results(query: Any, page_number: int) -> dict[str, Any]:
    """One page of a listing and the number of pages, for the pager."""
    found = paginate(query, page=page_number, per_page=PAGE_SIZE, dump=list)
    return {"found": found, "pages": max(1, -(-found["total"] // PAGE_SIZE))}


@blueprint.get("/")
@page(COORDINATOR, ADMIN)
def search() -> ResponseReturnValue:
    """The directory: search by name, profession, qualification, commune, availability."""
    raw, args = _filters(ProfessionalQuerySchema(), SEARCH_FIELDS, "directory/search.html", "found")
    query = service.search_query(
        profession=args["profession"],
        city=args["city"],
        q=args["q"],
        qualification=args["qualification"],
        accepting_new_patients=args["accepting_new_patients"] or None,
        include_inactive=args["include_inactive"],
        sort=args["sort"],
    )
    return render_template(
        "directory/search.html",
        form=FormState.blank(SEARCH_FIELDS, raw),
        **_results(query, args["page"]),
        sort=args["sort"],
        args=raw,
        professions=PROFESSION_LABELS,
        sort_labels=SORT_LABELS,
    )


@blueprint.get("/export.<any(csv, xlsx):file_format>")
@page(COORDINATOR, ADMIN)
def export(file_format: str) -> ResponseReturnValue:
    """The directory as filtered on the page, as CSV or XLSX."""
    args = load(ProfessionalQuerySchema(), {k: v for k, v in request.args.items() if v.strip()})
    return export_response(professionals_query(args), file_format)


# --- a professional's page, forms, deactivation (coordination) --------------------------

CASE_LABELS = {
    "orientation_mt_cases": "Médecin traitant",
    "orientation_epp_referrals": "Entretien prénatal précoce",
    "agenda_tc_cases": "Téléconsultation assistée",
    "agenda_bookings": "Soin non programmé",
}


def _saved(message: str, endpoint: str, **values: Any) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _entry_form(
    template: str, form: FormState, status: int = 200, **context: Any
) -> ResponseReturnValue:
    return render_template(template, form=form, **context), status


@blueprint.get("/<uuid:professional_id>")
@page(COORDINATOR, ADMIN)
def professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """A professional: contact, practice address, availability and its freshness,
    qualifications, and the cases in progress with them."""
    entry = service.get_professional(professional_id)
    cases = service.cases_in_progress(entry.id) if service.may_see_cases(page_principal()) else []
    return render_template(
        "directory/professional.html",
        professional=entry,
        cases=cases,
        case_labels=CASE_LABELS,
        professions=PROFESSION_LABELS,
        qualifications=QUALIFICATION_LABELS,
        stale=entry.capacity_updated_at is None
        or utcnow() - entry.capacity_updated_at > service.STALE_AFTER,
    )


@blueprint.get("/nouveau")
@page(COORDINATOR, ADMIN)
def new_professional() -> ResponseReturnValue:
    """The form adding a professional to the directory."""
    form = FormState.blank(IDENTITY_FIELDS + PROFESSIONAL_FIELDS, MultiDict({"languages": "fr"}))
    return _entry_form("directory/entry_form.html", form, title="Ajouter un professionnel")


@blueprint.post("/nouveau")
@page(COORDINATOR, ADMIN)
def create_professional() -> ResponseReturnValue:
    """Add a professional (the API's schema and service)."""
    fields = IDENTITY_FIELDS + PROFESSIONAL_FIELDS
    try:
        data = load(ProfessionalCreateSchema(), entry_body(request.form, fields))
        entry = service.register_professional(data=data)
    except (ValidationFailed, Duplicate) as error:
        errors = getattr(error, "fields", None) or {"rpps": [str(error.message)]}
        form = FormState.failed(fields, request.form, errors)
        return _entry_form("directory/entry_form.html", form, 422, title="Ajouter un professionnel")
    return _saved(
        "Le professionnel est ajouté à l'annuaire.", ".professional", professional_id=entry.id
    )


@blueprint.get("/<uuid:professional_id>/modifier")
@page(COORDINATOR, ADMIN)
def edit_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """The form changing a professional's entry (never their RPPS or profession)."""
    entry = service.get_professional(professional_id)
    form = FormState.blank(PROFESSIONAL_FIELDS, entry_values(entry, PROFESSIONAL_FIELDS))
    return _entry_form(
        "directory/entry_form.html", form, title=f"Modifier {entry.first_name} {entry.last_name}"
    )


@blueprint.post("/<uuid:professional_id>/modifier")
@page(COORDINATOR, ADMIN)
def save_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """Save a professional's entry."""
    entry = service.get_professional(professional_id)
    try:
        data = load(ProfessionalUpdateSchema(), entry_body(request.form, PROFESSIONAL_FIELDS))
        service.update_professional(
            professional_id=professional_id, data=data, principal=page_principal()
        )
    except ValidationFailed as error:
        form = FormState.failed(PROFESSIONAL_FIELDS, request.form, error.fields)
        title = f"Modifier {entry.first_name} {entry.last_name}"
        return _entry_form("directory/entry_form.html", form, 422, title=title)
    return _saved("La fiche est enregistrée.", ".professional", professional_id=professional_id)


@blueprint.post("/<uuid:professional_id>/activation")
@page(COORDINATOR, ADMIN)
def toggle_professional(professional_id: uuid.UUID) -> ResponseReturnValue:
    """Deactivate (never delete) or reactivate a professional's entry."""
    active = request.form.get("active") == "true"
    service.update_professional(
        professional_id=professional_id, data={"active": active}, principal=page_principal()
    )
    message = "La fiche est réactivée." if active else "La fiche est désactivée."
    return _saved(message, ".professional", professional_id=professional_id)


# --- organisations ---------------------------------------------------------------------

ORGANISATION_SEARCH_FIELDS = (
    Field("q", "Nom"),
    Field("kind", "Type", "select", choices=(("", "Tous"), *KIND_LABELS.items())),
    Field("commune", "Commune desservie (code INSEE)"),
)


def _communes(codes: list[str]) -> list[str]:
    names = []
    for code in codes or []:
        commune = by_insee(code)
        names.append(f"{commune.name} ({code})" if commune else code)
    return names


@blueprint.get("/structures")
@page(COORDINATOR, ADMIN)
def organisations() -> ResponseReturnValue:
    """The structures of the territory, by kind, name or commune served."""
    raw, args = _filters(
        OrganisationQuerySchema(),
        ORGANISATION_SEARCH_FIELDS,
        "directory/organisations.html",
        "found",
    )
    query = service.organisation_query(
        kind=args["kind"],
        q=args["q"],
        commune=args["commune"],
        include_inactive=args["include_inactive"],
    )
    return render_template(
        "directory/organisations.html",
        form=FormState.blank(ORGANISATION_SEARCH_FIELDS, raw),
        **_results(query, args["page"]),
        args=raw,
        kinds=KIND_LABELS,
        communes=_communes,
    )


@blueprint.get("/structures/<uuid:organisation_id>")
@page(COORDINATOR, ADMIN)
def organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """A structure: contact, address, the communes it serves."""
    entry = service.get_organisation(organisation_id)
    return render_template(
        "directory/organisation.html",
        organisation=entry,
        kinds=KIND_LABELS,
        communes=_communes(entry.communes_served),
    )


@blueprint.get("/structures/nouvelle")
@page(COORDINATOR, ADMIN)
def new_organisation() -> ResponseReturnValue:
    """The form adding a structure."""
    form = FormState.blank(ORGANISATION_FIELDS)
    return _entry_form("directory/entry_form.html", form, title="Ajouter une structure")


@blueprint.post("/structures/nouvelle")
@page(COORDINATOR, ADMIN)
def create_organisation() -> ResponseReturnValue:
    """Add a structure (the API's schema and service)."""
    try:
        data = load(OrganisationCreateSchema(), entry_body(request.form, ORGANISATION_FIELDS))
        entry = service.register_organisation(data=data)
    except ValidationFailed as error:
        form = FormState.failed(ORGANISATION_FIELDS, request.form, error.fields)
        return _entry_form("directory/entry_form.html", form, 422, title="Ajouter une structure")
    return _saved("La structure est ajoutée.", ".organisation", organisation_id=entry.id)


@blueprint.get("/structures/<uuid:organisation_id>/modifier")
@page(COORDINATOR, ADMIN)
def edit_organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """The form changing a structure."""
    entry = service.get_organisation(organisation_id)
    form = FormState.blank(ORGANISATION_FIELDS, entry_values(entry, ORGANISATION_FIELDS))
    return _entry_form("directory/entry_form.html", form, title=f"Modifier {entry.name}")


@blueprint.post("/structures/<uuid:organisation_id>/modifier")
@page(COORDINATOR, ADMIN)
def save_organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """Save a structure."""
    entry = service.get_organisation(organisation_id)
    try:
        data = load(OrganisationUpdateSchema(), entry_body(request.form, ORGANISATION_FIELDS))
        service.update_organisation(organisation_id=organisation_id, data=data)
    except ValidationFailed as error:
        form = FormState.failed(ORGANISATION_FIELDS, request.form, error.fields)
        return _entry_form("directory/entry_form.html", form, 422, title=f"Modifier {entry.name}")
    return _saved("La structure est enregistrée.", ".organisation", organisation_id=organisation_id)


@blueprint.post("/structures/<uuid:organisation_id>/activation")
@page(COORDINATOR, ADMIN)
def toggle_organisation(organisation_id: uuid.UUID) -> ResponseReturnValue:
    """Deactivate (never delete) or reactivate a structure."""
    active = request.form.get("active") == "true"
    service.update_organisation(organisation_id=organisation_id, data={"active": active})
    message = "La structure est réactivée." if active else "La structure est désactivée."
    return _saved(message, ".organisation", organisation_id=organisation_id)


# --- import upload with a dry-run preview --------------------------------------------------

IMPORT_FIELDS = (
    Field(
        "format",
        "Type de fichier",
        "radio",
        required=True,
        choices=(
            ("rpps", "Extraction Annuaire Santé (PS_LibreAcces, séparateur |)"),
            ("csv", "Liste de la CPTS en CSV (séparateur ;)"),
            ("xlsx", "Liste de la CPTS en XLSX (modèle ci-dessous)"),
        ),
    ),
    Field("departement", "Département", hint="Extraction seulement, ex. 69."),
    Field(
        "communes", "Communes (codes INSEE)", hint="Extraction seulement, séparés par des virgules."
    ),
    Field(
        "professions",
        "Professions",
        "checkboxes",
        hint="Extraction seulement ; aucune cochée : toutes.",
        choices=tuple(PROFESSION_LABELS.items()),
    ),
)


@blueprint.get("/import")
@page(COORDINATOR, ADMIN)
def import_form() -> ResponseReturnValue:
    """Upload the Annuaire Santé extract or the CPTS's list; check it before importing."""
    form = FormState.blank(IMPORT_FIELDS, MultiDict({"format": "rpps"}))
    return render_template("directory/import.html", form=form, report=None, refused=None)


@blueprint.post("/import")
@accepts_upload(IMPORT_MAX_BYTES, "1 Go")  # the form's CSRF check reads the body: raise first
@page(COORDINATOR, ADMIN)
def import_upload() -> ResponseReturnValue:
    """Run the import, as a dry run ("Vérifier") unless "Importer" was pressed."""
    body = form_body(request.form, IMPORT_FIELDS)
    body["dry_run"] = request.form.get("action") != "import"
    if isinstance(body.get("professions"), list):
        body["professions"] = ",".join(body["professions"])
    report, refused, status = None, None, 200
    try:
        args = load(ImportQuerySchema(), body)
        report = run_import(args, upload()).as_dict()
    except ValidationFailed as error:
        refused, status = error.fields, 422
    except DomainError as error:
        refused, status = {"fichier": [error.message]}, error.status
    form = FormState.blank(IMPORT_FIELDS, request.form)
    return render_template(
        "directory/import.html", form=form, report=report, refused=refused
    ), status


# --- the map -------------------------------------------------------------------------------

# The IGN Géoplateforme "Plan IGN" layer (WMTS as XYZ tiles), free and without a key.
DEFAULT_TILES_URL = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
    "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
DEFAULT_ATTRIBUTION = "© IGN – Géoplateforme"
LEAFLET_DIR = Path(__file__).resolve().parents[3] / ".cache/npm/node_modules/leaflet/dist"
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAP_FIELDS = (
    Field(
        "profession",
        "Profession",
        "select",
        choices=(("", "Toutes"), *PROFESSION_LABELS.items()),
    ),
    Field("kind", "Type de structure", "select", choices=(("", "Tous"), *KIND_LABELS.items())),
    Field(
        "type",
        "Afficher",
        "select",
        choices=(
            ("", "Professionnels et structures"),
            ("professional", "Professionnels"),
            ("organisation", "Structures"),
        ),
    ),
)


def _setting(name: str, default: str) -> str:
    return current_app.config.get(name) or os.environ.get(name) or default


def _map_points(args: dict[str, Any]) -> dict[str, Any]:
    collection = service.map_features(
        profession=args["profession"], kind=args["kind"], type_=args["type"]
    )
    for feature in collection["features"]:
        p = feature["properties"]
        p["label"] = (
            PROFESSION_LABELS.get(p.get("profession"), p.get("profession"))
            if p["type"] == "professional"
            else KIND_LABELS.get(p.get("kind"), p.get("kind"))
        )
    return collection


@blueprint.get("/carte")
@page(COORDINATOR, ADMIN)
def territory_map() -> ResponseReturnValue:
    """The map of professionals and structures, with the same points as a list beside it."""
    raw, args = _filters(MapQuerySchema(), MAP_FIELDS, "directory/map.html", "points")
    tiles = _setting("MAP_TILES_URL", DEFAULT_TILES_URL)
    html = render_template(
        "directory/map.html",
        form=FormState.blank(MAP_FIELDS, raw),
        points=_map_points(args)["features"],
        args=raw,
        tiles=tiles,
        attribution=_setting("MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        leaflet=(LEAFLET_DIR / "leaflet.js").is_file(),
    )
    origin = urlsplit(tiles)
    g.page_policy = policy_with_images_from(PAGE_POLICY, f"{origin.scheme}://{origin.netloc}")
    return html


@blueprint.get("/carte/points.geojson")
@page(COORDINATOR, ADMIN)
def map_points() -> ResponseReturnValue:
    """The map's markers: the `/api/agenda/map` collection, for the page's session."""
    args = load(MapQuerySchema(), {k: v for k, v in request.args.items() if v.strip()})
    return Response(
        json.dumps(_map_points(args), ensure_ascii=False), mimetype="application/geo+json"
    )


@blueprint.get("/carte/carte.js")
@page(COORDINATOR, ADMIN)
def map_script() -> ResponseReturnValue:
    """The map page's script."""
    return send_from_directory(STATIC_DIR, "carte.js", mimetype="text/javascript")


@blueprint.get("/carte/leaflet/<path:filename>")
@page(COORDINATOR, ADMIN)
def leaflet_asset(filename: str) -> ResponseReturnValue:
    """Leaflet's files, installed from npm at build time (`make leaflet`), never committed."""
    return send_from_directory(LEAFLET_DIR, filename)


def register_directory_pages(app: Flask) -> None:
    """Mount the directory pages and their links in the top bar."""
    app.register_blueprint(blueprint)
    add_nav_link(
        app, "Annuaire", f"{blueprint.name}.search", COORDINATOR, ADMIN, order=40, group=TERRITORY
    )
    add_nav_link(
        app,
        "Structures",
        f"{blueprint.name}.organisations",
        COORDINATOR,
        ADMIN,
        order=42,
        group=TERRITORY,
    )
    add_nav_link(
        app,
        "Carte",
        f"{blueprint.name}.territory_map",
        COORDINATOR,
        ADMIN,
        order=43,
        group=TERRITORY,
    )
    add_nav_link(
        app,
        "Ma disponibilité",
        f"{blueprint.name}.my_availability",
        *DIRECTORY_ROLES,
        order=41,
        group=AGENDA,
    )
