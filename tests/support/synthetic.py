"""Helpers of the synthetic-data tests: run the generators, check a case type's history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from shared.cases.machine import CaseMachine
from shared.extensions import db

# A fixed clock: the same seed then gives the same rows, and no event may pass it.
NOW = dt.datetime(2026, 6, 15, 10, 30, tzinfo=dt.UTC)


def seed(cases: int = 3000, professionals: int = 40, months: int = 6, seed: int = 7) -> dict:
    """Run `seed_synthetic` at the fixed clock (inside an app context)."""
    from services.orientation.indicators.synthetic import seed_synthetic

    return seed_synthetic(
        cases=cases, professionals=professionals, months=months, seed=seed, now=NOW
    )


def check_history(model: Any, history_model: Any, machine: CaseMachine) -> dict[Any, Any]:
    """Assert every case of `model` is replayed by its history: a first `submit` row at its
    creation, then transitions the machine allows, in time order, up to its state and version.
    Returns the cases by id."""
    cases = {case.id: case for case in db.session.scalars(select(model))}
    steps: dict[Any, list[Any]] = defaultdict(list)
    for row in db.session.scalars(select(history_model).order_by(history_model.at)):
        steps[row.case_id].append(row)
    allowed = {(r.name, s, r.dest) for r in machine.rules for s in r.source}
    assert set(steps) == set(cases)
    for case_id, history in steps.items():
        case = cases[case_id]
        first = history[0]
        assert (first.transition, first.from_state, first.to_state) == (
            "submit",
            None,
            machine.initial,
        )
        assert first.at == case.created_at
        for before, after in zip(history, history[1:], strict=False):
            assert before.to_state == after.from_state
            assert before.at < after.at
            assert (after.transition, after.from_state, after.to_state) in allowed
        assert history[-1].to_state == case.state
        assert history[-1].at == case.updated_at <= NOW
        assert case.version == len(history)
        assert case.state in machine.states
    return cases
