"""What the SAS finds: free SNP slots offered to it, of the professionals it names, in its window;
and nothing about patients, ever."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from services.agenda.sas.bundle import PROFILES
from services.agenda.sas.schemas import ORGANIZATION, SCHEDULE, SERVICE
from services.agenda.slots.models import Slot
from shared.extensions import db
from shared.timeutil import PARIS, utcnow
from tests.support.agenda import booking_body, in_days
from tests.support.factories import paris
from tests.support.notifications import configure
from tests.support.sas import PUBLIC_URL, Sas, window
from tests.support.web import log_in


def _resources(bundle: dict, resource_type: str) -> list[dict]:
    entries = bundle.get("entry", [])
    return [e["resource"] for e in entries if e["resource"]["resourceType"] == resource_type]


def _slot_ids(bundle: dict) -> list[str]:
    return [slot["id"] for slot in _resources(bundle, "Slot")]


def test_the_sas_finds_a_gps_free_slot_with_its_schedule_practitioner_and_place(sas, directory):
    gp = directory.professional(phone="04 78 00 00 00")
    slot = directory.slot(gp, days=1, start="16:40", end="17:00")
    response = sas.search(gp["rpps"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    bundle = response.get_json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 1
    [found] = _resources(bundle, "Slot")
    assert found["id"] == slot["id"]
    assert found["status"] == "free"
    assert found["start"] == paris(in_days(1), "16:40").replace(":00+", ":00.000+")
    assert found["comment"] == f"{PUBLIC_URL}/agenda/creneaux/{slot['id']}"
    assert found["specialty"][0]["coding"][0]["code"] == "SM54"
    [practitioner] = _resources(bundle, "Practitioner")
    assert practitioner["identifier"][0]["value"] == "8" + gp["rpps"]
    assert practitioner["name"] == [{"family": gp["last_name"], "given": [gp["first_name"]]}]
    [role] = _resources(bundle, "PractitionerRole")
    assert role["contained"][0]["address"] == {
        "line": [gp["address"]],
        "city": gp["city"],
        "postalCode": gp["postal_code"],
    }
    assert role["telecom"] == [{"system": "phone", "value": "+33478000000"}]
    assert [e["search"]["mode"] for e in bundle["entry"]] == ["match"] + ["include"] * 5


def test_included_resources_follow_the_include_chains(sas, directory):
    gp = directory.professional()
    directory.slot(gp)

    def types(includes):
        bundle = sas.search(gp["rpps"], includes=includes).get_json()
        return [e["resource"]["resourceType"] for e in bundle["entry"]]

    core = ["Slot", "Schedule", "Practitioner", "PractitionerRole"]
    assert types((SCHEDULE, "Schedule:actor")) == core
    assert types((SCHEDULE, "Schedule:actor", SERVICE)) == [*core, "HealthcareService"]
    assert types((SCHEDULE, "Schedule:actor", SERVICE, ORGANIZATION)) == [
        *core,
        "HealthcareService",
        "Organization",
    ]
    # The organization is reached from the service: without it, nothing to iterate from.
    assert types((SCHEDULE, "Schedule:actor", ORGANIZATION)) == core


def test_the_three_date_forms_find_the_same_slots(sas, directory):
    gp = directory.professional()
    inside = directory.slot(gp, days=1, start="09:00", end="09:20")
    directory.slot(gp, days=4, start="09:00", end="09:20")  # beyond 72 hours
    lower, upper = utcnow(), utcnow() + dt.timedelta(hours=72)
    utc = "%Y-%m-%dT%H:%M:%S.000+00"
    local = "%Y-%m-%dT%H:%M:%S.000"
    forms = {
        "offset": window(72, start=lower),
        "+00": (f"ge{lower.strftime(utc)}", f"le{upper.strftime(utc)}"),
        "none (Paris)": (
            f"ge{lower.astimezone(PARIS).strftime(local)}",
            f"le{upper.astimezone(PARIS).strftime(local)}",
        ),
        "Z": (f"ge{lower:%Y-%m-%dT%H:%M:%SZ}", f"le{upper:%Y-%m-%dT%H:%M:%SZ}"),
    }
    for name, bounds in forms.items():
        response = sas.search(gp["rpps"], bounds=bounds)
        assert response.status_code == 200, (name, response.get_json())
        assert _slot_ids(response.get_json()) == [inside["id"]], name


def test_a_window_without_offset_is_paris_time(sas, directory):
    gp = directory.professional()
    slot = directory.slot(gp, days=2, start="10:00", end="10:20")
    day = in_days(2).isoformat()
    # 10:00 in Paris is 08:00 or 09:00 UTC: read as UTC, this window would miss it.
    hit = sas.search(gp["rpps"], bounds=(f"ge{day}T09:59:00.000", f"le{day}T10:01:00.000"))
    assert _slot_ids(hit.get_json()) == [slot["id"]]
    utc = sas.search(gp["rpps"], bounds=(f"ge{day}T09:59:00.000Z", f"le{day}T10:01:00.000Z"))
    assert _slot_ids(utc.get_json()) == []


def test_bounds_are_inclusive_with_ge_le_and_exclusive_with_gt_lt(sas, directory):
    gp = directory.professional()
    slot = directory.slot(gp, days=1, start="11:00", end="11:20")
    at = dt.datetime.fromisoformat(paris(in_days(1), "11:00"))
    iso = at.isoformat(timespec="milliseconds")
    later = (at + dt.timedelta(hours=1)).isoformat(timespec="milliseconds")
    assert _slot_ids(sas.search(gp["rpps"], bounds=(f"ge{iso}", f"le{later}")).get_json()) == [
        slot["id"]
    ]
    assert _slot_ids(sas.search(gp["rpps"], bounds=(f"gt{iso}", f"le{later}")).get_json()) == []
    earlier = (at - dt.timedelta(hours=1)).isoformat(timespec="milliseconds")
    assert _slot_ids(sas.search(gp["rpps"], bounds=(f"ge{earlier}", f"lt{iso}")).get_json()) == []
    assert _slot_ids(sas.search(gp["rpps"], bounds=(f"ge{earlier}", f"le{iso}")).get_json()) == [
        slot["id"]
    ]


def test_only_free_snp_slots_offered_to_the_sas_of_the_named_professionals(sas, directory, client):
    gp, colleague, other = (directory.professional() for _ in range(3))
    free = directory.slot(gp, start="08:00", end="08:20")
    booked = directory.slot(gp, start="08:20", end="08:40")
    withdrawn = directory.slot(gp, start="08:40", end="09:00")
    directory.slot(gp, start="09:00", end="09:20", sas_visible=False)
    directory.slot(gp, start="09:20", end="09:40", kind="teleconsultation")
    cancelled = directory.slot(gp, start="09:40", end="10:00")
    of_colleague = directory.slot(colleague, start="08:00", end="08:20")
    directory.slot(other, start="08:00", end="08:20")
    headers = directory.coordinator
    assert (
        client.post(
            f"/api/agenda/slots/{booked['id']}/booking", json=booking_body(), headers=headers
        ).status_code
        == 201
    )
    booking = client.post(
        f"/api/agenda/slots/{cancelled['id']}/booking", json=booking_body(), headers=headers
    ).get_json()
    assert client.delete(f"/api/agenda/bookings/{booking['id']}", headers=headers).status_code in (
        200,
        204,
    )
    assert client.delete(f"/api/agenda/slots/{withdrawn['id']}", headers=headers).status_code == 204
    bundle = sas.search(gp["rpps"], colleague["rpps"]).get_json()
    assert sorted(_slot_ids(bundle)) == sorted([free["id"], cancelled["id"], of_colleague["id"]])
    assert bundle["total"] == 3
    assert {p["identifier"][0]["value"] for p in _resources(bundle, "Practitioner")} == {
        "8" + gp["rpps"],
        "8" + colleague["rpps"],
    }


def test_slots_already_started_are_not_offered(sas_app, sas, directory):
    gp = directory.professional()
    slot = directory.slot(gp)
    with sas_app.app_context():
        stored = db.session.get(Slot, uuid.UUID(slot["id"]))
        stored.start_at = utcnow() - dt.timedelta(minutes=5)
        stored.end_at = utcnow() + dt.timedelta(minutes=15)
        db.session.commit()
    bundle = sas.search(gp["rpps"], bounds=window(72, start=utcnow() - dt.timedelta(hours=1)))
    assert bundle.get_json()["total"] == 0


def test_an_unknown_professional_or_one_without_street_address_gives_an_empty_searchset(
    sas, directory
):
    gp = directory.professional(address=None)
    directory.slot(gp)
    bundle = sas.search(gp["rpps"], "10000000009").get_json()
    assert bundle["total"] == 0
    assert bundle.get("entry", []) == []
    assert bundle["meta"]["profile"] == [PROFILES["Bundle"]]


def test_slots_come_soonest_first_each_professional_included_once(sas, directory):
    first, second = directory.professional(), directory.professional()
    late = directory.slot(first, days=2, start="10:00", end="10:20")
    early = directory.slot(second, days=1, start="10:00", end="10:20")
    middle = directory.slot(first, days=1, start="12:00", end="12:20")
    bundle = sas.search(first["rpps"], second["rpps"]).get_json()
    assert _slot_ids(bundle) == [early["id"], middle["id"], late["id"]]
    for resource_type in ("Schedule", "Practitioner", "PractitionerRole"):
        assert len(_resources(bundle, resource_type)) == 2
    assert len(_resources(bundle, "HealthcareService")) == 1
    assert len(_resources(bundle, "Organization")) == 1


def test_the_answer_never_carries_patient_data(sas, directory, client):
    gp = directory.professional()
    booked = directory.slot(gp, start="08:00", end="08:20")
    directory.slot(gp, start="09:00", end="09:20")
    body = booking_body(reason="Motif confidentiel Zorglub.")
    response = client.post(
        f"/api/agenda/slots/{booked['id']}/booking", json=body, headers=directory.coordinator
    )
    assert response.status_code == 201
    text = json.dumps(sas.search(gp["rpps"]).get_json(), ensure_ascii=False)
    patient = body["patient"]
    for secret in (
        patient["last_name"],
        patient["first_name"],
        patient["phone"],
        patient["address"]["line"],
        "Zorglub",
        booked["id"],
        response.get_json()["id"],
    ):
        assert secret not in text


def test_the_booking_page_named_in_comment_leads_to_the_booking_form_after_login(
    sas, directory, client, accounts
):
    gp = directory.professional()
    slot = directory.slot(gp)
    comment = _resources(sas.search(gp["rpps"]).get_json(), "Slot")[0]["comment"]
    path = comment.removeprefix(PUBLIC_URL)
    assert path == f"/agenda/creneaux/{slot['id']}"
    # The SAS appends where the regulator comes from.
    anonymous = client.get(path, query_string={"origin": "sas"})
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/?next=")
    log_in(client, accounts.create("professional")["X-Test-Email"])
    response = client.get(path, query_string={"origin": "sas"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/agenda/slots/{slot['id']}/book"
    assert client.get(response.headers["Location"]).status_code == 200


def test_the_self_link_repeats_the_parameters_applied(sas, directory):
    gp = directory.professional()
    directory.slot(gp)
    params = sas.query(gp["rpps"])
    bundle = sas.get(params).get_json()
    [link] = bundle["link"]
    assert link["relation"] == "self"
    assert link["url"].startswith(f"{PUBLIC_URL}/fhir/sas/Slot?")


def test_the_capability_statement_lists_the_slot_search(sas, client):
    response = client.get("/fhir/sas/metadata")
    assert response.status_code == 200
    statement = response.get_json()
    CapabilityStatement.model_validate(statement)
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    [resource] = statement["rest"][0]["resource"]
    assert resource["type"] == "Slot"
    assert resource["profile"] == PROFILES["Slot"]
    assert set(resource["searchInclude"]) == {SCHEDULE, "Schedule:actor", SERVICE, ORGANIZATION}


def test_without_a_configured_token_the_endpoint_is_open_outside_production(
    sas_app, client, directory
):
    configure(sas_app, sas_api_token=None)
    gp = directory.professional()
    directory.slot(gp)
    assert Sas(client).search(gp["rpps"]).status_code == 200
    assert Sas(client).get(Sas(client).query(gp["rpps"]), token=None).status_code == 200
    configure(sas_app, env="production")
    response = Sas(client).get(Sas(client).query(gp["rpps"]), token=None)
    assert response.status_code == 503
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "SAS_API_TOKEN" in response.get_json()["issue"][0]["diagnostics"]
