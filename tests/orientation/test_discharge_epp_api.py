"""API-level guarantees of discharges and EPP referrals: OpenAPI, concurrent edits."""

from __future__ import annotations

import pytest

from tests.support import factories as f
from tests.support.concurrency import race

URL = "/api/orientation/discharges"


def test_the_openapi_document_describes_discharges_and_epp_referrals(client):
    paths = client.get("/api/orientation/openapi.json").get_json()["paths"]

    assert "patch" in paths["/api/orientation/discharges/{case_id}"]
    assert "get" in paths["/api/orientation/discharges/worklist"]
    assert "post" in paths["/api/orientation/epp-referrals"]
    assert "get" in paths["/api/orientation/epp-referrals/{referral_id}/suggestions"]


@pytest.mark.postgres_only
def test_two_concurrent_edits_from_the_same_version_exactly_one_wins(app, client, accounts):
    coordinator = accounts.create("coordinator")
    gp = f.professional(client, coordinator)
    dac = accounts.create("dac")
    case = f.discharge(client, dac, gp["id"])
    headers = {**dac, "If-Match": '"1"'}

    responses = race(
        app,
        [
            ("patch", f"{URL}/{case['id']}", headers, {"notes": "Première modification."}),
            ("patch", f"{URL}/{case['id']}", headers, {"notes": "Seconde modification."}),
        ],
    )
    statuses = sorted(response.status_code for response in responses)

    assert statuses == [200, 409]
    current = client.get(f"{URL}/{case['id']}", headers=dac).get_json()
    assert current["version"] == 2
    assert [h["transition"] for h in current["history"]] == ["submit", "update"]


@pytest.mark.postgres_only
def test_two_concurrent_identical_transitions_exactly_one_wins(app, client, accounts):
    coordinator = accounts.create("coordinator")
    gp = f.professional(client, coordinator)
    dac = accounts.create("dac")
    case = f.discharge(client, dac, gp["id"])
    url = f"{URL}/{case['id']}/transitions/prepare"

    responses = race(app, [("post", url, dac, {}), ("post", url, coordinator, {})])
    statuses = sorted(response.status_code for response in responses)

    assert statuses == [200, 409]
    assert len(f.events(app, "sortie_hospitalisation.prepare")) == 1
