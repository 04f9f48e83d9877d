"""Demo discharges and EPP referrals for `make run`: a few of each, in telling states.

Discharges: one ready (the city professionals have everything), one stuck in preparation for
want of its prescription, one just announced, one discharged today awaiting its follow-up call.
EPP referrals: one late (past 16 weeks, top of the list), one assigned to the demo midwife,
one accepted by her. Every case goes through the services, so history, audit and events are
the real ones. Identities come from the `patient` factory (Faker, seeded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from services.agenda.directory.models import Professional
from services.orientation.discharges import service as discharges
from services.orientation.discharges.schemas import DischargeCreateSchema
from services.orientation.epp import service as epp
from services.orientation.epp.schemas import ReferralSchema
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.cases.service import fire_transition
from shared.http.parsing import load
from shared.timeutil import today_paris

PatientFactory = Callable[..., dict[str, Any]]
SUMMARY = "Chute à domicile, fracture du poignet opérée, autonomie conservée (démonstration)."
PRESCRIPTION = "Paracétamol 1 g x3/j pendant 5 jours ; soins de plaie à J+2 (démonstration)."


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        email=user.email,
        roles=frozenset(user.roles),
        professional_id=user.professional_id,
    )


def _discharge(
    patient: PatientFactory,
    city: list[Professional],
    dac: Principal,
    *,
    planned_in: int,
    prescription: bool = True,
    steps: tuple[tuple[str, dict[str, Any]], ...] = (),
) -> None:
    today = today_paris()
    body = {
        "patient": patient(minimum_age=65, maximum_age=95),
        "hospital": {"name": "Centre hospitalier de démonstration", "service": "Gériatrie"},
        "admission_date": (today - dt.timedelta(days=6)).isoformat(),
        "planned_discharge_date": (today + dt.timedelta(days=planned_in)).isoformat(),
        "summary": SUMMARY,
        "prescription": PRESCRIPTION if prescription else None,
        "home_services": ["ssiad"],
        "city_professionals": [{"professional_id": str(p.id)} for p in city],
    }
    case = discharges.create_discharge(data=load(DischargeCreateSchema(), body), principal=dac)
    for name, step_body in steps:
        fire_transition(
            discharges.DISCHARGE,
            case_id=case.id,
            name=name,
            body=step_body,
            principal=dac,
            if_match=None,
        )


def _referral(patient: PatientFactory, submitter: Principal, weeks: int) -> Any:
    body = {
        "patient": patient(sex="F", minimum_age=20, maximum_age=40),
        "pregnancy": {"weeks": weeks},
        "notes": "Adressée pour l'entretien prénatal précoce (démonstration).",
    }
    return epp.submit_referral(data=load(ReferralSchema(), body), principal=submitter)


def seed_orientation_demo(
    *,
    patient: PatientFactory,
    professionals: dict[str, list[Professional]],
    users: dict[str, User],
) -> tuple[int, int]:
    """Create the demo discharges and EPP referrals; returns how many of each."""
    dac, coordinator = _principal(users["dac"]), _principal(users["coordinator"])
    midwife, submitter = _principal(users["midwife"]), _principal(users["professional"])
    city = [professionals["gp"][1], professionals["nurse"][0]]
    prepare: tuple[str, dict[str, Any]] = ("prepare", {})
    ready: tuple[tuple[str, dict[str, Any]], ...] = (prepare, ("mark_ready", {}))
    _discharge(patient, city, dac, planned_in=2, steps=ready)
    _discharge(patient, city, dac, planned_in=1, prescription=False, steps=(prepare,))
    _discharge(patient, city, dac, planned_in=5)
    _discharge(
        patient,
        city,
        dac,
        planned_in=0,
        steps=(*ready, ("discharge", {"actual_date": today_paris().isoformat()})),
    )
    _referral(patient, submitter, weeks=19)  # late: past 16 weeks
    assigned = _referral(patient, submitter, weeks=9)
    accepted = _referral(patient, submitter, weeks=12)
    midwife_id = str(professionals["midwife"][0].id)
    for referral in (assigned, accepted):
        fire_transition(
            epp.EPP,
            case_id=referral.id,
            name="assign",
            body={"professional_id": midwife_id},
            principal=coordinator,
            if_match=None,
        )
    fire_transition(
        epp.EPP,
        case_id=accepted.id,
        name="accept",
        body={"appointment_date": (today_paris() + dt.timedelta(days=10)).isoformat()},
        principal=midwife,
        if_match=None,
    )
    return 4, 3
