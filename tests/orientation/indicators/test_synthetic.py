"""`relais seed-synthetic`: coherent, reproducible synthetic data across every state."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from click.testing import CliRunner
from sqlalchemy import func, select

from services.agenda.directory.models import Professional
from services.orientation.indicators.synthetic import Context, generate_medecin_traitant, make_pools
from services.orientation.medecin_traitant.machine import OPEN_STATES
from services.orientation.medecin_traitant.models import MedecinTraitantCase as Case
from services.orientation.medecin_traitant.models import MedecinTraitantHistory as History
from shared.cli import cli
from shared.extensions import db
from shared.timeutil import today_paris


def test_seed_synthetic_makes_coherent_cases_in_every_state(app, client, accounts, settings):
    result = CliRunner().invoke(
        cli,
        [
            "seed-synthetic",
            "--cases",
            "1500",
            "--professionals",
            "30",
            "--months",
            "6",
            "--seed",
            "7",
        ],
        env={
            "DATABASE_URL": settings.database_url,
            "RELAIS_ENV": "test",
            "SECRET_KEY": settings.secret_key,
        },
    )
    assert result.exit_code == 0, result.output
    assert "orientation_mt_cases : 1500 lignes" in result.output
    with app.app_context():
        states = Counter(db.session.scalars(select(Case.state)))
        assert set(states) == {*OPEN_STATES, "oriented", "cancelled"}
        assert db.session.scalar(select(func.count()).select_from(Professional)) == 30
        # The history replays each case: consecutive states, increasing times, last = state.
        cases = {c.id: c for c in db.session.scalars(select(Case))}
        steps = defaultdict(list)
        for row in db.session.scalars(select(History).order_by(History.at)):
            steps[row.case_id].append(row)
        for case_id, history in steps.items():
            case = cases[case_id]
            assert history[0].transition == "submit" and history[0].at == case.created_at
            assert all(
                a.to_state == b.from_state for a, b in zip(history, history[1:], strict=False)
            )
            assert history[-1].to_state == case.state
            assert case.version == len(history)
            if case.state == "oriented":
                assert history[-1].at == case.oriented_at
        # Some patients came back after their first case closed; never two open cases at once.
        keys = Counter(c.patient_key for c in cases.values())
        assert max(keys.values()) >= 2
        open_keys = Counter(c.patient_key for c in cases.values() if c.state in OPEN_STATES)
        assert max(open_keys.values()) == 1
    reporting = accounts.create("reporting")
    body = client.get(
        "/api/orientation/indicators",
        query_string={
            "from": (today_paris() - dt.timedelta(days=400)).isoformat(),
            "to": today_paris().isoformat(),
        },
        headers=reporting,
    ).get_json()
    assert body["medecin_traitant"]["signalements"] == 1500
    assert body["medecin_traitant"]["oriented"] == len(
        {c.patient_key for c in cases.values() if c.state == "oriented"}
    )


def _rows(seed: int, now: dt.datetime) -> list:
    ctx = Context(rng=random.Random(seed), pools=make_pools(seed), now=now, months=3)  # noqa: S311
    ctx.gps = [ctx.uuid() for _ in range(5)]
    return [row for _table, row in generate_medecin_traitant(ctx, 200)]


def test_the_same_seed_gives_the_same_data():
    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert _rows(11, now) == _rows(11, now)
    assert _rows(11, now) != _rows(12, now)
