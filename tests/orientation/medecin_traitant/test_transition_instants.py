"""A case's timestamps and its history agree to the microsecond: one clock reading per step.

The indicators count open cases of a past instant by age from the case's columns and by state
from its history; were `created_at` or `oriented_at` a few microseconds off their history row,
a period ending in between would count the case in one breakdown and not the other.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from services.orientation.indicators.queries import _open_cases
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from services.orientation.medecin_traitant.models import MedecinTraitantHistory as History
from shared.extensions import db

ONE_MICROSECOND = dt.timedelta(microseconds=1)


def _stamps(app, case_id: str) -> tuple[Case, dict[str, dt.datetime]]:
    with app.app_context():
        case = db.session.get(Case, uuid.UUID(case_id))
        rows = db.session.scalars(select(History).where(History.case_id == case.id))
        return case, {row.transition: row.at for row in rows}


def test_case_columns_carry_the_instants_of_their_history_rows(app, world):
    oriented = world.case_in("oriented")
    cancelled = world.case_in("cancelled")
    case, at = _stamps(app, oriented["id"])
    assert case.created_at == at["submit"]
    assert case.proposed_at == at["propose"]
    assert case.accepted_at == at["accept"]
    assert case.oriented_at == at["confirm"]
    case, at = _stamps(app, cancelled["id"])
    assert case.cancelled_at == at["cancel"]


def test_open_cases_by_state_and_by_age_agree_at_every_step_of_a_real_case(app, world):
    oriented = world.case_in("oriented")
    _case, at = _stamps(app, oriented["id"])
    with app.app_context():
        for instant in at.values():
            for moment in (instant - ONE_MICROSECOND, instant, instant + ONE_MICROSECOND):
                by_state, by_age = _open_cases(moment, current=False)
                assert sum(by_state.values()) == sum(by_age.values()), moment
