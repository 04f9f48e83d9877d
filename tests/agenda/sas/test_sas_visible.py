"""A slot's `sas_visible` flag: SNP slots are offered to the SAS unless their professional says
otherwise, in the API and in the slot pages; teleconsultation slots never are."""

from __future__ import annotations

import re

from tests.support.agenda import in_days, publish
from tests.support.web import log_in


def _publish(client, headers, professional_id, **body):
    return publish(client, headers, professional_id, day=in_days(2), **body)


def test_snp_slots_are_offered_to_the_sas_by_default_and_can_be_kept_out(client, directory):
    gp = directory.professional()
    headers = directory.coordinator
    default = _publish(client, headers, gp["id"])
    assert default.status_code == 201
    assert default.get_json()["sas_visible"] is True
    kept_out = _publish(client, headers, gp["id"], start="11:00", end="11:20", sas_visible=False)
    assert kept_out.get_json()["sas_visible"] is False
    listed = client.get(
        "/api/agenda/slots", query_string={"professional_id": gp["id"]}, headers=headers
    ).get_json()["items"]
    assert {(s["id"], s["sas_visible"]) for s in listed} == {
        (default.get_json()["id"], True),
        (kept_out.get_json()["id"], False),
    }


def test_teleconsultation_slots_are_never_offered_to_the_sas(client, directory):
    gp = directory.professional()
    response = _publish(client, directory.coordinator, gp["id"], kind="teleconsultation")
    assert response.status_code == 201
    assert response.get_json()["sas_visible"] is False
    asked = _publish(
        client,
        directory.coordinator,
        gp["id"],
        kind="teleconsultation",
        start="11:00",
        end="11:20",
        sas_visible=True,
    )
    assert asked.get_json()["sas_visible"] is False


def test_the_flag_is_a_json_boolean(client, directory):
    gp = directory.professional()
    response = _publish(client, directory.coordinator, gp["id"], sas_visible="oui")
    assert response.status_code == 422
    assert "sas_visible" in response.get_json()["error"]["fields"]


def test_a_recurring_series_takes_the_flag(client, directory):
    gp = directory.professional()
    response = client.post(
        "/api/agenda/slots/recurring",
        json={
            "professional_id": gp["id"],
            "kind": "snp",
            "weekday": 3,
            "start_time": "14:00",
            "end_time": "15:00",
            "slot_minutes": 20,
            "weeks": 2,
            "sas_visible": False,
        },
        headers=directory.coordinator,
    )
    assert response.status_code == 201, response.get_json()
    assert {item["sas_visible"] for item in response.get_json()["items"]} == {False}


def test_the_publish_forms_offer_the_slot_to_the_sas_unless_unticked(client, accounts, directory):
    gp = directory.professional()
    headers = accounts.create("gp", professional_id=gp["id"])
    token = log_in(client, headers["X-Test-Email"])
    page = client.get("/agenda/my-slots").get_data(as_text=True)
    boxes = re.findall(r'<input type="checkbox"[^>]*name="sas_visible"[^>]*>', page)
    assert len(boxes) == 2  # one slot, a series
    assert all("checked" in box for box in boxes)
    day = in_days(3).isoformat()
    form = {"csrf_token": token, "date": day, "end_time": "10:20", "kind": "snp"}
    ticked = client.post(
        "/agenda/my-slots", data={**form, "start_time": "10:00", "sas_visible": "on"}
    )
    unticked = client.post(
        "/agenda/my-slots", data={**form, "start_time": "11:00", "end_time": "11:20"}
    )
    assert (ticked.status_code, unticked.status_code) == (303, 303)
    items = client.get(
        "/api/agenda/slots", query_string={"professional_id": gp["id"]}, headers=headers
    ).get_json()["items"]
    by_start = {item["start"][11:16]: item["sas_visible"] for item in items}
    assert by_start == {"10:00": True, "11:00": False}
    assert "SAS</span>" in client.get("/agenda/my-slots").get_data(as_text=True)
