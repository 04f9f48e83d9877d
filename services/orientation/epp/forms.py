"""The EPP forms, field by field, named after the API schemas' paths."""

from __future__ import annotations

from shared.web.forms import Field
from shared.web.patient import OPTIONAL, PATIENT_FIELDS

SEX_F = (("F", "Femme"),)
REFERRAL_FIELDS = (
    *(f.with_choices(SEX_F) if f.name == "patient.sex" else f for f in PATIENT_FIELDS),
    Field(
        "pregnancy.weeks",
        "Semaines de grossesse",
        hint="Indiquez soit le nombre de semaines, soit la date de début de grossesse.",
    ),
    Field("pregnancy.start_date", "Date de début de grossesse", "date", hint=OPTIONAL),
    Field("notes", "Informations utiles pour la sage-femme", "textarea", hint=OPTIONAL),
)

TRANSITION_FIELDS: dict[str, tuple[Field, ...]] = {
    "assign": (
        Field("professional_id", "Sage-femme à qui attribuer la demande", "radio", required=True),
        Field("comment", "Message à la sage-femme", "textarea", hint=OPTIONAL),
    ),
    "accept": (
        Field("appointment_date", "Date du rendez-vous d'EPP", "date", hint=OPTIONAL),
        Field("comment", "Commentaire", "textarea", hint=OPTIONAL),
    ),
    "decline": (
        Field(
            "reason",
            "Motif du refus",
            "textarea",
            required=True,
            hint="Par exemple : plus de disponibilité ce mois-ci, trop éloignée du domicile.",
        ),
    ),
    "complete": (
        Field("epp_date", "Date de l'EPP réalisé", "date", required=True),
        Field("comment", "Commentaire", "textarea", hint=OPTIONAL),
    ),
    "cancel": (Field("reason", "Motif de l'annulation", "textarea", hint=OPTIONAL),),
}
