"""The médecin-traitant forms, field by field, named after the API schemas' paths."""

from __future__ import annotations

from services.orientation.medecin_traitant.priority import VULNERABILITY_LABELS
from services.orientation.medecin_traitant.schemas import CANCEL_REASONS
from shared.web.forms import Field
from shared.web.patient import OPTIONAL, PATIENT_FIELDS

VULNERABILITY_CHOICES = (
    ("c2s", "Bénéficiaire de la Complémentaire santé solidaire (C2S)"),
    *VULNERABILITY_LABELS.items(),
)
LANGUAGE_CHOICES = (
    ("fr", "Français"),
    ("en", "Anglais"),
    ("ar", "Arabe"),
    ("es", "Espagnol"),
    ("pt", "Portugais"),
    ("tr", "Turc"),
    ("ro", "Roumain"),
    ("ru", "Russe"),
    ("uk", "Ukrainien"),
    ("zh", "Chinois"),
)
CANCEL_LABELS = {
    "duplicate": "Doublon d'un autre dossier",
    "found_gp": "Le patient a trouvé un médecin traitant",
    "consent_withdrawn": "Le patient retire son consentement",
    "moved_out": "Le patient a quitté le territoire",
    "unreachable": "Patient injoignable",
    "deceased": "Patient décédé",
    "other": "Autre motif",
}
assert set(CANCEL_LABELS) == set(CANCEL_REASONS)

SIGNALEMENT_FIELDS = (
    *PATIENT_FIELDS,
    Field("situation.ald", "Le patient est en affection de longue durée (ALD)", "checkbox"),
    Field("situation.ald_label", "Affection de longue durée concernée", hint=OPTIONAL),
    Field(
        "situation.vulnerabilities",
        "Fragilités",
        "checkboxes",
        choices=VULNERABILITY_CHOICES,
        hint="Cochez tout ce qui s'applique.",
    ),
    Field("situation.reduced_mobility", "Le patient a une mobilité réduite", "checkbox"),
    Field("situation.needs_home_visits", "Le patient a besoin de visites à domicile", "checkbox"),
    Field("situation.languages", "Langues parlées", "checkboxes", choices=LANGUAGE_CHOICES),
    Field(
        "situation.reason",
        "Motif",
        "textarea",
        required=True,
        hint="Pourquoi le patient n'a pas de médecin traitant et ce dont il a besoin.",
    ),
    Field(
        "consent.patient_informed",
        "Le patient a été informé que la CPTS va l'aider à trouver un médecin traitant",
        "checkbox",
    ),
    Field(
        "consent.data_sharing",
        "Le patient accepte que ses données soient partagées avec la CPTS et avec le médecin "
        "à qui il sera proposé",
        "checkbox",
    ),
)

PRIORITY_CHOICES = (
    ("", "Garder la priorité calculée"),
    ("1", "1 — urgente"),
    ("2", "2 — à traiter rapidement"),
    ("3", "3 — sans urgence particulière"),
)

# What each transition asks for; transitions without a body have no field.
TRANSITION_FIELDS: dict[str, tuple[Field, ...]] = {
    "triage": (
        Field(
            "synthesis",
            "Synthèse de la situation",
            "textarea",
            required=True,
            hint="Ce que le médecin doit savoir : besoins, contraintes, urgence.",
        ),
        Field("priority", "Priorité", "select", choices=PRIORITY_CHOICES),
    ),
    "propose": (
        Field(
            "professional_ids",
            "Médecins à qui proposer le patient",
            "checkboxes",
            required=True,
            hint="Un à cinq médecins : le premier qui accepte devient le médecin traitant, "
            "la proposition est alors retirée aux autres.",
        ),
        Field("comment", "Message au médecin", "textarea", hint=OPTIONAL),
    ),
    "accept": (
        Field("appointment_date", "Date du premier rendez-vous", "date", hint=OPTIONAL),
        Field("comment", "Commentaire", "textarea", hint=OPTIONAL),
    ),
    "decline": (
        Field(
            "reason",
            "Motif du refus",
            "textarea",
            required=True,
            hint="Par exemple : patientèle complète, trop éloigné du domicile.",
        ),
    ),
    "confirm": (
        Field("first_visit_date", "Date de la première consultation", "date", hint=OPTIONAL),
        Field(
            "declared_on",
            "Date de la déclaration de médecin traitant",
            "date",
            hint="Facultatif. L'orientation compte quand la déclaration est faite.",
        ),
    ),
    "hold": (Field("reason", "Motif de la mise en attente", "textarea", required=True),),
    "resume": (),
    "cancel": (
        Field(
            "reason",
            "Motif de l'annulation",
            "select",
            required=True,
            choices=(("", "— Choisir —"), *CANCEL_LABELS.items()),
        ),
        Field("comment", "Précisions", "textarea", hint=OPTIONAL),
    ),
}
