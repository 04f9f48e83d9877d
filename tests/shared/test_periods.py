"""Reporting periods: calendar months of Europe/Paris dates, as UTC instants."""

from __future__ import annotations

import datetime as dt

from shared.periods import Month, Period

UTC = dt.UTC


def test_a_period_is_split_into_calendar_months_clipped_to_it():
    months = Period(dt.date(2025, 12, 15), dt.date(2026, 2, 10)).months()
    assert [(m.label, m.first_day, m.last_day) for m in months] == [
        ("2025-12", dt.date(2025, 12, 15), dt.date(2025, 12, 31)),
        ("2026-01", dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 10)),
    ]
    assert all(isinstance(m, Month) for m in months)


def test_a_single_day_is_one_month():
    assert [m.label for m in Period(dt.date(2026, 2, 28), dt.date(2026, 2, 28)).months()] == [
        "2026-02"
    ]


def test_month_bounds_are_paris_midnights_across_the_dst_change():
    # March 2026 starts in winter time (UTC+1) and ends in summer time (UTC+2).
    (march,) = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)).months()
    assert march.start == dt.datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert march.end == dt.datetime(2026, 3, 31, 22, tzinfo=UTC)


def test_a_period_shows_and_names_its_dates():
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert period.as_dict() == {"from": "2026-01-01", "to": "2026-12-31"}
    assert period.slug == "2026-01-01_2026-12-31"
