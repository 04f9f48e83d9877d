"""Counting rules of the médecin-traitant block, on cases taken through their transitions at
chosen instants."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.timeutil import today_paris
from tests.support import payloads
from tests.support.factories import signalement_of_priority, utc

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def reporting(accounts):
    return accounts.create("reporting")


def _indicators(client, headers, **period):
    response = client.get("/api/orientation/indicators", query_string=period, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_case_oriented_at_23_30_paris_on_the_last_day_counts(world, client, reporting):
    # 31 March 2026 is summer time (UTC+2): 21:30 UTC is 23:30 in Paris.
    world.case_then("oriented", utc(2026, 3, 2, 9), utc(2026, 3, 31, 21, 30))
    # 22:30 UTC is already 00:30 on 1 April in Paris: outside the period.
    world.case_then("oriented", utc(2026, 3, 3, 9), utc(2026, 3, 31, 22, 30))
    body = _indicators(client, reporting, **MARCH)
    assert body["medecin_traitant"]["oriented"] == 1
    april = _indicators(client, reporting, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert april["medecin_traitant"]["oriented"] == 1


def test_signalements_follow_midnight_in_paris_not_utc(world, client, reporting):
    # 28 Feb 23:30 UTC is 1 March 00:30 in Paris (winter time, UTC+1): a March signalement.
    world.case_then("submitted", utc(2026, 2, 28, 23, 30))
    # 28 Feb 22:30 UTC is 23:30 on 28 February in Paris: a February one.
    world.case_then(
        "cancelled",
        utc(2026, 2, 28, 22, 30),
        utc(2026, 2, 28, 22, 40),
        bodies={"cancel": {"reason": "duplicate"}},
    )
    body = _indicators(client, reporting, **MARCH)
    assert body["medecin_traitant"]["signalements"] == 1
    assert body["by_month"][0]["medecin_traitant"]["signalements"] == 1
    february = _indicators(client, reporting, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert february["medecin_traitant"]["signalements"] == 1
    assert february["medecin_traitant"]["cancelled_by_reason"]["duplicate"] == 1


def test_the_same_patient_oriented_twice_counts_once(world, client, reporting):
    with_ald = signalement_of_priority(2)
    world.case_then("oriented", utc(2026, 1, 5, 9), utc(2026, 1, 20, 9), body=with_ald)
    again = {**signalement_of_priority(2), "patient": with_ald["patient"]}
    world.case_then("oriented", utc(2026, 2, 1, 9), utc(2026, 3, 10, 9), body=again)
    without_ald = signalement_of_priority(3)
    world.case_then("oriented", utc(2026, 2, 1, 9), utc(2026, 2, 10, 9), body=without_ald)
    body = _indicators(client, reporting, **{"from": "2026-01-01", "to": "2026-03-31"})
    block = body["medecin_traitant"]
    assert block["signalements"] == 3
    assert block["oriented"] == 2
    assert block["oriented_ald"] == 1
    # Month by month a patient counts once in each month where they were oriented.
    assert [m["medecin_traitant"]["oriented"] for m in body["by_month"]] == [1, 1, 1]
    assert block["by_ald"] == {
        "ald": {"signalements": 2, "oriented": 1},
        "non_ald": {"signalements": 1, "oriented": 1},
    }


def test_a_case_reopened_by_decline_is_open_in_triaged_and_not_oriented(world, client, reporting):
    world.case_through(
        utc(2026, 3, 2, 9),
        [
            ("triage", utc(2026, 3, 3, 9)),
            ("propose", utc(2026, 3, 4, 9)),
            ("decline", utc(2026, 3, 5, 9)),
        ],
    )
    body = _indicators(client, reporting, **MARCH)
    block = body["medecin_traitant"]
    assert block["oriented"] == 0
    assert block["open_by_state"]["triaged"] == 1
    assert block["open_by_state"]["proposed"] == 0
    assert block["median_days_to_orientation"] is None


def test_open_cases_at_the_end_of_a_past_period_are_counted_in_the_state_they_had_then(
    world, client, reporting
):
    world.case_through(
        utc(2026, 1, 10, 9),
        [
            ("triage", utc(2026, 1, 12, 9)),
            ("propose", utc(2026, 2, 20, 9)),
            ("accept", utc(2026, 2, 22, 9)),
            ("confirm", utc(2026, 3, 1, 9)),
        ],
    )
    january = _indicators(client, reporting, **{"from": "2026-01-01", "to": "2026-01-31"})
    assert january["medecin_traitant"]["open_by_state"]["triaged"] == 1
    assert january["medecin_traitant"]["open_total"] == 1
    assert january["medecin_traitant"]["open_by_age"]["8_30_days"] == 1
    february = _indicators(client, reporting, **{"from": "2026-02-01", "to": "2026-02-28"})
    assert february["medecin_traitant"]["open_by_state"]["accepted"] == 1
    march = _indicators(client, reporting, **MARCH)
    assert march["medecin_traitant"]["open_total"] == 0
    assert march["medecin_traitant"]["oriented"] == 1


def test_open_cases_today_are_counted_by_current_state_and_age(world, client, reporting):
    now = dt.datetime.now(dt.UTC)
    world.case_then("submitted", now - dt.timedelta(days=2))
    world.case_then("on_hold_from_submitted", now - dt.timedelta(days=40))
    world.case_then("proposed", now - dt.timedelta(days=120))
    today = today_paris().isoformat()
    body = _indicators(client, reporting, **{"from": "2020-01-01", "to": today})
    block = body["medecin_traitant"]
    assert block["open_by_state"] == {
        "submitted": 1,
        "triaged": 0,
        "proposed": 1,
        "accepted": 0,
        "on_hold": 1,
    }
    assert block["open_by_age"] == {
        "0_7_days": 1,
        "8_30_days": 0,
        "31_90_days": 1,
        "over_90_days": 1,
    }


def test_median_and_90th_percentile_of_days_to_orientation(world, client, reporting):
    for days in (10, 20, 30, 40):
        created = utc(2026, 2, 1, 9)
        world.case_then("oriented", created, created + dt.timedelta(days=days))
    body = _indicators(client, reporting, **{"from": "2026-01-01", "to": "2026-03-31"})
    assert body["medecin_traitant"]["median_days_to_orientation"] == 25.0
    assert body["medecin_traitant"]["p90_days_to_orientation"] == 37.0


def test_cancelled_cases_are_counted_by_reason(world, client, reporting):
    for reason in ("found_gp", "found_gp", "moved_out"):
        world.case_then(
            "cancelled",
            utc(2026, 3, 2, 9),
            utc(2026, 3, 5, 9),
            bodies={"cancel": {"reason": reason}},
        )
    block = _indicators(client, reporting, **MARCH)["medecin_traitant"]
    assert block["cancelled_by_reason"] == {
        "duplicate": 0,
        "found_gp": 2,
        "consent_withdrawn": 0,
        "moved_out": 1,
        "unreachable": 0,
        "deceased": 0,
        "other": 0,
    }


def test_breakdowns_by_priority_and_commune(world, client, reporting):
    for city in ("Villeurbanne", "VILLEURBANNE"):
        urgent = signalement_of_priority(1)
        urgent["patient"]["address"] |= {"postal_code": "69100", "city": city}
        world.case_then("submitted", utc(2026, 3, 2, 9), body=urgent)
    calm = signalement_of_priority(3)
    world.case_then("oriented", utc(2026, 3, 2, 9), utc(2026, 3, 9, 9), body=calm)
    block = _indicators(client, reporting, **MARCH)["medecin_traitant"]
    assert block["by_priority"] == {
        "1": {"signalements": 2, "oriented": 0},
        "2": {"signalements": 0, "oriented": 0},
        "3": {"signalements": 1, "oriented": 1},
    }
    communes = {row["insee"]: row for row in block["by_commune"]}
    assert communes["69266"]["signalements"] == 2  # both spellings of Villeurbanne merged
    assert communes["69266"]["commune"] == "Villeurbanne"
    assert communes["69383"]["oriented"] == 1


def test_the_document_has_the_contract_shape_with_zeros_where_nothing_happened(client, reporting):
    body = _indicators(client, reporting, **MARCH)
    assert body["period"] == MARCH
    assert {
        "signalements",
        "oriented",
        "oriented_ald",
        "median_days_to_orientation",
        "open_by_state",
        "cancelled_by_reason",
    } <= set(body["medecin_traitant"])
    assert body["epp"] == {"referrals": 0, "completed": 0, "patients_oriented": 0}
    assert body["discharges"] == {"cases": 0, "ready_before_discharge": 0, "discharged": 0}
    assert body["agenda"] == {
        "snp_slots_published": 0,
        "snp_slots_booked": 0,
        "teleconsultations_completed": 0,
        "professionals_publishing": 0,
        "professionals_booking": 0,
    }
    assert body["teleconsultation"] == {"nurses": 0, "gps": 0, "completed": 0}
    assert body["directory"] == {"volunteer_gps": 0, "volunteer_capacity": 0}
    assert [m["month"] for m in body["by_month"]] == ["2026-03"]
    assert body["by_month"][0]["epp"] == {"referrals": 0, "completed": 0, "patients_oriented": 0}


def test_a_period_across_months_is_split_by_calendar_month(client, reporting):
    body = _indicators(client, reporting, **{"from": "2026-01-15", "to": "2026-03-10"})
    assert [(m["month"], m["from"], m["to"]) for m in body["by_month"]] == [
        ("2026-01", "2026-01-15", "2026-01-31"),
        ("2026-02", "2026-02-01", "2026-02-28"),
        ("2026-03", "2026-03-01", "2026-03-10"),
    ]


def test_a_patient_oriented_twice_through_the_workflow_counts_once(world, client, reporting):
    signalement = payloads.signalement()
    world.case_in("oriented", signalement)
    world.case_in("oriented", signalement)
    today = today_paris().isoformat()
    block = _indicators(client, reporting, **{"from": today, "to": today})["medecin_traitant"]
    assert block["signalements"] == 2
    assert block["oriented"] == 1
    assert block["oriented_ald"] == 1
