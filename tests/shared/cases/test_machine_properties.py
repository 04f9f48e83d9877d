"""Random sequences of transitions fired by random callers, on every declared case machine:
never an undeclared state, never a transition past its guard."""

from __future__ import annotations

import importlib
import pkgutil
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import services
from services.orientation.medecin_traitant.machine import MACHINE as MT_MACHINE
from shared.auth.principal import SYSTEM, Principal
from shared.auth.roles import ALL_ROLES
from shared.cases.machine import CaseMachine
from shared.errors import Forbidden, InvalidTransition

SUBMITTER, OTHER_USER = uuid.UUID(int=1), uuid.UUID(int=2)
GP_A, GP_B = uuid.UUID(int=11), uuid.UUID(int=12)


def _machines() -> list[CaseMachine]:
    """Every `CaseMachine` declared in a `machine` module of any service."""
    found = {}
    for module_info in pkgutil.walk_packages(services.__path__, "services."):
        if module_info.name.rsplit(".", 1)[-1] == "machine":
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if isinstance(value, CaseMachine):
                    found[value.kind] = value
    return [found[kind] for kind in sorted(found)]


class FakeCase:
    """A case row: state, creator, and whatever attribute a guard looks at (drawn at random)."""

    def __init__(self, state: str, attributes: dict[str, object]):
        self.state = state
        self.created_by = SUBMITTER
        self._attributes = attributes

    def __getattr__(self, name: str) -> object:
        if name == "proposed_professional_ids":  # the GPs asked: here the one drawn, if any
            proposed = self._attributes.get("proposed_professional_id")
            return [proposed] if proposed else []
        return self._attributes.get(name)


principals = st.builds(
    Principal,
    user_id=st.sampled_from([SUBMITTER, OTHER_USER]),
    email=st.just("someone@relais.test"),
    roles=st.frozensets(st.sampled_from(ALL_ROLES), max_size=2),
    professional_id=st.sampled_from([None, GP_A, GP_B]),
) | st.just(SYSTEM)
attribute_values = st.sampled_from([None, GP_A, GP_B, "submitted", "triaged"])


def _step(machine: CaseMachine, case: FakeCase, name: str, principal: Principal) -> None:
    before = case.state
    may = machine.may(case, principal, name)
    listed = name in machine.allowed_transitions(case, principal)
    try:
        rule = machine.check(case, principal, name)
    except (InvalidTransition, Forbidden):
        assert not may and not listed
        assert case.state == before
        return
    assert may and listed
    assert before in rule.source
    assert machine.apply(case, name) == (before, rule.dest)
    assert case.state in machine.states


@pytest.mark.parametrize("machine", _machines(), ids=lambda m: m.kind)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_transitions_stay_inside_the_declared_machine(machine, data):
    case = FakeCase(machine.initial, {})
    for _ in range(data.draw(st.integers(1, 15))):
        case._attributes = data.draw(
            st.dictionaries(st.sampled_from(_attrs(machine)), attribute_values)
        )
        name = data.draw(st.sampled_from([*machine.names(), "not_a_transition"]))
        _step(machine, case, name, data.draw(principals))
        if case.state in machine.final:
            assert machine.allowed_transitions(case, data.draw(principals)) == []


def _attrs(machine: CaseMachine) -> list[str]:
    # Attribute names guards commonly read; unknown ones read as None.
    return ["proposed_professional_id", "accepted_professional_id", "held_from", "professional_id"]


# The contract's table for médecin-traitant cases, written independently of the machine.
def _mt_contract_allows(case: FakeCase, p: Principal, name: str) -> bool:
    coordinator = "coordinator" in p.roles
    state = case.state
    gp = "gp" in p.roles and p.professional_id is not None
    proposed_gp = gp and p.professional_id == case.proposed_professional_id
    accepted_gp = gp and p.professional_id == case.accepted_professional_id
    open_states = ("submitted", "triaged", "proposed", "accepted", "on_hold")
    return {
        "triage": state == "submitted" and coordinator,
        "propose": state == "triaged" and coordinator,
        "accept": state == "proposed" and (coordinator or proposed_gp),
        "decline": state == "proposed" and (coordinator or proposed_gp),
        "expire": state == "proposed" and "system" in p.roles,
        "confirm": state == "accepted" and (coordinator or accepted_gp),
        "hold": state in ("submitted", "triaged") and coordinator,
        "resume": state == "on_hold" and coordinator and case.held_from in ("submitted", "triaged"),
        "cancel": state in open_states
        and (coordinator or (p.user_id == SUBMITTER and state == "submitted")),
    }.get(name, False)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_medecin_traitant_guards_match_the_contract_table(data):
    case = FakeCase(MT_MACHINE.initial, {})
    for _ in range(data.draw(st.integers(1, 15))):
        case._attributes = data.draw(
            st.dictionaries(st.sampled_from(_attrs(MT_MACHINE)), attribute_values)
        )
        name = data.draw(st.sampled_from(MT_MACHINE.names()))
        principal = data.draw(principals)
        assert MT_MACHINE.may(case, principal, name) == _mt_contract_allows(case, principal, name)
        _step(MT_MACHINE, case, name, principal)
