"""Discharge → signalement: a patient leaving hospital without a médecin traitant."""

from __future__ import annotations

import re

from tests.support.factories import DISCHARGES, MT, discharge
from tests.support.web import log_in

CONSENT = {"consent": {"patient_informed": True, "data_sharing": True}}


def test_a_discharge_without_gp_becomes_a_prefilled_linked_mt_case(world, accounts):
    dac = accounts.create("dac")
    sortie = discharge(world.client, dac, patient_has_gp=False)
    assert sortie["patient_has_gp"] is False
    response = world.client.post(
        f"{DISCHARGES}/{sortie['id']}/signalement",
        json={**CONSENT, "ald": True, "ald_label": "Insuffisance cardiaque"},
        headers=dac,
    )
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["source"] == "hospital"
    assert case["patient"] == sortie["patient"]
    assert case["situation"]["vulnerabilities"] == ["sortie_hospitalisation"]
    assert case["situation"]["ald"] is True
    assert sortie["reference"] in case["situation"]["reason"]
    assert case["linked_references"] == [sortie["reference"]]
    again = world.client.get(f"{DISCHARGES}/{sortie['id']}", headers=dac).get_json()
    assert again["linked_references"] == [case["reference"]]
    assert again["history"][-1]["transition"] == "signalement"
    # The DAC follows the case it reported, like any submitter; the coordinator sees it too.
    assert world.client.get(f"{MT}/cases/{case['id']}", headers=dac).status_code == 200
    listed = world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]
    assert [c["reference"] for c in listed] == [case["reference"]]


def test_only_a_discharge_marked_without_gp_and_only_once(world, accounts):
    dac = accounts.create("dac")
    unknown = discharge(world.client, dac)
    response = world.client.post(
        f"{DISCHARGES}/{unknown['id']}/signalement", json=CONSENT, headers=dac
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"
    patched = world.client.patch(
        f"{DISCHARGES}/{unknown['id']}", json={"patient_has_gp": False}, headers=dac
    )
    assert patched.status_code == 200, patched.get_json()
    url = f"{DISCHARGES}/{unknown['id']}/signalement"
    assert world.client.post(url, json=CONSENT, headers=dac).status_code == 201
    twice = world.client.post(url, json=CONSENT, headers=dac)
    assert twice.status_code == 409
    assert len(world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"]) == 1


def test_consent_is_required_and_other_roles_are_refused(world, accounts):
    dac = accounts.create("dac")
    sortie = discharge(world.client, dac, patient_has_gp=False)
    url = f"{DISCHARGES}/{sortie['id']}/signalement"
    bad = world.client.post(url, json={"consent": {"patient_informed": True}}, headers=dac)
    assert bad.status_code == 422
    assert "consent.data_sharing" in bad.get_json()["error"]["fields"]
    for role in ("professional", "partner", "gp"):
        refused = world.client.post(url, json=CONSENT, headers=accounts.create(role))
        assert refused.status_code == 403
    assert world.client.get(f"{MT}/cases", headers=world.coordinator).get_json()["items"] == []


def test_a_patient_already_followed_is_a_duplicate_that_names_nothing_to_the_dac(world, accounts):
    dac = accounts.create("dac")
    existing = world.submit()
    sortie = discharge(world.client, dac, patient=existing["patient"], patient_has_gp=False)
    response = world.client.post(
        f"{DISCHARGES}/{sortie['id']}/signalement", json=CONSENT, headers=dac
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate"
    assert existing["reference"] not in response.get_data(as_text=True)
    coordinator = world.client.post(
        f"{DISCHARGES}/{sortie['id']}/signalement", json=CONSENT, headers=world.coordinator
    )
    assert existing["reference"] in coordinator.get_json()["error"]["message"]
    after = world.client.get(f"{DISCHARGES}/{sortie['id']}", headers=dac).get_json()
    assert after["linked_references"] == []


def test_the_discharge_page_offers_the_action_and_both_pages_show_the_link(world, accounts):
    dac = accounts.create("dac")
    sortie = discharge(world.client, dac)
    token = log_in(world.client, dac["X-Test-Email"])
    page = world.client.get(f"/orientation/discharges/{sortie['id']}").get_data(as_text=True)
    assert "Signaler à la CPTS : pas de médecin traitant" in page
    url = f"/orientation/discharges/{sortie['id']}/signalement"
    missing = world.client.post(url, data={"csrf_token": token})
    assert missing.status_code == 422
    assert "consentement" in missing.get_data(as_text=True)
    done = world.client.post(
        url,
        data={
            "csrf_token": token,
            "consent.patient_informed": "on",
            "consent.data_sharing": "on",
        },
    )
    assert done.status_code == 303
    mt_page = world.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Origine : Hôpital / DAC" in mt_page
    assert f"/orientation/discharges/{sortie['id']}" in mt_page
    page = world.client.get(f"/orientation/discharges/{sortie['id']}").get_data(as_text=True)
    reference = re.search(r"dossier (MT-\d{4}-\d{6})", page).group(1)
    assert 'data-testid="signalement-link"' in page
    assert reference.startswith("MT-")
