"""EPP referrals to midwives: referral, assignment, answer, completion, suggestions, lateness."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.orientation.epp.models import EppHistory, EppReferral
from services.orientation.epp.service import FOLLOWED_ALREADY
from shared.db import unit_of_work
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import current_relay
from shared.timeutil import today_paris
from tests.support import factories as f
from tests.support import payloads

URL = "/api/orientation/epp-referrals"


@pytest.fixture
def people(client, accounts):
    coordinator = accounts.create("coordinator")
    midwife, midwife_headers = f.professional_account(
        client, accounts, coordinator, profession="midwife"
    )
    other, other_headers = f.professional_account(
        client,
        accounts,
        coordinator,
        profession="midwife",
        postal_code="69100",
        city="Villeurbanne",
    )
    gp = f.professional(client, coordinator, profession="gp")
    return {
        "coordinator": coordinator,
        "pharmacist": accounts.create("professional"),
        "midwife": midwife,
        "other": other,
        "gp": gp,
        "midwife_headers": midwife_headers,
        "other_headers": other_headers,
    }


def _assigned(client, people, **overrides):
    """A referral of the pharmacist's, assigned by the coordinator to `midwife`."""
    return f.epp_referral(
        client,
        people["pharmacist"],
        state="assigned",
        coordinator=people["coordinator"],
        midwife=(people["midwife"], people["midwife_headers"]),
        **overrides,
    )


def _fire(client, headers, referral, name, body=None):
    return client.post(
        f"{URL}/{referral['id']}/transitions/{name}", json=body or {}, headers=headers
    )


def test_a_pharmacist_refers_and_a_midwife_takes_it_to_a_completed_epp(app, client, people):
    referral = f.epp_referral(client, people["pharmacist"], weeks=9)
    assert referral["reference"].startswith("EPP-")
    assert referral["kind"] == "epp"
    assert referral["state"] == "submitted"
    assert referral["pregnancy"]["weeks"] == 9
    assert referral["late"] is False
    assert referral["allowed_transitions"] == ["cancel"]

    coordinator = people["coordinator"]
    suggestions = client.get(f"{URL}/{referral['id']}/suggestions", headers=coordinator)
    assert suggestions.status_code == 200, suggestions.get_json()
    ranked = [s["professional"]["id"] for s in suggestions.get_json()]
    assert ranked == [people["midwife"]["id"], people["other"]["id"]]  # Lyon before Villeurbanne

    midwife_id = people["midwife"]["id"]
    assigned = _fire(client, coordinator, referral, "assign", {"professional_id": midwife_id})
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["assigned_professional_id"] == midwife_id
    midwife = people["midwife_headers"]
    assert client.get(f"{URL}/{referral['id']}", headers=midwife).get_json()[
        "allowed_transitions"
    ] == ["accept", "decline"]
    accepted = _fire(client, midwife, referral, "accept", {})
    assert accepted.get_json()["state"] == "accepted"
    done = _fire(client, midwife, referral, "complete", {"epp_date": today_paris().isoformat()})

    body = done.get_json()
    assert body["state"] == "completed"
    assert body["epp_date"] == today_paris().isoformat()
    assert [h["transition"] for h in body["history"]] == ["submit", "assign", "accept", "complete"]
    assert body["version"] == 4
    for name in ("assign", "accept"):
        assert f.events(app, f"epp.{name}")[0]["professional_id"] == midwife_id


def test_a_midwife_who_declines_is_never_suggested_nor_assigned_again(app, client, people):
    referral = f.epp_referral(client, people["pharmacist"])
    coordinator = people["coordinator"]
    midwife_id = people["midwife"]["id"]
    _fire(client, coordinator, referral, "assign", {"professional_id": midwife_id})

    assert _fire(client, people["midwife_headers"], referral, "decline", {}).status_code == 422
    declined = _fire(
        client, people["midwife_headers"], referral, "decline", {"reason": "Congé maternité."}
    )

    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["state"] == "submitted"
    assert declined.get_json()["assigned_professional_id"] is None
    assert f.events(app, "epp.decline")[0]["professional_id"] == midwife_id
    suggestions = client.get(f"{URL}/{referral['id']}/suggestions", headers=coordinator).get_json()
    assert [s["professional"]["id"] for s in suggestions] == [people["other"]["id"]]
    again = _fire(client, coordinator, referral, "assign", {"professional_id": midwife_id})
    assert again.status_code == 422
    assert "déjà refusé" in again.get_json()["error"]["fields"]["professional_id"][0]
    # She no longer sees the referral either.
    assert (
        client.get(f"{URL}/{referral['id']}", headers=people["midwife_headers"]).status_code == 404
    )


