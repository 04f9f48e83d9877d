"""Who may report a patient, and the `source` the server records for each."""

from __future__ import annotations

import pytest

from shared.timeutil import today_paris
from tests.support import payloads
from tests.support.factories import MT
from tests.support.web import log_in


@pytest.mark.parametrize(
    ("roles", "source"),
    [
        (("professional",), "professional"),
        (("coordinator",), "coordinator_is_professional"),
        (("partner",), "partner"),
        (("dac",), "hospital"),
        (("partner", "professional"), "professional"),
    ],
)
def test_the_server_records_where_a_signalement_came_from(world, accounts, roles, source):
    expected = "professional" if source == "coordinator_is_professional" else source
    body = world.submit(headers=accounts.create(*roles))
    assert body["source"] == expected
    assert body["needs_review"] is False
    listed = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    assert [case["source"] for case in listed] == [expected]


def test_a_caller_cannot_choose_the_source(world, accounts):
    body = payloads.signalement()
    body["source"] = "patient"
    response = world.client.post(f"{MT}/signalements", json=body, headers=accounts.create("dac"))
    assert response.status_code == 422
    assert "source" in response.get_json()["error"]["fields"]


def test_a_partner_sees_only_what_they_reported(world, accounts):
    partner = accounts.create("partner")
    other = accounts.create("partner")
    mine = world.submit(headers=partner)
    world.submit(headers=other)
    listed = world.client.get(f"{MT}/cases", headers=partner).get_json()
    assert [case["id"] for case in listed["items"]] == [mine["id"]]
    theirs = world.submit(headers=world.submitter)
    assert world.client.get(f"{MT}/cases/{theirs['id']}", headers=partner).status_code == 404
    # The submitter may withdraw their own signalement while it waits for triage.
    cancelled = world.fire(mine["id"], "cancel", partner, {"reason": "found_gp"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert world.fire(mine["id"], "triage", partner, {"synthesis": "x"}).status_code in (403, 409)


def test_the_board_and_the_case_page_show_the_source(world, accounts):
    case = world.submit(headers=accounts.create("partner"))
    log_in(world.client, world.coordinator["X-Test-Email"])
    session = world.client
    board = session.get("/orientation/cases").get_data(as_text=True)
    assert 'data-source="partner"' in board
    assert "Partenaire" in board
    page = session.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert "Origine : Partenaire" in page


def test_indicators_count_signalements_by_source(world, accounts):
    world.submit(headers=accounts.create("partner"))
    world.submit(headers=accounts.create("dac"))
    world.submit(headers=accounts.create("dac"))
    oriented = world.case_in("oriented")
    assert oriented["source"] == "professional"
    reporting = accounts.create("reporting")
    today = today_paris().isoformat()
    response = world.client.get(f"{MT}/indicators?from={today[:8]}01&to={today}", headers=reporting)
    assert response.status_code == 200, response.get_json()
    by_source = response.get_json()["medecin_traitant"]["by_source"]
    assert by_source["partner"] == {"signalements": 1, "oriented": 0}
    assert by_source["hospital"] == {"signalements": 2, "oriented": 0}
    assert by_source["professional"] == {"signalements": 1, "oriented": 1}
    assert by_source["patient"] == {"signalements": 0, "oriented": 0}
