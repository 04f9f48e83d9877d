"""Who may call the médecin-traitant endpoints, and which cases each caller sees."""

from __future__ import annotations

import pytest

from tests.support import payloads
from tests.support.factories import MT

SUBMITTING_ROLES = ("professional", "coordinator", "gp", "midwife", "nurse", "partner", "dac")
NO_CASE_ROLES = ("reporting", "admin")


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


@pytest.mark.parametrize("role", SUBMITTING_ROLES)
def test_every_member_professional_may_submit_a_signalement(world, accounts, role):
    headers = accounts.create(role, professional_id=world.gp["id"] if role == "gp" else None)
    case = world.submit(headers=headers)
    assert case["state"] == "submitted"


@pytest.mark.parametrize("role", NO_CASE_ROLES)
def test_roles_outside_care_cannot_submit_or_see_cases(world, accounts, role):
    case = world.case_in("submitted")
    headers = accounts.create(role)
    endpoints = [
        world.client.post(f"{MT}/signalements", json=payloads.signalement(), headers=headers),
        world.client.get(f"{MT}/cases", headers=headers),
        world.client.get(f"{MT}/cases/{case['id']}", headers=headers),
        world.client.get(f"{MT}/cases/{case['id']}/suggestions", headers=headers),
        world.fire(case["id"], "cancel", headers),
    ]
    for response in endpoints:
        assert response.status_code == 403, response.request.path
        assert response.get_json()["error"]["code"] == "forbidden"
    assert world.get(case["id"]).get_json()["version"] == 1


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "]
)
def test_without_a_valid_token_every_endpoint_answers_401(world, authorization):
    case = world.case_in("submitted")
    headers = {"Authorization": authorization} if authorization else {}
    responses = [
        world.client.post(f"{MT}/signalements", json=payloads.signalement(), headers=headers),
        world.client.get(f"{MT}/cases", headers=headers),
        world.client.get(f"{MT}/cases/{case['id']}", headers=headers),
        world.client.get(f"{MT}/cases/{case['id']}/suggestions", headers=headers),
        world.fire(case["id"], "triage", headers),
    ]
    for response in responses:
        assert response.status_code == 401, response.request.path
        assert response.get_json()["error"]["code"] == "unauthenticated"


def test_professional_sees_only_what_they_submitted(world, accounts):
    mine = world.submit()
    other_professional = accounts.create("professional")
    theirs = world.submit(headers=other_professional)
    assert _ids(world.client.get(f"{MT}/cases", headers=world.submitter)) == {mine["id"]}
    assert world.get(theirs["id"], world.submitter).status_code == 404
    assert world.get(mine["id"], world.submitter).status_code == 200


def test_coordinator_sees_every_case(world, accounts):
    first = world.submit()
    second = world.submit(headers=accounts.create("nurse"))
    assert _ids(world.client.get(f"{MT}/cases", headers=world.coordinator)) == {
        first["id"],
        second["id"],
    }


def test_gp_sees_cases_proposed_to_or_accepted_by_them_only(world):
    submitted = world.case_in("submitted")
    proposed = world.case_in("proposed")
    accepted = world.case_in("accepted")
    oriented = world.case_in("oriented")
    seen = _ids(world.client.get(f"{MT}/cases", headers=world.gp_headers))
    assert seen == {proposed["id"], accepted["id"], oriented["id"]}
    assert world.get(submitted["id"], world.gp_headers).status_code == 404
    assert _ids(world.client.get(f"{MT}/cases", headers=world.other_gp_headers)) == set()
    assert world.get(proposed["id"], world.other_gp_headers).status_code == 404


def test_gp_also_sees_the_signalements_they_submitted(world):
    own = world.submit(headers=world.other_gp_headers)
    assert _ids(world.client.get(f"{MT}/cases", headers=world.other_gp_headers)) == {own["id"]}


@pytest.mark.parametrize("role", ["professional", "gp", "nurse", "midwife"])
def test_only_the_coordinator_asks_for_suggestions(world, accounts, role):
    case = world.case_in("triaged")
    headers = accounts.create(role, professional_id=world.gp["id"] if role == "gp" else None)
    response = world.client.get(f"{MT}/cases/{case['id']}/suggestions", headers=headers)
    assert response.status_code == 403
    ok = world.client.get(f"{MT}/cases/{case['id']}/suggestions", headers=world.coordinator)
    assert ok.status_code == 200


def test_list_filters_by_state_and_priority_and_paginates(world):
    urgent = world.case_in("triaged")
    calm = world.submit(
        {
            **payloads.signalement(ald=False, vulnerabilities=[]),
            "patient": payloads.patient(birth_date="1990-01-01"),
        }
    )
    assert calm["priority"] == 3
    get = world.client.get
    assert _ids(get(f"{MT}/cases?state=triaged", headers=world.coordinator)) == {urgent["id"]}
    assert _ids(get(f"{MT}/cases?priority=3", headers=world.coordinator)) == {calm["id"]}
    assert _ids(get(f"{MT}/cases?kind=epp", headers=world.coordinator)) == set()
    page = get(f"{MT}/cases?per_page=1&page=2", headers=world.coordinator).get_json()
    assert (page["total"], page["page"], page["per_page"]) == (2, 2, 1)
    # Most urgent first: page 2 holds the priority-3 case.
    assert [item["id"] for item in page["items"]] == [calm["id"]]


@pytest.mark.parametrize(
    "query", ["state=lost", "priority=4", "per_page=101", "page=0", "priority=x"]
)
def test_bad_list_filters_are_422(world, query):
    response = world.client.get(f"{MT}/cases?{query}", headers=world.coordinator)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