def test_the_next_midwife_sees_neither_who_declined_nor_why(client, people):
    referral = f.epp_referral(client, people["pharmacist"])
    coordinator = people["coordinator"]
    _fire(client, coordinator, referral, "assign", {"professional_id": people["midwife"]["id"]})
    reason = "Motif-de-refus-de-la-premiere-sage-femme"
    _fire(client, people["midwife_headers"], referral, "decline", {"reason": reason})
    assigned = _fire(
        client, coordinator, referral, "assign", {"professional_id": people["other"]["id"]}
    )
    assert assigned.status_code == 200, assigned.get_json()

    seen = client.get(f"{URL}/{referral['id']}", headers=people["other_headers"])
    text = seen.get_data(as_text=True)
    assert people["midwife_headers"]["X-Test-Email"] not in text
    assert reason not in text
    [decline] = [e for e in seen.get_json()["history"] if e["transition"] == "decline"]
    assert (decline["by"], decline["comment"]) == (None, None)
    full = client.get(f"{URL}/{referral['id']}", headers=coordinator).get_json()
    [decline] = [e for e in full["history"] if e["transition"] == "decline"]
    assert (decline["by"], decline["comment"]) == (
        people["midwife_headers"]["X-Test-Email"],
        reason,
    )


def test_only_the_assigned_midwife_answers(client, people):
    referral = _assigned(client, people)

    assert _fire(client, people["other_headers"], referral, "accept").status_code == 404
    assert _fire(client, people["coordinator"], referral, "accept").status_code == 403
    assert _fire(client, people["pharmacist"], referral, "accept").status_code == 403


@pytest.mark.parametrize(
    ("target", "message"),
    [("gp", "n'est pas sage-femme"), ("unknown", "n'existe pas dans l'annuaire")],
)
def test_assigning_someone_who_is_not_a_midwife_is_refused(app, client, people, target, message):
    referral = f.epp_referral(client, people["pharmacist"])
    professional_id = (
        people["gp"]["id"] if target == "gp" else "00000000-0000-0000-0000-00000000abcd"
    )

    response = _fire(
        client, people["coordinator"], referral, "assign", {"professional_id": professional_id}
    )

    assert response.status_code == 422
    assert message in response.get_json()["error"]["fields"]["professional_id"][0]
    current = client.get(f"{URL}/{referral['id']}", headers=people["coordinator"]).get_json()
    assert current["state"] == "submitted"
    assert current["version"] == 1
    assert f.count(app, EppHistory) == 1


def _patient(sex="F"):
    return f.epp_referral_body()["patient"] | {"sex": sex}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"patient": _patient("M")}, "patient.sex"),
        ({"pregnancy": {"start_date": "2099-01-01"}}, "pregnancy.start_date"),
        ({"pregnancy": {"start_date": "2020-01-01"}}, "pregnancy.start_date"),
        ({"pregnancy": {"weeks": 43}}, "pregnancy.weeks"),
        ({"pregnancy": {"weeks": -1}}, "pregnancy.weeks"),
        ({"pregnancy": {}}, "pregnancy"),
        ({"pregnancy": {"weeks": 8, "start_date": "2026-10-01"}}, "pregnancy"),
        ({"preferred_professional_id": "00000000-0000-0000-0000-00000000abcd"}, None),
    ],
    ids=[
        "sex-m",
        "start-in-future",
        "more-than-42-weeks",
        "weeks-above-42",
        "negative-weeks",
        "no-pregnancy-data",
        "both-start-and-weeks",
        "preferred-not-in-directory",
    ],
)
def test_bad_referrals_are_refused_in_french_and_store_nothing(app, client, people, body, field):
    payload = f.epp_referral_body() | body

    response = client.post(URL, json=payload, headers=people["pharmacist"])

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert (field or "preferred_professional_id") in error["fields"]
    assert f.count(app, EppReferral) == 0
    assert f.count(app, EppHistory) == 0


def test_every_error_of_a_referral_is_reported_at_once(app, client, people):
    patient = payloads.patient(sex="M", phone="12")
    payload = f.epp_referral_body(patient=patient, pregnancy={"start_date": "01/09/2026"})

    response = client.post(URL, json=payload, headers=people["pharmacist"])

    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    # The woman-only rule and the pregnancy's own, beside the field errors; an invalid start
    # date is not taken for a missing one.
    assert set(fields) == {"patient.sex", "patient.phone", "pregnancy.start_date"}
    assert f.count(app, EppReferral) == 0


def test_a_preferred_professional_must_be_a_midwife(app, client, people):
    payload = f.epp_referral_body(preferred_professional_id=people["gp"]["id"])

    response = client.post(URL, json=payload, headers=people["pharmacist"])

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["preferred_professional_id"] == [
        "Ce professionnel n'est pas sage-femme."
    ]
    assert f.count(app, EppReferral) == 0


