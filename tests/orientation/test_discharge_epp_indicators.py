"""Indicator blocks of discharges and EPP referrals, on hand-built rows (Europe/Paris months);
the period's figures in the indicators document are the sums of its months."""

from __future__ import annotations

import datetime as dt
import uuid

from services.orientation.discharges.indicators import monthly_discharge_indicators
from services.orientation.discharges.models import DischargeCase
from services.orientation.epp.indicators import monthly_epp_indicators
from services.orientation.epp.models import EppReferral
from shared.extensions import db
from shared.periods import Period
from shared.schemas import PatientSchema
from tests.support import payloads

UTC = dt.UTC
CREATOR = uuid.uuid4()


def _patient():
    return PatientSchema().load(payloads.patient())


def _discharge(n, created_at, state, *, ready_on=None, actual=None):
    case = DischargeCase(
        reference=f"SH-2026-{n:06d}",
        state=state,
        version=1,
        created_by=CREATOR,
        created_at=created_at,
        hospital_name="CH de test",
        home_services=[],
        ready_on=ready_on,
        actual_discharge_date=actual,
    )
    case.set_patient(_patient())
    return case


def _referral(n, created_at, state, *, epp_date=None):
    referral = EppReferral(
        reference=f"EPP-2026-{n:06d}",
        state=state,
        version=1,
        created_by=CREATOR,
        created_at=created_at,
        pregnancy_start_date=dt.date(2025, 12, 1),
        weeks_at_referral=8,
        excluded_professional_ids=[],
        epp_date=epp_date,
    )
    referral.set_patient(_patient())
    return referral


def _indicators(client, accounts, start, end):
    response = client.get(
        "/api/orientation/indicators",
        query_string={"from": start, "to": end},
        headers=accounts.create("reporting"),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_discharge_indicators_count_cases_discharges_and_readiness_in_time(app, client, accounts):
    with app.app_context():
        db.session.add_all(
            [
                # 31 Jan 23:30 UTC is 1 Feb in Paris: a February case.
                _discharge(1, dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC), "announced"),
                _discharge(2, dt.datetime(2026, 1, 31, 22, 30, tzinfo=UTC), "cancelled"),
                # Ready the day before the discharge: in time.
                _discharge(
                    3,
                    dt.datetime(2026, 2, 3, 9, tzinfo=UTC),
                    "followed_up",
                    ready_on=dt.date(2026, 2, 9),
                    actual=dt.date(2026, 2, 10),
                ),
                # Ready the same day: not in time.
                _discharge(
                    4,
                    dt.datetime(2026, 2, 4, 9, tzinfo=UTC),
                    "discharged",
                    ready_on=dt.date(2026, 2, 12),
                    actual=dt.date(2026, 2, 12),
                ),
                # Discharged in March.
                _discharge(
                    5,
                    dt.datetime(2026, 2, 20, 9, tzinfo=UTC),
                    "discharged",
                    ready_on=dt.date(2026, 2, 27),
                    actual=dt.date(2026, 3, 2),
                ),
                # Cancelled after discharge: not counted as discharged.
                _discharge(
                    6,
                    dt.datetime(2026, 2, 5, 9, tzinfo=UTC),
                    "cancelled",
                    ready_on=dt.date(2026, 2, 5),
                    actual=dt.date(2026, 2, 6),
                ),
            ]
        )
        db.session.commit()

        monthly = monthly_discharge_indicators(Period(dt.date(2026, 1, 15), dt.date(2026, 4, 30)))

    assert monthly == {
        "2026-01": {"cases": 1, "ready_before_discharge": 0, "discharged": 0},
        "2026-02": {"cases": 5, "ready_before_discharge": 1, "discharged": 2},
        "2026-03": {"cases": 0, "ready_before_discharge": 1, "discharged": 1},
        "2026-04": {"cases": 0, "ready_before_discharge": 0, "discharged": 0},
    }
    assert list(monthly) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    totals = _indicators(client, accounts, "2026-02-01", "2026-03-31")["discharges"]
    assert totals == {"cases": 5, "ready_before_discharge": 2, "discharged": 3}


def test_epp_indicators_count_referrals_made_and_epp_completed_in_the_period(app, client, accounts):
    with app.app_context():
        db.session.add_all(
            [
                _referral(1, dt.datetime(2026, 3, 1, 10, tzinfo=UTC), "submitted"),
                _referral(2, dt.datetime(2026, 2, 28, 23, 30, tzinfo=UTC), "cancelled"),  # 1 Mar
                _referral(
                    3,
                    dt.datetime(2026, 2, 10, 10, tzinfo=UTC),
                    "completed",
                    epp_date=dt.date(2026, 3, 5),
                ),
                _referral(
                    4,
                    dt.datetime(2026, 3, 10, 10, tzinfo=UTC),
                    "completed",
                    epp_date=dt.date(2026, 4, 1),
                ),
                _referral(5, dt.datetime(2026, 4, 2, 10, tzinfo=UTC), "accepted"),
            ]
        )
        db.session.commit()

        monthly = monthly_epp_indicators(Period(dt.date(2026, 2, 1), dt.date(2026, 4, 10)))

    assert monthly == {
        "2026-02": {"referrals": 1, "completed": 0},
        "2026-03": {"referrals": 3, "completed": 1},
        "2026-04": {"referrals": 1, "completed": 1},
    }
    assert list(monthly) == ["2026-02", "2026-03", "2026-04"]
    totals = _indicators(client, accounts, "2026-02-01", "2026-04-10")["epp"]
    assert totals == {"referrals": 5, "completed": 2}
