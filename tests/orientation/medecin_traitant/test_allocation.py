"""The allocation preview and sending its proposals, through the API."""

from __future__ import annotations

from tests.support.factories import MT, events, professional_account, signalement_of_priority
from tests.support.web import log_in

PREVIEW = "/api/orientation/allocations/preview"


def _triaged(world, priority: int, postal_code: str = "69003", city: str = "Lyon"):
    body = signalement_of_priority(priority)
    body["patient"]["address"] = {"line": "3 rue Test", "postal_code": postal_code, "city": city}
    case = world.submit(body)
    case = world.fired(case, "triage")
    assert case["priority"] == priority
    return case


def _preview(world):
    response = world.client.get(PREVIEW, headers=world.coordinator)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _placed(found) -> dict[str, str]:
    return {a["case_id"]: a["professional_id"] for a in found["assignments"]}


def _reasons(found) -> dict[str, str]:
    return {u["case_id"]: u["reason"] for u in found["unassigned"]}


def test_the_most_urgent_patient_gets_the_last_place(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon", new_patient_capacity=1)
    world.add_professional(postal_code="38000", city="Grenoble")  # beyond 30 km
    later = _triaged(world, 3)
    urgent = _triaged(world, 1)
    found = _preview(world)
    assert _placed(found) == {urgent["id"]: near["id"]}
    assert _reasons(found) == {later["id"]: "outweighed"}
    assert found["totals"]["assigned_by_priority"] == {"1": 1, "2": 0, "3": 0}
    line = found["assignments"][0]
    assert line["reference"] == urgent["reference"]
    assert line["distance_km"] <= 30
    # The same score and reasons as the case's suggestions (places left aside).
    suggested = world.client.get(
        f"{MT}/cases/{urgent['id']}/suggestions", headers=world.coordinator
    ).get_json()
    mine = next(s for s in suggested if s["professional"]["id"] == near["id"])
    assert line["score"] == mine["score"] == found["totals"]["score"]
    assert line["reasons"] == mine["reasons"]


def test_pending_proposals_use_places(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon", new_patient_capacity=1)
    waiting = _triaged(world, 1)
    proposed = _triaged(world, 1)
    world.fired(proposed, "propose", body={"professional_id": near["id"]})
    found = _preview(world)
    assert found["assignments"] == []
    assert _reasons(found) == {waiting["id"]: "all_full"}
    assert found["unassigned"][0]["message"].startswith("Les médecins")


def test_excluded_and_out_of_range_patients_say_why(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon")
    refused = _triaged(world, 2)
    world.fired(refused, "propose", body={"professional_id": near["id"]})
    world.fired(refused, "decline", body={"reason": "Patientèle complète."})
    far = _triaged(world, 2, postal_code="38000", city="Grenoble")
    found = _preview(world)
    assert _reasons(found) == {refused["id"]: "excluded", far["id"]: "no_gp_in_range"}


def test_sending_the_preview_proposes_each_case(only_new_gps):
    world = only_new_gps
    gps = [world.add_professional(postal_code="69003", city="Lyon", new_patient_capacity=1)]
    gps.append(world.add_professional(postal_code="69100", city="Villeurbanne"))
    cases = [_triaged(world, p) for p in (1, 2, 3)]
    found = _preview(world)
    assert len(found["assignments"]) == 3
    choices = [
        {"case_id": a["case_id"], "professional_id": a["professional_id"]}
        for a in found["assignments"]
    ]
    moved = cases[2]
    world.fired(moved, "hold", body={"reason": "Le patient réfléchit."})
    response = world.client.post(
        "/api/orientation/allocations", json={"assignments": choices}, headers=world.coordinator
    )
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert sorted(result["proposed"]) == sorted(c["id"] for c in cases[:2])
    assert [r["case_id"] for r in result["refused"]] == [moved["id"]]
    assert result["refused"][0]["error"]["code"] == "invalid_transition"
    for a in choices[:2]:
        if a["case_id"] != moved["id"]:
            case = world.get(a["case_id"]).get_json()
            assert case["state"] == "proposed"
            assert case["proposed_professional_id"] == a["professional_id"]
    # Nothing left to allocate but the held case, which is not triaged.
    assert _preview(world)["assignments"] == []


def test_only_the_coordinator_allocates(world):
    assert world.client.get(PREVIEW, headers=world.gp_headers).status_code == 403
    response = world.client.post(
        "/api/orientation/allocations",
        json={"assignments": [{"case_id": world.gp["id"], "professional_id": world.gp["id"]}]},
        headers=world.gp_headers,
    )
    assert response.status_code == 403
    bad = world.client.post(
        "/api/orientation/allocations", json={"assignments": []}, headers=world.coordinator
    )
    assert bad.status_code == 422


def test_the_allocation_page_sends_kept_and_replaced_lines(only_new_gps):
    world = only_new_gps
    near = world.add_professional(postal_code="69003", city="Lyon", new_patient_capacity=1)
    other = world.add_professional(postal_code="69100", city="Villeurbanne")
    kept, removed = _triaged(world, 1), _triaged(world, 2)
    token = log_in(world.client, world.coordinator["X-Test-Email"])
    html = world.client.get("/orientation/repartition").get_data(as_text=True)
    assert kept["reference"] in html and removed["reference"] in html
    assert f'<option value="{near["id"]}" selected>' in html
    assert kept["patient"]["last_name"] not in html
    response = world.client.post(
        "/orientation/repartition",
        data={"csrf_token": token, f"gp-{kept['id']}": other["id"], f"gp-{removed['id']}": ""},
    )
    assert response.status_code == 200
    assert "1 proposition envoyée" in response.get_data(as_text=True)
    assert world.get(kept["id"]).get_json()["proposed_professional_id"] == other["id"]
    assert world.get(removed["id"]).get_json()["state"] == "triaged"


def test_a_gp_sees_patients_waiting_near_without_identity(only_new_gps):
    world = only_new_gps
    entry, headers = professional_account(
        world.client, world.accounts, world.coordinator, postal_code="69003", city="Lyon"
    )
    later = _triaged(world, 3)
    urgent = _triaged(world, 1)
    _triaged(world, 1, postal_code="38000", city="Grenoble")  # beyond 30 km
    refused = _triaged(world, 1)
    world.fired(refused, "propose", body={"professional_id": entry["id"]})
    world.fired(refused, "decline", headers=headers, body={"reason": "Patientèle complète."})
    url = f"{MT}/cases/waiting-near?professional_id={entry['id']}"
    response = world.client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    found = response.get_json()
    assert [w["case_id"] for w in found] == [urgent["id"], later["id"]]
    assert set(found[0]) == {"case_id", "age_band", "commune", "needs", "priority", "distance_km"}
    assert found[0]["age_band"].endswith(" ans") and found[0]["commune"] == "Lyon"
    text = response.get_data(as_text=True)
    for case in (urgent, later):
        for secret in (
            case["reference"],
            case["patient"]["last_name"],
            case["patient"]["birth_date"],
        ):
            assert secret not in text
    as_coordinator = world.client.get(url, headers=world.coordinator).get_json()
    assert as_coordinator[0]["reference"] == urgent["reference"]
    other = world.client.get(
        f"{MT}/cases/waiting-near?professional_id={world.gp['id']}", headers=headers
    )
    assert other.status_code == 403


def test_je_peux_en_prendre_tells_the_coordination(only_new_gps):
    world = only_new_gps
    entry, headers = professional_account(
        world.client, world.accounts, world.coordinator, postal_code="69003", city="Lyon"
    )
    waiting = _triaged(world, 2)
    token = log_in(world.client, headers["X-Test-Email"])
    html = world.client.get("/orientation/patients-proches").get_data(as_text=True)
    assert "Je peux en prendre" in html and "Lyon" in html
    for secret in (waiting["reference"], waiting["patient"]["last_name"]):
        assert secret not in html
    response = world.client.post(
        f"/orientation/patients-proches/{waiting['id']}", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert events(world.app, "medecin_traitant.interest") == [
        {"case_id": waiting["id"], "professional_id": entry["id"]}
    ]
    # Once proposed the case leaves the list: saying it again is refused, nothing is sent.
    world.fired(waiting, "propose", body={"professional_id": entry["id"]})
    late = world.client.post(f"{MT}/cases/{waiting['id']}/interest", headers=headers)
    assert late.status_code == 404
    assert len(events(world.app, "medecin_traitant.interest")) == 1