def test_a_second_open_referral_for_the_same_patient_is_a_duplicate(app, client, people):
    payload = f.epp_referral_body()
    first = client.post(URL, json=payload, headers=people["pharmacist"]).get_json()

    again = client.post(URL, json=payload, headers=people["coordinator"])

    assert again.status_code == 409
    assert first["reference"] in again.get_json()["error"]["message"]
    assert f.count(app, EppReferral) == 1


def test_another_professional_learns_no_reference_and_the_coordination_is_told(app, client, people):
    payload = f.epp_referral_body()
    first = client.post(URL, json=payload, headers=people["pharmacist"]).get_json()
    stranger = people["midwife_headers"]

    again = client.post(URL, json=payload, headers=stranger)

    assert again.status_code == 409
    assert again.get_json() == {"error": {"code": "duplicate", "message": FOLLOWED_ALREADY}}
    assert first["reference"] not in again.get_data(as_text=True)
    with app.app_context():
        [attempt] = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "epp.duplicate_attempt")
        ).all()
        assert attempt.reference == first["reference"]
        assert attempt.payload["actor_user_id"] == stranger["X-Test-User-Id"]
        current_relay().relay_due()
    inbox = client.get("/api/notifications/inbox", headers=people["coordinator"]).get_json()
    titles = [item["title"] for item in inbox["items"]]
    assert f"Demande d'entretien prénatal en doublon {first['reference']}" in titles
    assert f.count(app, EppReferral) == 1


def test_a_referral_without_nir_for_an_open_patient_is_a_duplicate(app, client, people):
    payload = f.epp_referral_body()
    first = client.post(URL, json=payload, headers=people["pharmacist"]).get_json()
    without_nir = {**payload, "patient": {**payload["patient"], "nir": None}}

    again = client.post(URL, json=without_nir, headers=people["coordinator"])

    assert again.status_code == 409
    assert again.get_json()["error"]["reference"] == first["reference"]
    assert f.count(app, EppReferral) == 1


def test_the_database_refuses_two_open_referrals_with_the_same_identity(app):
    patient = payloads.patient(birth_date=dt.date(1994, 6, 2), sex="F")
    with app.app_context():
        rows = []
        for n, nir in enumerate((patient["nir"], None)):
            referral = EppReferral(
                reference=f"EPP-TEST-{n}",
                state="submitted",
                created_by=uuid.uuid4(),
                pregnancy_start_date=dt.date(2026, 9, 1),
                weeks_at_referral=10,
                excluded_professional_ids=[],
            )
            referral.set_patient({**patient, "nir": nir})
            rows.append(referral)
        assert rows[0].patient_key != rows[1].patient_key

        with unit_of_work():
            db.session.add(rows[0])
        with pytest.raises(IntegrityError), unit_of_work():
            db.session.add(rows[1])


def test_the_referrer_may_cancel_only_while_submitted(client, people):
    mine = f.epp_referral(client, people["pharmacist"])
    assert _fire(client, people["pharmacist"], mine, "cancel").get_json()["state"] == "cancelled"

    assigned = _assigned(client, people)
    assert _fire(client, people["pharmacist"], assigned, "cancel").status_code == 403
    cancelled = _fire(client, people["coordinator"], assigned, "cancel", {"reason": "Déménagée."})
    assert cancelled.get_json()["state"] == "cancelled"
    assert _fire(client, people["coordinator"], assigned, "cancel").status_code == 409


def test_a_caller_who_may_never_fire_a_transition_is_refused_before_any_conflict(client, people):
    pharmacist, coordinator = people["pharmacist"], people["coordinator"]
    referral = f.epp_referral(client, pharmacist)
    assign = {"professional_id": people["midwife"]["id"]}

    stale = _fire(client, {**pharmacist, "If-Match": '"99"'}, referral, "assign", assign)
    assert stale.status_code == 403
    assert stale.get_json()["error"]["code"] == "forbidden"

    _fire(client, coordinator, referral, "cancel", {"reason": "Déménagée."})
    wrong_state = _fire(client, pharmacist, referral, "assign", assign)
    assert wrong_state.status_code == 403
    assert wrong_state.get_json()["error"]["code"] == "forbidden"


def test_an_allowed_caller_still_gets_the_conflicts(client, people):
    pharmacist, coordinator = people["pharmacist"], people["coordinator"]
    referral = f.epp_referral(client, pharmacist)
    assign = {"professional_id": people["midwife"]["id"]}

    unknown = _fire(client, pharmacist, referral, "teleport")
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (
        409,
        "invalid_transition",
    )
    stale = _fire(client, {**coordinator, "If-Match": '"99"'}, referral, "assign", assign)
    assert (stale.status_code, stale.get_json()["error"]["code"]) == (409, "version_conflict")
    _fire(client, coordinator, referral, "cancel", {"reason": "Déménagée."})
    wrong_state = _fire(client, coordinator, referral, "assign", assign)
    assert (wrong_state.status_code, wrong_state.get_json()["error"]["code"]) == (
        409,
        "invalid_transition",
    )


