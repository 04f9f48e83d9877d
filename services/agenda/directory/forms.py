"""The directory's page forms: their fields, an entry's values, and the API body they make."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from services.agenda.directory.models import ORGANISATION_KINDS
from shared.web.forms import Field, form_body

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
KIND_LABELS = {
    "dac": "DAC (dispositif d'appui à la coordination)",
    "ssiad": "SSIAD",
    "had": "HAD (hospitalisation à domicile)",
    "pmi": "PMI",
    "ccas": "CCAS",
    "cmp": "CMP",
    "ehpad": "EHPAD",
    "hospital": "Hôpital",
    "clinic": "Clinique",
    "laboratory": "Laboratoire",
    "pharmacy": "Pharmacie",
    "cpam": "CPAM",
    "mda": "Maison des adolescents",
    "france_services": "France Services",
    "association": "Association",
    "other": "Autre structure",
}
assert set(KIND_LABELS) == set(ORGANISATION_KINDS)  # noqa: S101 - checked at import  # nosec B101
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
PHONE = Field("phone", "Téléphone professionnel", "tel", autocomplete="tel")
MSSANTE = Field(
    "mssante_email", "Adresse MSSanté", "email", hint="ex. prenom.nom@medecin.mssante.fr"
)
ADDRESS = Field("address", "Adresse", autocomplete="street-address")
POSTAL_CODE = Field("postal_code", "Code postal", required=True, autocomplete="postal-code")
CITY = Field("city", "Commune", required=True)
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
    PHONE,
    MSSANTE,
)
IDENTITY_FIELDS = (
    Field("rpps", "Numéro RPPS", required=True, hint="11 chiffres."),
    Field(
        "profession",
        "Profession",
        "select",
        required=True,
        choices=(("", "Choisir…"), *PROFESSION_LABELS.items()),
    ),
)
PROFESSIONAL_FIELDS = (
    Field("last_name", "Nom", required=True, autocomplete="family-name"),
    Field("first_name", "Prénom", required=True, autocomplete="given-name"),
    ADDRESS,
    POSTAL_CODE,
    CITY,
    PHONE,
    MSSANTE,
    Field("accepts_new_patients", "Accepte de nouveaux patients", "checkbox"),
    Field(
        "new_patient_capacity",
        "Places pour de nouveaux patients ce mois-ci",
        hint="Entre 0 et 500.",
    ),
    Field("languages", "Langues parlées", "checkboxes", choices=LANGUAGE_CHOICES),
    Field("home_visits", "Visites à domicile", "checkbox"),
    Field("teleconsultation", "Téléconsultation", "checkbox"),
    Field(
        "qualifications",
        "Qualifications",
        "checkboxes",
        choices=tuple(QUALIFICATION_LABELS.items()),
    ),
    Field("cpts_member", "Membre de la CPTS", "checkbox"),
)
ORGANISATION_FIELDS = (
    Field("name", "Nom de la structure", required=True),
    Field(
        "kind",
        "Type de structure",
        "select",
        required=True,
        choices=(("", "Choisir…"), *KIND_LABELS.items()),
    ),
    Field("finess", "Numéro FINESS", hint="9 caractères, facultatif."),
    Field("siret", "SIRET", hint="14 chiffres, facultatif."),
    ADDRESS,
    POSTAL_CODE,
    CITY,
    Field("phone", "Téléphone", "tel", autocomplete="tel"),
    Field("email", "Adresse e-mail", "email"),
    MSSANTE,
    Field("website", "Site web", hint="https://…"),
    Field(
        "communes_served",
        "Communes desservies",
        hint="Codes INSEE séparés par des virgules, ex. 69266, 69029.",
    ),
    Field("description", "Description", "textarea"),
)
# Inputs that an edit may empty: sent as null (or an empty list) rather than left out.
NULLABLE = {
    "address",
    "phone",
    "mssante_email",
    "email",
    "website",
    "finess",
    "siret",
    "description",
}
LISTS = {"languages", "qualifications"}


def entry_values(entry: Any, fields: tuple[Field, ...]) -> MultiDict:
    """The form values showing `entry` (a professional or an organisation)."""
    values: MultiDict = MultiDict()
    for field in fields:
        value = getattr(entry, field.name, None)
        if field.kind == "checkbox":
            if value:
                values[field.name] = "on"
        elif field.kind == "checkboxes":
            for item in value or []:
                values.add(field.name, item)
        elif field.name == "communes_served":
            values[field.name] = ", ".join(value or [])
        elif value is not None:
            values[field.name] = str(value)
    return values


def entry_body(form: MultiDict, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The API body of a submitted form: emptied inputs become null, lists may be empty."""
    body = form_body(form, fields)
    names = {field.name for field in fields}
    for name in NULLABLE & names:
        body.setdefault(name, None)
    for name in LISTS & names:
        body.setdefault(name, [])
    if "communes_served" in names:
        raw = body.get("communes_served") or ""
        body["communes_served"] = [part.strip() for part in raw.split(",") if part.strip()]
    return body
