"""The patient block of a form (the API's `PatientSchema`), shared by every service's pages."""

from __future__ import annotations

from shared.web.forms import Field

OPTIONAL = "Facultatif."
SEX_CHOICES = (("", "— Choisir —"), ("F", "Femme"), ("M", "Homme"), ("X", "Autre ou non précisé"))

PATIENT_FIELDS = (
    Field("patient.last_name", "Nom", required=True, autocomplete="off"),
    Field("patient.first_name", "Prénom", required=True, autocomplete="off"),
    Field("patient.birth_date", "Date de naissance", "date", required=True),
    Field("patient.sex", "Sexe", "select", required=True, choices=SEX_CHOICES),
    Field(
        "patient.nir",
        "Numéro de sécurité sociale (NIR)",
        hint="Facultatif. 15 caractères, clé comprise.",
        autocomplete="off",
    ),
    Field(
        "patient.phone",
        "Téléphone",
        "tel",
        required=True,
        hint="Numéro français, par exemple 06 12 34 56 78.",
        autocomplete="off",
    ),
    Field("patient.email", "Adresse e-mail du patient", "email", hint=OPTIONAL),
    Field("patient.address.line", "Adresse", required=True, hint="Numéro et nom de la voie."),
    Field("patient.address.postal_code", "Code postal", required=True, hint="5 chiffres."),
    Field("patient.address.city", "Commune", required=True),
)
WIDE = ("patient.email", "patient.address.line")


def patient_body_skeleton(body: dict) -> dict:
    """Make sure an empty patient block is still sent, so each missing field is named."""
    body.setdefault("patient", {}).setdefault("address", {})
    return body
