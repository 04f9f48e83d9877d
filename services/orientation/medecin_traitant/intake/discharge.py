"""Discharge → signalement: a patient leaving hospital without a médecin traitant goes on the
CPTS's list in one action, the médecin-traitant case prefilled from the discharge and the two
cases linked both ways."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.service import DISCHARGE
from services.orientation.medecin_traitant.intake.sources import HOSPITAL
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT, new_case, store_case
from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.cases.service import check_visible, lock_case, open_duplicate, record_step
from shared.db import unit_of_work
from shared.errors import Duplicate, InvalidTransition
from shared.extensions import db

VULNERABILITY = "sortie_hospitalisation"


def prefilled(discharge: DischargeCase, body: dict[str, Any]) -> dict[str, Any]:
    """The signalement the discharge stands for: its patient, the hospital stay as the reason,
    `sortie_hospitalisation` among the vulnerabilities, and what the caller adds."""
    stay = discharge.hospital_name + (
        f" ({discharge.hospital_service})" if discharge.hospital_service else ""
    )
    reason = body.get("reason") or (
        f"Sortie d'hospitalisation ({stay}) sans médecin traitant, dossier {discharge.reference}."
    )
    return {
        "patient": _patient(discharge),
        "situation": {
            "ald": body.get("ald", False),
            "ald_label": body.get("ald_label"),
            "vulnerabilities": [VULNERABILITY, *body.get("vulnerabilities", [])],
            "reduced_mobility": body.get("reduced_mobility", False),
            "needs_home_visits": body.get("needs_home_visits", False),
            "languages": body.get("languages") or ["fr"],
            "reason": reason,
        },
    }


def signal_from_discharge(
    *, discharge_id: uuid.UUID, body: dict[str, Any], principal: Principal, confirm_no_gp: bool
) -> MedecinTraitantCase:
    """Create the médecin-traitant case of a discharge whose patient has no GP (`source:
    hospital`), linked both ways; `confirm_no_gp` records that fact first (the page's form)."""
    try:
        with unit_of_work():
            discharge = check_visible(DISCHARGE, lock_case(DISCHARGE, discharge_id), principal)
            if confirm_no_gp:
                discharge.patient_has_gp = False
            _check_signalable(discharge)
            case = new_case(prefilled(discharge, body))
            case.source = HOSPITAL
            case.discharge_id, case.discharge_reference = discharge.id, discharge.reference
            store_case(case, principal)
            discharge.signalement_case_id, discharge.signalement_reference = (
                case.id,
                case.reference,
            )
            record_step(
                DISCHARGE,
                discharge,
                name="signalement",
                before=discharge.state,
                principal=principal,
                comment=f"Patient signalé sans médecin traitant : dossier {case.reference}.",
                data={"reference": case.reference},
            )
            record_audit(action="update", reference=discharge.reference)
    except IntegrityError as exc:
        db.session.rollback()
        raise _duplicate(discharge_id, principal) from exc
    return case


def _patient(discharge: DischargeCase) -> dict[str, Any]:
    return {**discharge.patient_dict(), "birth_date": discharge.patient_birth_date}


def _check_signalable(discharge: DischargeCase) -> None:
    if discharge.signalement_case_id is not None:
        linked = db.session.get(MedecinTraitantCase, discharge.signalement_case_id)
        raise InvalidTransition(
            "Ce patient a déjà été signalé depuis cette sortie"
            + (f" : dossier {linked.reference}." if linked else "."),
            details={"reference": linked.reference if linked else None},
        )
    if discharge.patient_has_gp is not False:
        raise InvalidTransition(
            "Indiquez d'abord que le patient n'a pas de médecin traitant "
            "(« patient_has_gp » : false)."
        )


def _duplicate(discharge_id: uuid.UUID, principal: Principal) -> Duplicate:
    """The patient already has an open case: named only to a caller who may see it."""
    discharge = db.session.get(DischargeCase, discharge_id)
    draft = MedecinTraitantCase()
    if discharge is not None:
        draft.set_patient(_patient(discharge))
    existing = open_duplicate(MEDECIN_TRAITANT, draft)
    if existing is not None and MEDECIN_TRAITANT.can_see(existing, principal):
        return Duplicate(
            f"Un dossier ouvert existe déjà pour ce patient : {existing.reference}.",
            details={"reference": existing.reference},
        )
    return Duplicate(
        "La CPTS suit déjà ce patient pour trouver un médecin traitant ; la coordination "
        "a été prévenue."
    )
