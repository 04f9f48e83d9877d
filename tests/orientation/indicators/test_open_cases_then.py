"""Open cases at the end of a past period, by state and by age, on random case histories.

The indicators rebuild the states of a past instant from today's states and the transitions
since then; the reference here is the definition itself: for each case created before the
instant, the state its last transition before the instant led to.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from services.orientation.indicators.queries import AGE_BUCKETS, _open_cases
from services.orientation.medecin_traitant.machine import OPEN_STATES
from tests.support.factories import utc

# (transition, from, to) steps a case can take from each state, as the workflow allows.
NEXT = {
    "submitted": [("triage", "triaged"), ("cancel", "cancelled")],
    "triaged": [("propose", "proposed"), ("hold", "on_hold"), ("cancel", "cancelled")],
    "proposed": [("accept", "accepted"), ("decline", "triaged")],
    "accepted": [("confirm", "oriented"), ("cancel", "cancelled")],
    "on_hold": [("resume", "triaged"), ("cancel", "cancelled")],
}
INSTANTS = (utc(2026, 1, 31, 23), utc(2026, 2, 15, 8), utc(2026, 3, 31, 22))


def _random_history(rng: random.Random, created: dt.datetime) -> list[tuple]:
    steps = [("submit", None, "submitted", created)]
    state, at = "submitted", created
    for _ in range(rng.randint(0, 7)):
        if state not in NEXT:
            break
        transition, after = rng.choice(NEXT[state])
        at += dt.timedelta(hours=rng.randint(1, 24 * 20))
        steps.append((transition, state, after, at))
        state = after
    return steps


def _bucket(created: dt.datetime, at: dt.datetime) -> str:
    for label, limit in AGE_BUCKETS:
        if limit is None or created > at - dt.timedelta(days=limit):
            return label
    raise AssertionError("unreachable")


def _expected(histories: list[list[tuple]], at: dt.datetime) -> tuple[dict, dict]:
    by_state = dict.fromkeys(OPEN_STATES, 0)
    by_age = {label: 0 for label, _limit in AGE_BUCKETS}
    for steps in histories:
        then = [to for _transition, _from, to, when in steps if when < at]
        if then and then[-1] in by_state:
            by_state[then[-1]] += 1
            by_age[_bucket(steps[0][3], at)] += 1
    return by_state, by_age


@pytest.fixture
def histories(world) -> list[list[tuple]]:
    rng = random.Random(20261125)
    made = []
    for _ in range(60):
        created = utc(2025, 11, 1, 8) + dt.timedelta(hours=rng.randint(0, 150 * 24))
        steps = _random_history(rng, created)
        world.case_through(created, [(name, at) for name, _from, _to, at in steps[1:]])
        made.append(steps)
    return made


@pytest.mark.parametrize("at", INSTANTS, ids=lambda at: at.isoformat())
def test_open_cases_of_a_past_instant_match_the_last_transition_before_it(app, histories, at):
    expected_states, expected_ages = _expected(histories, at)
    assert sum(expected_states.values()) > 0  # the random histories leave cases open then
    with app.app_context():
        by_state, by_age = _open_cases(at, current=False)
    assert by_state == expected_states
    assert by_age == expected_ages
