"""Case references are numbered per year of the CPTS's calendar (Europe/Paris)."""

from __future__ import annotations

import datetime as dt

import shared.timeutil
from shared.cases.references import next_reference
from shared.db import unit_of_work


def test_the_reference_year_is_paris_s_year_on_new_year_s_night(app, monkeypatch):
    # 23:30 UTC on 31 December is already 00:30 on 1 January in Paris.
    monkeypatch.setattr(
        shared.timeutil,
        "utcnow",
        lambda: dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC),
    )
    with app.app_context(), unit_of_work():
        reference = next_reference("TST")

    assert reference == "TST-2027-000001"
