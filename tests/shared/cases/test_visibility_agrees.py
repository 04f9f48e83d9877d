"""Each case type says twice who may see a case: `visibility()` in SQL for lists, `can_see()` in
Python for one case. For any caller (every role, with or without a directory entry, a party to
the case or not, its creator or not) and any case (every state, any parties), both agree, on
the real database.

The cases are rows written directly, state included, rather than made through the API as the
factories do: the rule must hold for every combination of state and parties, reachable or not,
and fifty examples per case type must run in seconds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.agenda.teleconsultation.service import TELECONSULTATION
from services.orientation.discharges.models import DischargeProfessional
from services.orientation.discharges.service import DISCHARGE
from services.orientation.epp.service import EPP
from services.orientation.medecin_traitant.models import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    PENDING,
    WITHDRAWN,
    MedecinTraitantProposal,
)
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.auth.principal import SYSTEM, Principal
from shared.auth.roles import ALL_ROLES
from shared.cases.case_type import CaseType
from shared.extensions import db
from shared.http.parsing import load
from shared.privacy.registry import case_types
from shared.schemas import PatientSchema
from shared.timeutil import utcnow
from tests.support import payloads

CREATOR, SOMEONE_ELSE = uuid.UUID(int=1), uuid.UUID(int=2)
# Directory entries: a caller's own, and others the case may name.
P1, P2, P3 = uuid.UUID(int=11), uuid.UUID(int=12), uuid.UUID(int=13)

principals = st.builds(
    Principal,
    user_id=st.sampled_from([CREATOR, SOMEONE_ELSE]),
    email=st.just("lecteur@relais.test"),
    roles=st.frozensets(st.sampled_from((*ALL_ROLES, *SYSTEM.roles)), max_size=3),
    professional_id=st.sampled_from([None, P1, P2]),
) | st.just(SYSTEM)
maybe_party = st.sampled_from([None, P1, P2])
PROPOSAL_STATUSES = (PENDING, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN)


# The parties of a case of each type (who the record rules look at), beside its creator.
PARTIES = {
    MEDECIN_TRAITANT.kind: st.fixed_dictionaries(
        {
            # The GPs asked (several at once, or none), each proposal in any status.
            "proposals": st.lists(
                st.tuples(st.sampled_from([P1, P2, P3]), st.sampled_from(PROPOSAL_STATUSES)),
                unique_by=lambda asked: asked[0],
                max_size=3,
            ),
            "accepted_professional_id": maybe_party,
        }
    ),
    DISCHARGE.kind: st.fixed_dictionaries(
        {"professionals": st.lists(st.sampled_from([P1, P2, P3]), unique=True, max_size=2)}
    ),
    EPP.kind: st.fixed_dictionaries({"assigned_professional_id": maybe_party}),
    TELECONSULTATION.kind: st.fixed_dictionaries(
        {"nurse_professional_id": st.sampled_from([P1, P2, P3]), "professional_id": maybe_party}
    ),
}


def _columns(kind: str, parties: dict[str, Any]) -> dict[str, Any]:
    """The parties as columns, and the columns a row of this type cannot be stored without
    (none of which decides who sees it)."""
    now = utcnow()
    required = {
        MEDECIN_TRAITANT.kind: {"reason": "Essai", "consent_at": now, "priority": 2},
        DISCHARGE.kind: {"hospital_name": "Centre hospitalier d'essai"},
        EPP.kind: {"pregnancy_start_date": dt.date(2026, 1, 5), "weeks_at_referral": 10},
        TELECONSULTATION.kind: {
            "reason": "Essai",
            "window_from": now,
            "window_to": now + dt.timedelta(days=2),
        },
    }[kind]
    if kind == MEDECIN_TRAITANT.kind:
        parties = {
            **parties,
            "proposals": [
                MedecinTraitantProposal(professional_id=pid, proposed_at=now, status=status)
                for pid, status in parties["proposals"]
            ],
        }
    if kind == DISCHARGE.kind:
        parties = {
            "professionals": [
                DischargeProfessional(professional_id=pid, role="infirmier·e", position=i)
                for i, pid in enumerate(parties["professionals"])
            ]
        }
    return {**required, **parties}


def cases_of(case_type: CaseType[Any]) -> st.SearchStrategy[list[tuple[str, uuid.UUID, dict]]]:
    """Cases of `case_type` to store: any state, any parties, created by either user."""
    one = st.tuples(
        st.sampled_from(case_type.machine.states),
        st.sampled_from([CREATOR, SOMEONE_ELSE]),
        PARTIES[case_type.kind],
    )
    return st.lists(one, min_size=1, max_size=4)


def _store(case_type: CaseType[Any], state: str, created_by: uuid.UUID, parties: dict) -> Any:
    case = case_type.model(
        reference=f"T-{uuid.uuid4().hex[:16]}",
        state=state,
        created_by=created_by,
        **_columns(case_type.kind, parties),
    )
    case.set_patient(load(PatientSchema(), payloads.patient()))
    db.session.add(case)
    return case


CASE_TYPES = [MEDECIN_TRAITANT, DISCHARGE, EPP, TELECONSULTATION]


def test_every_case_type_is_checked_here(app):
    registered = {t.kind for t in case_types() if isinstance(t, CaseType)}
    assert registered == {t.kind for t in CASE_TYPES} == set(PARTIES)


@pytest.mark.parametrize("case_type", CASE_TYPES, ids=lambda t: t.kind)
def test_sql_visibility_and_python_can_see_agree(app, case_type):
    model = case_type.model

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(principal=principals, specs=cases_of(case_type))
    def agree(principal: Principal, specs: list[tuple[str, uuid.UUID, dict]]) -> None:
        with app.app_context():
            cases = [_store(case_type, *spec) for spec in specs]
            db.session.commit()
            ids = [case.id for case in cases]
            by_sql = set(
                db.session.scalars(
                    select(model.id).where(model.id.in_(ids), case_type.visibility(principal))
                )
            )
            by_python = {case.id for case in cases if case_type.can_see(case, principal)}
            db.session.remove()
        assert by_sql == by_python

    agree()
