"""Hospital discharge cases with the DAC: transitions, the readiness gate, edits, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from services.orientation.discharges.models import (
    DischargeCase,
    DischargeHistory,
    DischargeProfessional,
)
from shared.timeutil import today_paris
from tests.support import factories as f

URL = "/api/orientation/discharges"


@pytest.fixture
def team(client, accounts):
    """DAC staff, the coordinator, and a GP and a nurse of the directory with their accounts."""
    coordinator = accounts.create("coordinator")
    gp, gp_headers = f.professional_account(client, accounts, coordinator, profession="gp")
    nurse, nurse_headers = f.professional_account(client, accounts, coordinator, profession="nurse")
    return {
        "dac": accounts.create("dac"),
        "coordinator": coordinator,
        "gp": gp,
        "nurse": nurse,
        "gp_headers": gp_headers,
        "nurse_headers": nurse_headers,
    }


def _fire(client, headers, case, name, body=None):
    return client.post(f"{URL}/{case['id']}/transitions/{name}", json=body or {}, headers=headers)


def test_discharge_goes_from_announced_to_followed_up_telling_the_city_professionals(
    app, client, team
):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"], team["nurse"]["id"])
    assert case["reference"].startswith("SH-")
    assert case["kind"] == "sortie_hospitalisation"
    assert case["state"] == "announced"
    assert case["missing"] == []
    assert [p["professional_id"] for p in case["city_professionals"]] == [
        team["gp"]["id"],
        team["nurse"]["id"],
    ]
    assert case["city_professionals"][0]["role"] == "médecin généraliste"
    assert case["allowed_transitions"] == ["prepare", "cancel"]

    assert _fire(client, dac, case, "prepare").get_json()["state"] == "preparing"
    ready = _fire(client, dac, case, "mark_ready")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["state"] == "ready"
    today = today_paris().isoformat()
    discharged = _fire(client, dac, case, "discharge", {"actual_date": today})
    assert discharged.get_json()["actual_discharge_date"] == today
    followed = _fire(
        client,
        team["coordinator"],
        case,
        "follow_up",
        {"outcome": "Appel à J+3 : douleur maîtrisée, pansement fait.", "issues_found": False},
    )
    body = followed.get_json()
    assert body["state"] == "followed_up"
    assert body["follow_up"]["outcome"].startswith("Appel à J+3")
    assert body["follow_up"]["readmitted"] is False
    assert body["version"] == 5
    assert [h["transition"] for h in body["history"]] == [
        "submit",
        "prepare",
        "mark_ready",
        "discharge",
        "follow_up",
    ]
    assert body["allowed_transitions"] == []

    expected = [team["gp"]["id"], team["nurse"]["id"]]
    ready_events = f.events(app, "sortie_hospitalisation.mark_ready")
    assert [e["city_professional_ids"] for e in ready_events] == [expected]
    discharge_events = f.events(app, "sortie_hospitalisation.discharge")
    assert discharge_events[0]["city_professional_ids"] == expected
    assert discharge_events[0]["actual_date"] == today


def test_mark_ready_is_refused_naming_each_missing_item(app, client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, complete=False)
    assert case["missing"] == [
        "date de sortie prévue",
        "compte rendu court",
        "ordonnance détaillée",
        "au moins un professionnel de ville",
    ]
    _fire(client, dac, case, "prepare")

    refused = _fire(client, dac, case, "mark_ready")

    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {
        "planned_discharge_date",
        "summary",
        "prescription",
        "city_professionals",
    }
    for label in case["missing"]:
        assert label in error["message"]
    again = client.get(f"{URL}/{case['id']}", headers=dac).get_json()
    assert again["state"] == "preparing"
    assert again["version"] == 2
    assert f.events(app, "sortie_hospitalisation.mark_ready") == []


def test_mark_ready_names_only_what_is_still_missing(client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["nurse"]["id"], prescription=None, state="preparing")

    refused = _fire(client, dac, case, "mark_ready").get_json()["error"]

    assert list(refused["fields"]) == ["prescription"]
    assert "ordonnance détaillée" in refused["message"]
    assert "compte rendu" not in refused["message"]


def test_patch_fills_the_gaps_bumps_the_version_and_writes_history(client, accounts, team):
    dac = team["dac"]
    case = f.discharge(client, dac, complete=False)
    planned = (today_paris() + dt.timedelta(days=2)).isoformat()

    patched = client.patch(
        f"{URL}/{case['id']}",
        json={
            "planned_discharge_date": planned,
            "summary": "Retour à domicile avec aide.",
            "prescription": "Kinésithérapie 2x/semaine.",
            "city_professionals": [
                {"professional_id": team["nurse"]["id"], "role": "IDE à domicile"}
            ],
            "home_services": ["ssiad", "portage_repas"],
        },
        headers={**dac, "If-Match": '"1"'},
    )

    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert body["version"] == 2
    assert patched.headers["ETag"] == '"2"'
    assert body["missing"] == []
    assert body["city_professionals"] == [
        {"professional_id": team["nurse"]["id"], "role": "IDE à domicile"}
    ]
    update = body["history"][-1]
    assert update["transition"] == "update"
    assert "date de sortie prévue" in update["comment"]
    audit = client.get(
        f"/api/orientation/audit?reference={case['reference']}",
        headers=accounts.create("admin"),
    ).get_json()["items"]
    assert "update" in [entry["action"] for entry in audit]


def test_a_patch_changing_nothing_is_audited_as_a_read(client, accounts, team):
    dac = team["dac"]
    case = f.discharge(client, dac, complete=False)
    admin = accounts.create("admin")

    def reads():
        audit = client.get(
            f"/api/orientation/audit?reference={case['reference']}", headers=admin
        ).get_json()["items"]
        return [entry["action"] for entry in audit].count("read")

    before = reads()
    same = client.patch(f"{URL}/{case['id']}", json={"summary": case["summary"]}, headers=dac)

    assert same.status_code == 200, same.get_json()
    assert same.get_json()["version"] == case["version"]
    assert reads() == before + 1


def test_a_patch_without_roles_keeps_the_roles_already_on_the_case(client, team):
    dac = team["dac"]
    case = f.discharge(
        client,
        dac,
        city_professionals=[{"professional_id": team["nurse"]["id"], "role": "IDE à domicile"}],
    )

    patched = client.patch(
        f"{URL}/{case['id']}",
        json={
            "city_professionals": [
                {"professional_id": team["nurse"]["id"]},
                {"professional_id": team["gp"]["id"]},
            ]
        },
        headers=dac,
    )

    assert patched.status_code == 200, patched.get_json()
    roles = {p["professional_id"]: p["role"] for p in patched.get_json()["city_professionals"]}
    assert roles[team["nurse"]["id"]] == "IDE à domicile"
    assert roles[team["gp"]["id"]] not in (None, "", "IDE à domicile")


def test_patch_with_a_stale_if_match_is_a_version_conflict_and_changes_nothing(app, client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"])
    _fire(client, dac, case, "prepare")  # version 2

    stale = client.patch(
        f"{URL}/{case['id']}", json={"summary": "Autre texte."}, headers={**dac, "If-Match": '"1"'}
    )

    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version_conflict"
    current = client.get(f"{URL}/{case['id']}", headers=dac).get_json()
    assert current["summary"] == case["summary"]
    assert current["version"] == 2
    assert f.count(app, DischargeHistory) == 2


def test_a_stale_if_match_on_a_transition_is_a_version_conflict(client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"], state="preparing")

    stale = _fire(client, {**dac, "If-Match": '"1"'}, case, "mark_ready")

    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "version_conflict"


def test_changing_the_planned_date_after_ready_tells_the_city_professionals(app, client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"])
    new_date = (today_paris() + dt.timedelta(days=1)).isoformat()
    client.patch(f"{URL}/{case['id']}", json={"planned_discharge_date": new_date}, headers=dac)
    assert f.events(app, "sortie_hospitalisation.date_changed") == []  # nobody told yet

    _fire(client, dac, case, "prepare")
    _fire(client, dac, case, "mark_ready")
    later = (today_paris() + dt.timedelta(days=4)).isoformat()
    response = client.patch(
        f"{URL}/{case['id']}", json={"planned_discharge_date": later}, headers=dac
    )

    assert response.status_code == 200, response.get_json()
    [event] = f.events(app, "sortie_hospitalisation.date_changed")
    assert event["previous_date"] == new_date
    assert event["planned_discharge_date"] == later
    assert event["city_professional_ids"] == [team["gp"]["id"]]


def test_a_ready_discharge_cannot_lose_what_made_it_ready(client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"], state="ready")

    refused = client.patch(f"{URL}/{case['id']}", json={"summary": None}, headers=dac)

    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["summary"]
    assert client.get(f"{URL}/{case['id']}", headers=dac).get_json()["summary"] == case["summary"]


def test_a_discharge_cannot_be_edited_once_it_happened(client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"], state="discharged")

    refused = client.patch(f"{URL}/{case['id']}", json={"notes": "Trop tard."}, headers=dac)

    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"home_services": ["ssiad", "jardinage"]}, "home_services.1"),
        ({"planned_discharge_date": "2099-01-01"}, "planned_discharge_date"),
        (
            {"admission_date": "2026-01-10", "planned_discharge_date": "2026-01-05"},
            "planned_discharge_date",
        ),
        (
            {"city_professionals": [{"professional_id": "00000000-0000-0000-0000-00000000abcd"}]},
            "city_professionals.0.professional_id",
        ),
        ({"hospital": {"service": "Cardiologie"}}, "hospital.name"),
    ],
    ids=[
        "unknown-home-service",
        "planned-more-than-a-year-away",
        "planned-before-admission",
        "professional-not-in-directory",
        "hospital-without-name",
    ],
)
def test_bad_discharge_input_is_refused_in_french_and_stores_nothing(
    app, client, team, changes, field
):
    body = f.discharge_body(team["gp"]["id"], **changes)

    response = client.post(URL, json=body, headers=team["dac"])

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"]
    assert all(message and message[0].isupper() for message in error["fields"][field])
    assert f.count(app, DischargeCase) == 0
    assert f.count(app, DischargeProfessional) == 0
    assert f.count(app, DischargeHistory) == 0


def test_a_bad_patch_stores_nothing(app, client, team):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"])
    unknown = "00000000-0000-0000-0000-00000000abcd"

    for body in (
        {"home_services": ["piscine"]},
        {"city_professionals": [{"professional_id": unknown}]},
        {"planned_discharge_date": "2020-01-01"},  # before the admission
    ):
        response = client.patch(f"{URL}/{case['id']}", json=body, headers=dac)
        assert response.status_code == 422, (body, response.get_json())

    current = client.get(f"{URL}/{case['id']}", headers=dac).get_json()
    assert current["version"] == 1
    assert current["home_services"] == ["ssiad"]
    assert [p["professional_id"] for p in current["city_professionals"]] == [team["gp"]["id"]]
    assert f.count(app, DischargeHistory) == 1


@pytest.mark.parametrize(
    "steps", [0, 1, 2, 3], ids=["announced", "preparing", "ready", "discharged"]
)
def test_a_discharge_can_be_cancelled_from_any_open_state(app, client, team, steps):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"])
    for name, body in [
        ("prepare", {}),
        ("mark_ready", {}),
        ("discharge", {"actual_date": today_paris().isoformat()}),
    ][:steps]:
        assert _fire(client, dac, case, name, body).status_code == 200

    cancelled = _fire(client, dac, case, "cancel", {"reason": "Transfert en SSR."})

    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["state"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "Transfert en SSR."
    assert _fire(client, dac, case, "cancel").status_code == 409


@pytest.mark.parametrize(
    ("steps", "name", "body"),
    [
        (0, "mark_ready", {}),
        (0, "discharge", {"actual_date": "2026-01-01"}),
        (1, "follow_up", {"outcome": "RAS"}),
        (1, "prepare", {}),
        (2, "mark_ready", {}),
        (3, "discharge", {"actual_date": "2026-01-01"}),
    ],
)
def test_transitions_out_of_order_are_invalid(client, team, steps, name, body):
    dac = team["dac"]
    case = f.discharge(client, dac, team["gp"]["id"])
    for step, step_body in [
        ("prepare", {}),
        ("mark_ready", {}),
        ("discharge", {"actual_date": today_paris().isoformat()}),
    ][:steps]:
        _fire(client, dac, case, step, step_body)

    response = _fire(client, dac, case, name, body)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


def test_the_actual_discharge_date_cannot_be_in_the_future_nor_before_admission(client, team):
    case = f.discharge(client, team["dac"], team["gp"]["id"], state="ready")
    tomorrow = (today_paris() + dt.timedelta(days=1)).isoformat()

    future = _fire(client, team["dac"], case, "discharge", {"actual_date": tomorrow})
    before = _fire(client, team["dac"], case, "discharge", {"actual_date": "2020-01-01"})
    missing = _fire(client, team["dac"], case, "discharge", {})

    assert future.status_code == before.status_code == missing.status_code == 422
    assert "actual_date" in future.get_json()["error"]["fields"]
    assert "actual_date" in before.get_json()["error"]["fields"]
    assert missing.get_json()["error"]["fields"]["actual_date"] == ["Ce champ est obligatoire."]


def test_follow_up_records_a_readmission_and_needs_an_outcome(app, client, team):
    dac = team["dac"]
    case = f.discharge(client, team["dac"], team["gp"]["id"], state="ready")
    _fire(client, dac, case, "discharge", {"actual_date": today_paris().isoformat()})

    assert _fire(client, dac, case, "follow_up", {}).status_code == 422
    done = _fire(
        client, dac, case, "follow_up", {"outcome": "Réhospitalisé à J+4.", "readmitted": True}
    ).get_json()

    assert done["follow_up"]["readmitted"] is True
    assert f.events(app, "sortie_hospitalisation.follow_up")[0]["readmitted"] is True


def test_a_planned_discharge_before_admission_is_reported_with_every_other_error(app, client, team):
    today = today_paris()
    body = f.discharge_body(
        team["gp"]["id"],
        admission_date=(today - dt.timedelta(days=2)).isoformat(),
        planned_discharge_date=(today - dt.timedelta(days=5)).isoformat(),
        home_services=["jardinage"],
        hospital={"service": "Gériatrie"},
    )
    body["patient"]["phone"] = "12"

    response = client.post(URL, json=body, headers=team["dac"])

    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {
        "planned_discharge_date",
        "home_services.0",
        "hospital.name",
        "patient.phone",
    }
    assert "précéder la date d'admission" in fields["planned_discharge_date"][0]
    assert f.count(app, DischargeCase) == 0
