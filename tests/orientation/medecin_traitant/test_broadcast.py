"""A case proposed to several GPs at once: the first to accept wins, the others are withdrawn
and told; each decline removes one GP; the case returns to triage when none is left."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from services.notifications.service import process_event
from services.orientation.medecin_traitant.allocation_reads import pending_proposals
from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.timers import sweep_proposals
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from tests.support.concurrency import race
from tests.support.factories import MT, World, events, professional_account
from tests.support.web import log_in


@pytest.fixture
def three(world: World):
    """A third GP with an account, besides the world's two."""
    return professional_account(world.client, world.accounts, world.coordinator)


def _broadcast(world: World, third) -> dict:
    """A triaged case proposed at once to the world's two GPs and `third`."""
    case = world.case_in("triaged")
    ids = [world.gp["id"], world.other_gp["id"], third[0]["id"]]
    return world.fired(case, "propose", body={"professional_ids": ids})


def test_a_case_proposed_to_three_gps_is_seen_by_each_of_them(world, three):
    case = _broadcast(world, three)
    assert case["state"] == "proposed"
    assert sorted(case["proposed_professional_ids"]) == sorted(
        [world.gp["id"], world.other_gp["id"], three[0]["id"]]
    )
    for headers in (world.gp_headers, world.other_gp_headers, three[1]):
        seen = world.get(case["id"], headers)
        assert seen.status_code == 200
        assert "accept" in seen.get_json()["allowed_transitions"]
        listed = world.client.get(f"{MT}/cases?state=proposed", headers=headers).get_json()
        assert [c["id"] for c in listed["items"]] == [case["id"]]
    # The proposal is theirs to read in full: it names them.
    history = world.get(case["id"], three[1]).get_json()["history"]
    assert history[-1]["transition"] == "propose"
    assert history[-1]["by"] == world.coordinator["X-Test-Email"]


def test_a_gp_not_asked_does_not_see_a_broadcast_case(world, accounts):
    third, third_headers = professional_account(world.client, accounts, world.coordinator)
    case = world.case_in("triaged")
    world.fired(case, "propose", body={"professional_ids": [world.gp["id"], world.other_gp["id"]]})
    assert world.get(case["id"], third_headers).status_code == 404
    refused = world.fire(case["id"], "accept", third_headers, {})
    assert refused.status_code == 404


def test_the_first_accept_wins_and_the_others_are_withdrawn_and_told(world, three):
    case = _broadcast(world, three)
    accepted = world.fired(case, "accept", world.other_gp_headers, {})
    assert accepted["state"] == "accepted"
    assert accepted["accepted_professional_id"] == world.other_gp["id"]
    assert accepted["proposed_professional_ids"] == []

    late = world.fire(case["id"], "accept", world.gp_headers, {})
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "invalid_transition"
    assert late.get_json()["error"]["message"].startswith("Un autre médecin a accepté ce patient")
    # Withdrawn: they no longer read the patient's case.
    assert world.get(case["id"], world.gp_headers).status_code == 404
    assert world.get(case["id"], three[1]).status_code == 404

    [withdrawn] = events(world.app, "medecin_traitant.withdraw")
    assert sorted(withdrawn["professional_ids"]) == sorted([world.gp["id"], three[0]["id"]])
    with world.app.app_context():
        event_id = db.session.scalar(
            select(OutboxEvent.id).where(OutboxEvent.name == "medecin_traitant.withdraw")
        )
        assert process_event(event_id) == "delivered"
    for headers, expected in (
        (world.gp_headers, True),
        (three[1], True),
        (world.other_gp_headers, False),
    ):
        items = world.client.get("/api/notifications/inbox", headers=headers).get_json()["items"]
        titles = [item["title"] for item in items]
        assert (f"Proposition retirée {case['reference']}" in titles) is expected


