"""Every table of the orientation service (imported for migrations)."""

from services.orientation.discharges.models import (
    DischargeCase,
    DischargeHistory,
    DischargeProfessional,
)
from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.indicators.models import TerritoryBaseline
from services.orientation.medecin_traitant.intake.models import PublicSubmissionCounter
from services.orientation.medecin_traitant.models import (
    MedecinTraitantCase,
    MedecinTraitantHistory,
    MedecinTraitantProposal,
)

__all__ = [
    "DischargeCase",
    "DischargeHistory",
    "DischargeProfessional",
    "EppHistory",
    "EppReferral",
    "MedecinTraitantCase",
    "MedecinTraitantHistory",
    "MedecinTraitantProposal",
    "PublicSubmissionCounter",
    "TerritoryBaseline",
]
