"""Indicator blocks of discharges and EPP referrals, on cases taken through their transitions
at chosen instants (Europe/Paris months); the period's figures in the indicators document are
the sums of its months."""

from __future__ import annotations

import datetime as dt

from services.orientation.discharges.indicators import monthly_discharge_indicators
from services.orientation.epp.indicators import monthly_epp_indicators
from shared.periods import Period
from tests.support import factories as f
from tests.support.factories import utc
from tests.support.indicators import indicators_document


def test_discharge_indicators_count_cases_discharges_and_readiness_in_time(app, client, accounts):
    coordinator, dac = accounts.create("coordinator"), accounts.create("dac")
    nurse = f.professional(client, coordinator, profession="nurse")["id"]

    def made(created_at, *steps):
        f.discharge_through(client, dac, created_at, steps, nurse)

    # 31 Jan 23:30 UTC is 1 Feb in Paris: a February case.
    made(utc(2026, 1, 31, 23, 30))
    made(utc(2026, 1, 31, 22, 30), ("cancel", utc(2026, 1, 31, 22, 40)))
    # Ready the day before the discharge: in time.
    made(
        utc(2026, 2, 3, 9),
        ("prepare", utc(2026, 2, 3, 10)),
        ("mark_ready", utc(2026, 2, 9, 9)),
        ("discharge", utc(2026, 2, 10, 9)),
        ("follow_up", utc(2026, 2, 11, 9)),
    )
    # Ready the same day: not in time.
    made(
        utc(2026, 2, 4, 9),
        ("prepare", utc(2026, 2, 4, 10)),
        ("mark_ready", utc(2026, 2, 12, 9)),
        ("discharge", utc(2026, 2, 12, 15)),
    )
    # Discharged in March.
    made(
        utc(2026, 2, 20, 9),
        ("prepare", utc(2026, 2, 20, 10)),
        ("mark_ready", utc(2026, 2, 27, 9)),
        ("discharge", utc(2026, 3, 2, 9)),
    )
    # Cancelled after discharge: not counted as discharged.
    made(
        utc(2026, 2, 5, 9),
        ("prepare", utc(2026, 2, 5, 10)),
        ("mark_ready", utc(2026, 2, 5, 11)),
        ("discharge", utc(2026, 2, 6, 9)),
        ("cancel", utc(2026, 2, 6, 10)),
    )
    with app.app_context():
        monthly = monthly_discharge_indicators(Period(dt.date(2026, 1, 15), dt.date(2026, 4, 30)))

    assert monthly == {
        "2026-01": {"cases": 1, "ready_before_discharge": 0, "discharged": 0},
        "2026-02": {"cases": 5, "ready_before_discharge": 1, "discharged": 2},
        "2026-03": {"cases": 0, "ready_before_discharge": 1, "discharged": 1},
        "2026-04": {"cases": 0, "ready_before_discharge": 0, "discharged": 0},
    }
    assert list(monthly) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    document = indicators_document(client, accounts.create("reporting"), "2026-02-01", "2026-03-31")
    totals = document["discharges"]
    assert totals == {"cases": 5, "ready_before_discharge": 2, "discharged": 3}


def test_epp_indicators_count_referrals_made_and_epp_completed_in_the_period(app, client, accounts):
    coordinator, pharmacist = accounts.create("coordinator"), accounts.create("professional")
    midwife = f.professional_account(client, accounts, coordinator, profession="midwife")

    def made(created_at, *steps):
        f.epp_referral_through(
            client, pharmacist, created_at, steps, coordinator=coordinator, midwife=midwife
        )

    made(utc(2026, 3, 1, 10))
    made(utc(2026, 2, 28, 23, 30), ("cancel", utc(2026, 2, 28, 23, 40)))  # 1 March in Paris
    made(
        utc(2026, 2, 10, 10),
        ("assign", utc(2026, 2, 11, 9)),
        ("accept", utc(2026, 2, 12, 9)),
        ("complete", utc(2026, 3, 5, 10)),
    )
    made(
        utc(2026, 3, 10, 10),
        ("assign", utc(2026, 3, 11, 9)),
        ("accept", utc(2026, 3, 12, 9)),
        ("complete", utc(2026, 4, 1, 10)),
    )
    made(utc(2026, 4, 2, 10), ("assign", utc(2026, 4, 2, 11)), ("accept", utc(2026, 4, 2, 12)))
    with app.app_context():
        monthly = monthly_epp_indicators(Period(dt.date(2026, 2, 1), dt.date(2026, 4, 10)))

    assert monthly == {
        "2026-02": {"referrals": 1, "completed": 0},
        "2026-03": {"referrals": 3, "completed": 1},
        "2026-04": {"referrals": 1, "completed": 1},
    }
    assert list(monthly) == ["2026-02", "2026-03", "2026-04"]
    document = indicators_document(client, accounts.create("reporting"), "2026-02-01", "2026-04-10")
    totals = document["epp"]
    # Three referrals accepted (12 Feb, 12 Mar, 2 Apr), each for a different patient.
    assert totals == {"referrals": 5, "completed": 2, "patients_oriented": 3}