def test_each_decline_removes_one_gp_and_the_last_sends_the_case_back(world, three):
    case = _broadcast(world, three)
    after_one = world.fired(case, "decline", world.gp_headers, {"reason": "Patientèle complète."})
    assert after_one["state"] == "proposed"
    assert world.gp["id"] not in after_one["proposed_professional_ids"]
    assert world.get(case["id"], world.gp_headers).status_code == 404

    # The coordination answers for one of several GPs only when it says which.
    unnamed = world.fire(case["id"], "decline", body={"reason": "Injoignable."})
    assert unnamed.status_code == 422
    assert "professional_id" in unnamed.get_json()["error"]["fields"]
    after_two = world.fired(
        case, "decline", body={"reason": "Injoignable.", "professional_id": three[0]["id"]}
    )
    assert after_two["state"] == "proposed"
    assert after_two["proposed_professional_ids"] == [world.other_gp["id"]]

    last = world.fired(case, "decline", world.other_gp_headers, {"reason": "Trop loin."})
    assert last["state"] == "triaged"
    assert last["proposed_professional_ids"] == []
    assert [h["to"] for h in last["history"][-3:]] == ["proposed", "proposed", "triaged"]
    suggested = world.client.get(
        f"{MT}/cases/{case['id']}/suggestions", headers=world.coordinator
    ).get_json()
    asked = {world.gp["id"], world.other_gp["id"], three[0]["id"]}
    assert not asked & {s["professional"]["id"] for s in suggested}
    declines = events(world.app, "medecin_traitant.decline")
    assert [d["to"] for d in declines] == ["proposed", "proposed", "triaged"]
    assert declines[-1]["outcome"] == "Le dossier revient à la coordination."


def test_expiry_ends_every_proposal_of_the_case(app, world, three):
    case = _broadcast(world, three)
    with app.app_context():
        proposed_at = db.session.get(MedecinTraitantCase, uuid.UUID(case["id"])).proposed_at
        sweep_proposals(now=proposed_at + dt.timedelta(days=7, minutes=1))
        assert sweep_proposals(now=proposed_at + dt.timedelta(days=14, minutes=1)).expired == 1
    [reminder] = events(app, "medecin_traitant.reminder")
    asked = sorted([world.gp["id"], world.other_gp["id"], three[0]["id"]])
    assert sorted(reminder["professional_ids"]) == asked
    [expired] = events(app, "medecin_traitant.expire")
    assert sorted(expired["professional_ids"]) == asked
    after = world.get(case["id"]).get_json()
    assert after["state"] == "triaged"
    for headers in (world.gp_headers, world.other_gp_headers, three[1]):
        assert world.get(case["id"], headers).status_code == 404


def test_cancelling_a_broadcast_case_tells_every_gp_asked(world, three):
    case = _broadcast(world, three)
    world.fired(case, "cancel", body={"reason": "found_gp"})
    [cancel] = events(world.app, "medecin_traitant.cancel")
    asked = sorted([world.gp["id"], world.other_gp["id"], three[0]["id"]])
    assert sorted(cancel["professional_ids"]) == asked


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Choisissez au moins un médecin."),
        ([str(uuid.uuid4()) for _ in range(6)], "Au plus 5 médecins à la fois."),
        ("same", "Un même médecin est choisi deux fois."),
    ],
)
def test_a_bad_list_of_gps_is_refused_and_nothing_is_stored(world, ids, message):
    case = world.case_in("triaged")
    if ids == "same":
        ids = [world.gp["id"], world.gp["id"]]
    response = world.fire(case["id"], "propose", body={"professional_ids": ids})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["professional_ids"] == [message]
    assert world.get(case["id"]).get_json()["state"] == "triaged"


def test_one_gp_who_cannot_be_asked_refuses_the_whole_broadcast(world):
    case = world.case_in("triaged")
    nurse = world.add_professional(profession="nurse")
    response = world.fire(
        case["id"], "propose", body={"professional_ids": [world.gp["id"], nurse["id"]]}
    )
    assert response.status_code == 422
    [problem] = response.get_json()["error"]["fields"]["professional_ids"]
    assert problem.endswith("Ce professionnel n'est pas médecin généraliste.")
    after = world.get(case["id"]).get_json()
    assert after["state"] == "triaged"
    assert world.get(case["id"], world.gp_headers).status_code == 404


def test_both_one_and_several_gps_at_once_is_refused(world):
    case = world.case_in("triaged")
    response = world.fire(
        case["id"],
        "propose",
        body={"professional_id": world.gp["id"], "professional_ids": [world.other_gp["id"]]},
    )
    assert response.status_code == 422
    assert "professional_ids" in response.get_json()["error"]["fields"]


