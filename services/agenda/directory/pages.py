"""Directory pages: the search (`/annuaire`, coordination) and "Ma disponibilité" (GPs,
midwives, nurses keep their own availability)."""

from __future__ import annotations

from flask import Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from services.agenda.directory import service
from services.agenda.directory.schemas import AvailabilityUpdateSchema, ProfessionalQuerySchema
from services.agenda.directory.views import export_response, professionals_query
from shared.auth.roles import ADMIN, COORDINATOR, DIRECTORY_ROLES
from shared.errors import Forbidden, ValidationFailed
from shared.http.pagination import paginate
from shared.http.parsing import load
from shared.web.case_pages import page_principal
from shared.web.forms import Field, FormState, form_body
from shared.web.pages import page, page_blueprint
from shared.web.registry import add_nav_link

blueprint = page_blueprint(
    "directory_pages", __name__, url_prefix="/annuaire", templates="templates"
)
PAGE_SIZE = 25
PROFESSION_LABELS = {
    "gp": "Médecin généraliste",
    "nurse": "Infirmier·e",
    "midwife": "Sage-femme",
    "pharmacist": "Pharmacien·ne",
    "physiotherapist": "Masseur-kinésithérapeute",
    "speech_therapist": "Orthophoniste",
    "dentist": "Chirurgien-dentiste",
    "specialist": "Médecin spécialiste",
    "other": "Autre",
}
QUALIFICATION_LABELS = {
    "ipa": "IPA (pratique avancée)",
    "msu": "Maître de stage universitaire",
    "etp": "Éducation thérapeutique",
    "protocoles": "Protocoles de coopération",
}
LANGUAGE_CHOICES = (
    ("fr", "Français"),
    ("en", "Anglais"),
    ("es", "Espagnol"),
    ("ar", "Arabe"),
    ("pt", "Portugais"),
    ("de", "Allemand"),
    ("it", "Italien"),
    ("tr", "Turc"),
)
AVAILABILITY_FIELDS = (
    Field("accepts_new_patients", "J'accepte de nouveaux patients", "checkbox"),
    Field(
        "new_patient_capacity",
        "Places pour de nouveaux patients ce mois-ci",
        hint="Entre 0 et 500. La coordination ne vous propose pas plus de patients.",
        required=True,
    ),
    Field("languages", "Langues parlées", "checkboxes", choices=LANGUAGE_CHOICES),
    Field("home_visits", "Je fais des visites à domicile", "checkbox"),
    Field("teleconsultation", "Je pratique la téléconsultation", "checkbox"),
    Field("phone", "Téléphone professionnel", "tel", autocomplete="tel"),
    Field("mssante_email", "Adresse MSSanté", "email", hint="ex. prenom.nom@medecin.mssante.fr"),
)
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


def _availability_values(professional) -> MultiDict:
    values = MultiDict(
        {
            "new_patient_capacity": str(professional.new_patient_capacity),
            "phone": professional.phone or "",
            "mssante_email": professional.mssante_email or "",
        }
    )
    for name in ("accepts_new_patients", "home_visits", "teleconsultation"):
        if getattr(professional, name):
            values[name] = "on"
    for language in professional.languages or []:
        values.add("languages", language)
    return values


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
    form = FormState.blank(AVAILABILITY_FIELDS, _availability_values(professional))
    return render_template("directory/availability.html", form=form, professional=professional)


@blueprint.post("/ma-disponibilite")
@page(*DIRECTORY_ROLES)
def save_availability() -> ResponseReturnValue:
    """Save my availability (the API's schema and service; the places count at once)."""
    principal, professional = _own_entry()
    body = form_body(request.form, AVAILABILITY_FIELDS)
    body.setdefault("languages", [])
    for optional in ("phone", "mssante_email"):
        body.setdefault(optional, None)
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


@blueprint.get("/")
@page(COORDINATOR, ADMIN)
def search() -> ResponseReturnValue:
    """The directory: search by name, profession, qualification, commune, availability."""
    raw = MultiDict({k: v for k, v in request.args.items() if v.strip()})
    try:
        args = load(ProfessionalQuerySchema(), raw.to_dict())
    except ValidationFailed as error:
        form = FormState.failed(SEARCH_FIELDS, raw, error.fields)
        return render_template("directory/search.html", form=form, found=None), 422
    query = service.search_query(
        profession=args["profession"],
        city=args["city"],
        q=args["q"],
        qualification=args["qualification"],
        accepting_new_patients=args["accepting_new_patients"] or None,
        include_inactive=args["include_inactive"],
        sort=args["sort"],
    )
    found = paginate(query, page=args["page"], per_page=PAGE_SIZE, dump=list)
    return render_template(
        "directory/search.html",
        form=FormState.blank(SEARCH_FIELDS, raw),
        found=found,
        sort=args["sort"],
        args=raw,
        pages=max(1, -(-found["total"] // PAGE_SIZE)),
        professions=PROFESSION_LABELS,
        sort_labels=SORT_LABELS,
    )


@blueprint.get("/export.<any(csv, xlsx):file_format>")
@page(COORDINATOR, ADMIN)
def export(file_format: str) -> ResponseReturnValue:
    """The directory as filtered on the page, as CSV or XLSX."""
    args = load(ProfessionalQuerySchema(), {k: v for k, v in request.args.items() if v.strip()})
    return export_response(professionals_query(args), file_format)


def register_directory_pages(app: Flask) -> None:
    """Mount the directory pages and their links in the top bar."""
    app.register_blueprint(blueprint)
    add_nav_link(app, "Annuaire", f"{blueprint.name}.search", COORDINATOR, ADMIN, order=40)
    add_nav_link(
        app, "Ma disponibilité", f"{blueprint.name}.my_availability", *DIRECTORY_ROLES, order=41
    )