def test_completion_needs_a_plausible_epp_date(client, people):
    referral = _assigned(client, people, weeks=10)
    midwife = people["midwife_headers"]
    assert (
        _fire(client, midwife, referral, "complete", {"epp_date": "2026-01-01"}).status_code == 409
    )
    _fire(client, midwife, referral, "accept")

    tomorrow = (today_paris() + dt.timedelta(days=1)).isoformat()
    long_ago = (today_paris() - dt.timedelta(weeks=20)).isoformat()
    assert _fire(client, midwife, referral, "complete", {"epp_date": tomorrow}).status_code == 422
    before = _fire(client, midwife, referral, "complete", {"epp_date": long_ago})
    assert before.status_code == 422
    assert "début de la grossesse" in before.get_json()["error"]["fields"]["epp_date"][0]


def test_a_stale_if_match_on_a_referral_is_a_version_conflict(client, people):
    referral = f.epp_referral(client, people["pharmacist"])
    headers = {**people["coordinator"], "If-Match": '"7"'}

    response = _fire(
        client, headers, referral, "assign", {"professional_id": people["midwife"]["id"]}
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"


def test_referrals_past_16_weeks_are_flagged_late_and_listed_first(client, people):
    pharmacist = people["pharmacist"]
    early = f.epp_referral(client, pharmacist, weeks=8)
    late = f.epp_referral(client, pharmacist, weeks=20)
    exactly_16 = f.epp_referral(client, pharmacist, weeks=16)
    later = f.epp_referral(client, pharmacist, weeks=30)
    just_past = f.epp_referral(
        client,
        pharmacist,
        weeks=None,
        pregnancy={"start_date": (today_paris() - dt.timedelta(days=113)).isoformat()},
    )

    listed = client.get(URL, headers=people["coordinator"]).get_json()["items"]

    assert [r["id"] for r in listed] == [
        later["id"],
        late["id"],
        just_past["id"],
        early["id"],
        exactly_16["id"],
    ]
    assert [r["late"] for r in listed] == [True, True, True, False, False]
    only_late = client.get(f"{URL}?late=true", headers=pharmacist).get_json()
    assert only_late["total"] == 3


def test_suggestions_leave_out_midwives_without_room(client, people):
    coordinator = people["coordinator"]
    f.professional(client, coordinator, profession="midwife", accepts_new_patients=False)
    f.professional(client, coordinator, profession="midwife", new_patient_capacity=0)
    referral = f.epp_referral(client, people["pharmacist"])

    suggestions = client.get(f"{URL}/{referral['id']}/suggestions", headers=coordinator).get_json()

    assert {s["professional"]["id"] for s in suggestions} == {
        people["midwife"]["id"],
        people["other"]["id"],
    }
    assert suggestions[0]["distance_km"] < suggestions[1]["distance_km"]
    assert any("place(s)" in reason for reason in suggestions[0]["reasons"])


def test_the_preferred_midwife_comes_first_in_suggestions(client, people):
    referral = f.epp_referral(
        client, people["pharmacist"], preferred_professional_id=people["other"]["id"]
    )

    suggestions = client.get(
        f"{URL}/{referral['id']}/suggestions", headers=people["coordinator"]
    ).get_json()

    assert suggestions[0]["professional"]["id"] == people["other"]["id"]


def test_who_sees_a_referral(client, accounts, people):
    referral = f.epp_referral(client, people["pharmacist"])
    stranger = accounts.create("professional")

    assert client.get(f"{URL}/{referral['id']}", headers=people["pharmacist"]).status_code == 200
    assert client.get(f"{URL}/{referral['id']}", headers=stranger).status_code == 404
    assert client.get(URL, headers=stranger).get_json()["total"] == 0
    assert (
        client.get(f"{URL}/{referral['id']}", headers=people["midwife_headers"]).status_code == 404
    )
    _fire(
        client,
        people["coordinator"],
        referral,
        "assign",
        {"professional_id": people["midwife"]["id"]},
    )
    assert (
        client.get(f"{URL}/{referral['id']}", headers=people["midwife_headers"]).status_code == 200
    )
    assert client.get(URL, headers=people["other_headers"]).get_json()["total"] == 0
    assert (
        client.get(f"{URL}/{referral['id']}/suggestions", headers=people["pharmacist"]).status_code
        == 403
    )
