"""Where a médecin-traitant case came from (`source`), set by the server, never by the caller."""

from __future__ import annotations

from shared.auth.principal import Principal
from shared.auth.roles import CLINICAL_ROLES, DAC, PARTNER

PROFESSIONAL = "professional"
PARTNER_SOURCE = "partner"
HOSPITAL = "hospital"
PATIENT = "patient"
CARER = "carer"
IMPORT = "import"
SOURCES = (PROFESSIONAL, PARTNER_SOURCE, HOSPITAL, PATIENT, CARER, IMPORT)
# Cases reported by the patient or a carer: nobody has checked them yet.
SELF_REPORTED = (PATIENT, CARER)
# Cases recorded before sources existed were all submitted by member professionals.
DEFAULT_SOURCE = PROFESSIONAL

LABELS = {
    PROFESSIONAL: "Professionnel de santé",
    PARTNER_SOURCE: "Partenaire",
    HOSPITAL: "Hôpital / DAC",
    PATIENT: "Patient (inscription en ligne)",
    CARER: "Proche aidant (inscription en ligne)",
    IMPORT: "Liste d'attente importée",
}


def source_of(principal: Principal) -> str:
    """The source of a signalement submitted by `principal`: a member professional first."""
    if principal.has(*CLINICAL_ROLES):
        return PROFESSIONAL
    if principal.has(PARTNER):
        return PARTNER_SOURCE
    if principal.has(DAC):
        return HOSPITAL
    return PROFESSIONAL


def needs_review(*, source: str, state: str) -> bool:
    """Whether the board shows "à vérifier": a self-reported case nobody has triaged yet."""
    return source in SELF_REPORTED and state in ("submitted", "on_hold")