def test_a_broadcast_holds_one_place_at_each_gp_asked(world, only_new_gps):
    gp, _headers = professional_account(world.client, world.accounts, world.coordinator)
    other, _ = professional_account(world.client, world.accounts, world.coordinator)
    case = world.case_in("triaged")
    world.fired(case, "propose", body={"professional_ids": [gp["id"], other["id"]]})
    with world.app.app_context():
        assert pending_proposals() == {gp["id"]: 1, other["id"]: 1}
    world.fired(case, "accept", _headers, {})
    with world.app.app_context():
        assert pending_proposals() == {}


def test_the_coordinator_proposes_to_several_gps_from_the_case_page(world, three):
    case = world.case_in("triaged")
    token = log_in(world.client, world.coordinator["X-Test-Email"])
    page = world.client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True)
    assert 'type="checkbox"' in page and 'name="professional_ids"' in page
    form = MultiDict(
        [
            ("csrf_token", token),
            ("version", str(case["version"])),
            ("professional_ids", world.gp["id"]),
            ("professional_ids", three[0]["id"]),
        ]
    )
    response = world.client.post(f"/orientation/cases/{case['id']}/transitions/propose", data=form)
    assert response.status_code == 303
    after = world.get(case["id"]).get_json()
    assert sorted(after["proposed_professional_ids"]) == sorted([world.gp["id"], three[0]["id"]])
    page = unescape(world.client.get(f"/orientation/cases/{case['id']}").get_data(as_text=True))
    assert "le premier qui accepte devient le médecin traitant" in page


def test_each_gp_asked_sees_the_proposal_card(world, three):
    case = _broadcast(world, three)
    for headers in (world.gp_headers, world.other_gp_headers, three[1]):
        client = world.app.test_client()
        log_in(client, headers["X-Test-Email"])
        page = unescape(client.get("/orientation/proposals").get_data(as_text=True))
        assert f'data-reference="{case["reference"]}"' in page
        assert "Proposé aussi à 2 autres médecins" in page


@pytest.mark.postgres_only
@pytest.mark.parametrize("round_", range(3))
def test_two_gps_accepting_at_once_exactly_one_wins(app, world, three, round_):
    case = _broadcast(world, three)
    path = f"{MT}/cases/{case['id']}/transitions/accept"
    responses = race(app, [("post", path, world.gp_headers, {}), ("post", path, three[1], {})])
    outcome = Counter(
        (r.status_code, (r.get_json().get("error") or {}).get("code")) for r in responses
    )
    assert outcome == Counter({(200, None): 1, (409, "invalid_transition"): 1})
    loser = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert loser["message"].startswith("Un autre médecin a accepté ce patient avant vous")
    winner = next(r for r in responses if r.status_code == 200).get_json()
    final = world.get(case["id"]).get_json()
    assert final["state"] == "accepted"
    assert final["accepted_professional_id"] == winner["accepted_professional_id"]
    assert [h["transition"] for h in final["history"]].count("accept") == 1
    [withdrawn] = events(app, "medecin_traitant.withdraw")
    assert winner["accepted_professional_id"] not in withdrawn["professional_ids"]
    assert len(withdrawn["professional_ids"]) == 2


def test_a_gp_answers_for_themselves_only(world, three):
    case = _broadcast(world, three)
    for_another = world.fire(
        case["id"],
        "decline",
        world.gp_headers,
        {"reason": "Pour mon confrère.", "professional_id": three[0]["id"]},
    )
    assert for_another.status_code == 422
    assert for_another.get_json()["error"]["fields"]["professional_id"] == [
        "Vous ne pouvez répondre que pour vous-même."
    ]
    not_asked = world.fire(case["id"], "accept", body={"professional_id": str(uuid.uuid4())})
    assert not_asked.status_code == 422
    after = world.get(case["id"]).get_json()
    assert after["state"] == "proposed"
    assert len(after["proposed_professional_ids"]) == 3
    assert after["version"] == case["version"]


def test_a_gp_answering_a_cancelled_broadcast_is_told_it_was_cancelled(world, three):
    case = _broadcast(world, three)
    world.fired(case, "cancel", body={"reason": "found_gp"})
    late = world.fire(case["id"], "accept", three[1], {})
    assert late.status_code == 409
    assert late.get_json()["error"]["message"] == (
        "La coordination a annulé ce dossier : la proposition ne vous est plus adressée."
    )
    assert world.get(case["id"], three[1]).status_code == 404
