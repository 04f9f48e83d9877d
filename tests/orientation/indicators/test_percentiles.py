"""Percentiles of days to orientation: exact on both databases, whatever the path taken.

PostgreSQL reads them in two passes (a histogram of whole days, then the rows at the rank from
the index on the delay); SQLite ranks every row. Both must give what `percentile_cont` gives.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid

import pytest
from sqlalchemy import text, update

from services.orientation.indicators.queries import _day_of_rank, _percentiles
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from shared.extensions import db
from shared.periods import Period
from tests.support.factories import utc

FRACTIONS = (0.0, 0.1, 0.5, 0.9, 0.99, 1.0)
MARCH = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _percentile_cont(values: list[float], fraction: float) -> float:
    """The definition: linear interpolation between the ranks around fraction·(n−1)."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.fixture
def delays(world) -> list[float]:
    """~80 orientations in March with delays in seconds (ties, several per day, a delay of
    exactly whole days, one under a day) and a few outside March that must not count."""
    rng = random.Random(2026)
    in_march = []
    for index in range(80):
        seconds = rng.choice([rng.randint(3_600, 60 * 86_400), 86_400 * rng.randint(1, 9)])
        if index % 17 == 0:
            seconds = 5 * 86_400 + 1  # ties across patients, just over a day boundary
        delay = dt.timedelta(seconds=seconds)
        oriented_at = utc(2026, 3, 1, 12) + dt.timedelta(hours=rng.randint(0, 29 * 24))
        world.case_then("oriented", oriented_at - delay, oriented_at)
        in_march.append(seconds / 86_400)
    for oriented_at in (utc(2026, 2, 27, 9), utc(2026, 4, 1, 9)):
        world.case_then("oriented", oriented_at - dt.timedelta(days=400), oriented_at)
    return in_march


def test_percentiles_are_exact_on_both_databases(app, delays):
    with app.app_context():
        measured = _percentiles(MARCH, FRACTIONS)
    for fraction, value in zip(FRACTIONS, measured, strict=True):
        assert value == pytest.approx(_percentile_cont(delays, fraction), abs=1e-6), fraction


@pytest.mark.postgres_only
def test_the_two_passes_agree_with_percentile_cont(app, delays):
    with app.app_context():
        measured = _percentiles(MARCH, FRACTIONS)
        expected = [
            float(
                db.session.scalar(
                    text(
                        "SELECT percentile_cont(CAST(:fraction AS float8)) WITHIN GROUP "
                        "(ORDER BY extract(epoch FROM oriented_at - created_at) / 86400) "
                        "FROM orientation_mt_cases "
                        "WHERE oriented_at >= :start AND oriented_at < :end"
                    ),
                    {"fraction": fraction, "start": MARCH.start, "end": MARCH.end},
                )
            )
            for fraction in FRACTIONS
        ]
    assert measured == pytest.approx(expected, abs=1e-6)


def test_no_orientation_gives_no_percentile(app):
    with app.app_context():
        assert _percentiles(MARCH, (0.5, 0.9)) == [None, None]


def test_a_single_orientation_is_every_percentile(app, world):
    created = utc(2026, 3, 2, 9)
    world.case_then("oriented", created, created + dt.timedelta(days=3, hours=12))
    with app.app_context():
        assert _percentiles(MARCH, (0.0, 0.5, 0.9)) == pytest.approx([3.5, 3.5, 3.5])


def test_the_day_of_a_rank_counts_the_days_before_it():
    histogram = {0: 2, 3: 1, 7: 4}
    assert _day_of_rank(histogram, 0) == (0, 0)
    assert _day_of_rank(histogram, 1) == (0, 1)
    assert _day_of_rank(histogram, 2) == (3, 0)
    assert _day_of_rank(histogram, 6) == (7, 3)
    with pytest.raises(ValueError):
        _day_of_rank(histogram, 7)


def test_delays_below_zero_from_imported_data_are_ranked_like_the_others(app, world):
    """Day buckets truncate toward zero (−0.5 and +0.5 day share day 0): ranks must not
    shift nor run out of rows."""
    days = (-1.5, -0.5, -0.25, 0.2, 0.5, 3.0)
    for index, value in enumerate(days):
        oriented_at = utc(2026, 3, 10, 12) + dt.timedelta(hours=index)
        created_at = oriented_at - dt.timedelta(days=value)
        if value > 0:
            world.case_then("oriented", created_at, oriented_at)
            continue
        case = world.case_then("oriented", oriented_at - dt.timedelta(hours=1), oriented_at)
        # Only imported data dates a signalement after its orientation: no transition can.
        with app.app_context():
            db.session.execute(
                update(MedecinTraitantCase)
                .where(MedecinTraitantCase.id == uuid.UUID(case["id"]))
                .values(created_at=created_at)
            )
            db.session.commit()
    with app.app_context():
        measured = _percentiles(MARCH, FRACTIONS)
    expected = [_percentile_cont(list(days), fraction) for fraction in FRACTIONS]
    assert measured == pytest.approx(expected, abs=1e-6)
