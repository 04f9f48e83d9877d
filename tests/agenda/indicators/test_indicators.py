"""The agenda block of the indicators, by Europe/Paris month, aggregated only."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.timeutil import today_paris
from tests.support import factories
from tests.support.agenda import booking_body, in_days, publish


def _slot(client, headers, pid, day: str, start: str, end: str, kind="snp") -> dict:
    response = publish(
        client, headers, pid, day=dt.date.fromisoformat(day), start=start, end=end, kind=kind
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def figures(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    pid = gp["id"]
    # 23:30 on 31 January in Paris is January; 00:30 on 1 February in Paris is February even
    # though it is still 31 January in UTC.
    _slot(client, coordinator, pid, "2027-01-31", "23:00", "23:30")
    february = _slot(client, coordinator, pid, "2027-02-01", "00:30", "01:00")
    _slot(client, coordinator, pid, "2027-02-10", "09:00", "09:20")
    withdrawn = _slot(client, coordinator, pid, "2027-02-10", "10:00", "10:20")
    client.delete(f"/api/agenda/slots/{withdrawn['id']}", headers=coordinator)
    _slot(client, coordinator, pid, "2027-02-11", "09:00", "09:20", kind="teleconsultation")
    pharmacist = accounts.create("professional")
    assert (
        client.post(
            f"/api/agenda/slots/{february['id']}/booking", json=booking_body(), headers=pharmacist
        ).status_code
        == 201
    )
    # One assisted teleconsultation completed today.
    _, nurse_headers = factories.professional_account(
        client, accounts, coordinator, profession="nurse"
    )
    day = in_days(2)
    _slot(client, coordinator, pid, day.isoformat(), "14:00", "14:30", kind="teleconsultation")
    factories.teleconsultation(
        client, nurse_headers, day, state="completed", gp=gp_headers, reason="Suivi d'ulcère."
    )
    return coordinator


def test_counts_by_paris_month(client, accounts, figures):
    today = today_paris()
    reporting = accounts.create("reporting")
    response = client.get(
        f"/api/agenda/indicators?from={today:%Y-%m}-01&to=2027-02-28", headers=reporting
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["agenda"] == {
        "snp_slots_published": 3,
        "snp_slots_booked": 1,
        "teleconsultations_completed": 1,
        "professionals_publishing": 1,
        "professionals_booking": 1,
    }
    assert body["teleconsultation"] == {"nurses": 1, "gps": 1, "completed": 1}
    months = {row["month"]: row for row in body["by_month"]}
    assert months["2027-01"]["snp_slots_published"] == 1
    assert months["2027-02"] == {
        "month": "2027-02",
        "snp_slots_published": 2,
        "snp_slots_booked": 1,
        "teleconsultations_completed": 0,
        "professionals_publishing": 1,
        "professionals_booking": 1,
        "teleconsultation": {"nurses": 0, "gps": 0, "completed": 0},
    }
    assert months[f"{today:%Y-%m}"]["teleconsultations_completed"] == 1
    assert list(months) == sorted(months)


def test_a_period_excludes_what_falls_outside(client, figures):
    body = client.get(
        "/api/agenda/indicators?from=2027-02-01&to=2027-02-28", headers=figures
    ).get_json()
    assert body["agenda"] == {
        "snp_slots_published": 2,
        "snp_slots_booked": 1,
        "teleconsultations_completed": 0,
        "professionals_publishing": 1,
        "professionals_booking": 1,
    }
    assert [row["month"] for row in body["by_month"]] == ["2027-02"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2027-03-01&to=2027-02-01", "to"), ("from=2027-13-01", "from")],
)
def test_bad_periods_are_refused_in_french(client, accounts, query, field):
    response = client.get(f"/api/agenda/indicators?{query}", headers=accounts.create("admin"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("role", ["gp", "nurse", "professional", "dac"])
def test_only_reporting_coordinator_and_admin_read_indicators(client, accounts, role):
    response = client.get("/api/agenda/indicators", headers=accounts.create(role))
    assert response.status_code == 403
