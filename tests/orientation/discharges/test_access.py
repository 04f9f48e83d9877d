"""Who sees discharge cases: DAC staff and the coordinator, and the city professionals named."""

from __future__ import annotations

from tests.support import factories as f
from tests.support import payloads

URL = "/api/orientation/discharges"


def _setup(client, accounts):
    coordinator = accounts.create("coordinator")
    named, named_nurse = f.professional_account(client, accounts, coordinator, profession="nurse")
    _, other_nurse = f.professional_account(client, accounts, coordinator, profession="nurse")
    dac = accounts.create("dac")
    return {
        "coordinator": coordinator,
        "dac": dac,
        "case": f.discharge(client, dac, named["id"]),
        "named_nurse": named_nurse,
        "other_nurse": other_nurse,
    }


def test_a_nurse_named_on_a_discharge_reads_it_but_cannot_act_on_it(client, accounts):
    s = _setup(client, accounts)
    case_url = f"{URL}/{s['case']['id']}"

    read = client.get(case_url, headers=s["named_nurse"])
    listed = client.get(URL, headers=s["named_nurse"]).get_json()

    assert read.status_code == 200
    assert read.get_json()["allowed_transitions"] == []
    assert [c["id"] for c in listed["items"]] == [s["case"]["id"]]
    fired = client.post(f"{case_url}/transitions/prepare", json={}, headers=s["named_nurse"])
    assert fired.status_code == 403
    patched = client.patch(case_url, json={"notes": "x"}, headers=s["named_nurse"])
    assert patched.status_code == 403


def test_a_nurse_not_named_on_a_discharge_cannot_see_it(client, accounts):
    s = _setup(client, accounts)

    assert client.get(f"{URL}/{s['case']['id']}", headers=s["other_nurse"]).status_code == 404
    assert client.get(URL, headers=s["other_nurse"]).get_json()["total"] == 0


def test_dac_staff_and_the_coordinator_see_every_discharge(client, accounts):
    s = _setup(client, accounts)
    other_dac = accounts.create("dac")

    for headers in (s["coordinator"], other_dac):
        assert client.get(f"{URL}/{s['case']['id']}", headers=headers).status_code == 200
        assert client.get(URL, headers=headers).get_json()["total"] == 1


def test_roles_without_a_reason_to_see_discharges_are_refused(client, accounts):
    s = _setup(client, accounts)
    body = f.discharge_body()

    for role in ("reporting", "admin", "professional", "gp", "midwife"):
        headers = accounts.create(role)
        assert client.post(URL, json=body, headers=headers).status_code == 403, role
    for role in ("reporting", "admin"):
        headers = accounts.create(role)
        assert client.get(f"{URL}/{s['case']['id']}", headers=headers).status_code == 403
    pharmacist = accounts.create("professional")
    assert client.get(f"{URL}/{s['case']['id']}", headers=pharmacist).status_code == 404
    assert client.get(f"{URL}/worklist", headers=s["named_nurse"]).status_code == 403


def test_dac_staff_see_only_the_medecin_traitant_cases_they_reported(client, accounts):
    professional = accounts.create("professional")
    created = client.post(
        "/api/orientation/signalements", json=payloads.signalement(), headers=professional
    ).get_json()
    dac = accounts.create("dac")

    listed = client.get("/api/orientation/cases", headers=dac)
    assert listed.status_code == 200
    assert listed.get_json()["items"] == []
    assert client.get(f"/api/orientation/cases/{created['id']}", headers=dac).status_code == 404


def test_a_user_both_dac_and_professional_still_sees_no_medecin_traitant_case_of_others(
    client, accounts
):
    submitter = accounts.create("professional")
    client.post("/api/orientation/signalements", json=payloads.signalement(), headers=submitter)
    dac_professional = accounts.create("dac", "professional")

    listed = client.get("/api/orientation/cases", headers=dac_professional).get_json()

    assert listed["total"] == 0


def test_dac_staff_cannot_see_epp_referrals(client, accounts):
    professional = accounts.create("professional")
    referral = client.post(
        "/api/orientation/epp-referrals", json=f.epp_referral_body(), headers=professional
    ).get_json()
    dac = accounts.create("dac")

    assert client.get("/api/orientation/epp-referrals", headers=dac).status_code == 403
    assert (
        client.get(f"/api/orientation/epp-referrals/{referral['id']}", headers=dac).status_code
        == 403
    )


def test_the_discharge_list_filters_by_state(client, accounts):
    s = _setup(client, accounts)
    dac = s["dac"]
    other = f.discharge(client, dac)
    client.post(f"{URL}/{other['id']}/transitions/prepare", json={}, headers=dac)

    preparing = client.get(f"{URL}?state=preparing", headers=dac).get_json()
    unknown = client.get(f"{URL}?state=gone", headers=dac)

    assert [c["id"] for c in preparing["items"]] == [other["id"]]
    assert unknown.status_code == 422


def test_every_read_of_a_discharge_is_in_the_audit_trail(client, accounts):
    s = _setup(client, accounts)
    reference = s["case"]["reference"]
    client.get(f"{URL}/{s['case']['id']}", headers=s["named_nurse"])
    client.get(f"{URL}/worklist", headers=s["dac"])

    trail = client.get(
        f"/api/orientation/audit?reference={reference}", headers=accounts.create("admin")
    ).get_json()["items"]

    users = {(entry["user"], entry["action"]) for entry in trail}
    assert (s["named_nurse"]["X-Test-Email"], "read") in users
    assert (s["dac"]["X-Test-Email"], "read") in users
    assert (s["dac"]["X-Test-Email"], "create") in users
