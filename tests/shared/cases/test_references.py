"""Case references are numbered per year of the CPTS's calendar (Europe/Paris)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import shared.timeutil
from services.orientation.medecin_traitant.service import MEDECIN_TRAITANT
from shared.cases.references import ReferenceCounter, next_reference
from shared.db import unit_of_work
from shared.extensions import db
from shared.timeutil import today_paris


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


def test_the_year_s_numbering_goes_on_after_the_counter_row(app):
    """On PostgreSQL the year's sequence starts after the number its counter row reached (the
    numbering before the sequences); on SQLite the counter row is the numbering."""
    year = today_paris().year
    with app.app_context(), unit_of_work():
        db.session.add(ReferenceCounter(prefix="GOON", year=year, value=41))
    with app.app_context(), unit_of_work():
        first, second = next_reference("GOON"), next_reference("GOON")
    assert (first, second) == (f"GOON-{year}-000042", f"GOON-{year}-000043")


@pytest.mark.postgres_only
def test_a_rolled_back_creation_leaves_a_gap_on_postgresql(app):
    year = today_paris().year
    with app.app_context():
        with unit_of_work():
            assert next_reference("GAP") == f"GAP-{year}-000001"
        next_reference("GAP")
        db.session.rollback()
        with unit_of_work():
            assert next_reference("GAP") == f"GAP-{year}-000003"


@pytest.mark.postgres_only
@pytest.mark.parametrize(("prefix", "year"), [("mt", 2026), ("MT; --", 2026), ("MT", 1999)])
def test_reference_next_refuses_a_bad_prefix_or_year(app, prefix, year):
    with app.app_context(), pytest.raises(DBAPIError, match="bad prefix or year"):
        db.session.execute(text("SELECT reference_next(:p, :y)"), {"p": prefix, "y": year})
    with app.app_context():
        db.session.rollback()


def test_a_case_type_s_prefix_is_one_to_eight_capital_letters():
    for prefix in ("mt", "MT-S", "TOOLONGXX", ""):
        with pytest.raises(ValueError, match="capital letters"):
            dataclasses.replace(MEDECIN_TRAITANT, prefix=prefix)
    assert dataclasses.replace(MEDECIN_TRAITANT, prefix="EPP").prefix == "EPP"
