"""Every table of the orientation service (imported for migrations)."""

from services.orientation.medecin_traitant.models import MedecinTraitantCase, MedecinTraitantHistory

__all__ = ["MedecinTraitantCase", "MedecinTraitantHistory"]
