"""Concurrent requests on PostgreSQL: row locks and the unique index decide, exactly one wins."""

from __future__ import annotations

from collections import Counter

import pytest

from services.orientation.medecin_traitant.service import FOLLOWED_ALREADY
from tests.support import payloads
from tests.support.concurrency import race
from tests.support.factories import MT

pytestmark = pytest.mark.postgres_only
ROUNDS = 3


def _outcome(responses) -> Counter:
    return Counter(
        (r.status_code, (r.get_json().get("error") or {}).get("code")) for r in responses
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_triages_exactly_one_wins(world, app, round_):
    case = world.case_in("submitted")
    path = f"{MT}/cases/{case['id']}/transitions/triage"
    body = {"synthesis": "Même dossier, deux onglets."}
    responses = race(
        app, [("post", path, world.coordinator, body), ("post", path, world.coordinator, body)]
    )
    assert _outcome(responses) == Counter({(200, None): 1, (409, "invalid_transition"): 1})
    final = world.get(case["id"]).get_json()
    assert final["version"] == 2
    assert [h["transition"] for h in final["history"]] == ["submit", "triage"]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_accept_and_decline_at_once_exactly_one_wins(world, app, round_):
    case = world.case_in("proposed")
    url = f"{MT}/cases/{case['id']}/transitions"
    responses = race(
        app,
        [
            ("post", f"{url}/accept", world.gp_headers, {}),
            ("post", f"{url}/decline", world.coordinator, {"reason": "Trop loin."}),
        ],
    )
    final = world.get(case["id"]).get_json()
    assert final["version"] == 4
    # Whichever wins, the other is told why with a 409: once declined, the proposal is no
    # longer the GP's to accept (and the case no longer theirs to read).
    assert final["state"] in ("accepted", "triaged")
    assert _outcome(responses) == Counter({(200, None): 1, (409, "invalid_transition"): 1})


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_edits_with_the_same_if_match_exactly_one_wins(world, app, round_):
    case = world.case_in("submitted")
    url = f"{MT}/cases/{case['id']}/transitions"
    headers = {**world.coordinator, "If-Match": '"1"'}
    responses = race(
        app,
        [
            ("post", f"{url}/hold", headers, {"reason": "En attente."}),
            ("post", f"{url}/cancel", headers, {"reason": "duplicate"}),
        ],
    )
    assert _outcome(responses) == Counter({(200, None): 1, (409, "version_conflict"): 1})
    assert world.get(case["id"]).get_json()["version"] == 2


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_concurrent_signalements_of_one_patient_exactly_one_is_stored(
    world, app, accounts, round_
):
    nir = payloads.make_nir()
    nurse = accounts.create("nurse")
    path = f"{MT}/signalements"
    first, second = payloads.signalement(), payloads.signalement()
    first["patient"]["nir"] = second["patient"]["nir"] = nir
    responses = race(app, [("post", path, world.submitter, first), ("post", path, nurse, second)])
    assert _outcome(responses) == Counter({(201, None): 1, (409, "duplicate"): 1})
    # Whoever lost may not see the winner's case: told nothing more than that it exists.
    loser = next(r for r in responses if r.status_code == 409).get_json()
    assert loser == {"error": {"code": "duplicate", "message": FOLLOWED_ALREADY}}
    listed = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()
    assert listed["total"] == 1


def test_concurrent_signalements_of_different_patients_get_distinct_references(world, app):
    path = f"{MT}/signalements"
    responses = race(
        app, [("post", path, world.submitter, payloads.signalement()) for _ in range(6)]
    )
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.get_json()["reference"] for r in responses}) == 6


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_patient_sent_with_and_without_nir_at_once_is_stored_once(world, app, round_):
    with_nir = payloads.signalement()
    without_nir = payloads.signalement()
    without_nir["patient"] = {**with_nir["patient"], "nir": None}
    path = f"{MT}/signalements"
    responses = race(
        app,
        [("post", path, world.submitter, with_nir), ("post", path, world.submitter, without_nir)],
    )
    assert _outcome(responses) == Counter({(201, None): 1, (409, "duplicate"): 1})
