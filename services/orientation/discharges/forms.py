"""The discharge forms, field by field, named after the API schemas' paths."""

from __future__ import annotations

from shared.web.forms import Field
from shared.web.patient import OPTIONAL, PATIENT_FIELDS

HOME_SERVICE_LABELS = {
    "ssiad": "SSIAD (soins infirmiers à domicile)",
    "had": "HAD (hospitalisation à domicile)",
    "prado": "PRADO (retour à domicile de l'Assurance maladie)",
    "portage_repas": "Portage de repas",
    "aide_a_domicile": "Aide à domicile",
}

DETAIL_FIELDS = (
    Field("hospital.name", "Établissement", required=True),
    Field("hospital.service", "Service", hint=OPTIONAL),
    Field("admission_date", "Date d'admission", "date", hint=OPTIONAL),
    Field(
        "planned_discharge_date",
        "Date de sortie prévue",
        "date",
        hint="Nécessaire pour déclarer la sortie prête.",
    ),
    Field(
        "summary",
        "Compte rendu court",
        "textarea",
        hint="Nécessaire pour déclarer la sortie prête.",
    ),
    Field(
        "prescription",
        "Ordonnance détaillée",
        "textarea",
        hint="Nécessaire pour déclarer la sortie prête.",
    ),
    Field(
        "home_services",
        "Services à domicile",
        "checkboxes",
        choices=tuple(HOME_SERVICE_LABELS.items()),
    ),
    Field(
        "city_professionals",
        "Professionnels de ville",
        "checkboxes",
        hint="Au moins un, nécessaire pour déclarer la sortie prête. Ils pourront lire le dossier.",
    ),
    Field("notes", "Notes", "textarea", hint=OPTIONAL),
)
CREATE_FIELDS = (*PATIENT_FIELDS, *DETAIL_FIELDS)
# Edits leave the patient's identity alone: the DAC corrects dates, documents and people.
EDIT_FIELDS = DETAIL_FIELDS
# Optional fields an edit may empty (sent as null rather than left out).
CLEARABLE = (
    "hospital.service",
    "admission_date",
    "planned_discharge_date",
    "summary",
    "prescription",
    "notes",
)

TRANSITION_FIELDS: dict[str, tuple[Field, ...]] = {
    "prepare": (),
    "mark_ready": (),
    "discharge": (
        Field("actual_date", "Date de sortie effective", "date", required=True),
        Field("comment", "Commentaire", "textarea", hint=OPTIONAL),
    ),
    "follow_up": (
        Field("outcome", "Compte rendu de l'appel", "textarea", required=True),
        Field("call_date", "Date de l'appel", "date", hint="Facultatif. Aujourd'hui par défaut."),
        Field("issues_found", "Des difficultés ont été repérées", "checkbox"),
        Field("readmitted", "Le patient a été réhospitalisé", "checkbox"),
    ),
    "cancel": (Field("reason", "Motif de l'annulation", "textarea", hint=OPTIONAL),),
}
