"""One open case per patient: by NIR, else by names and birth date."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.orientation.medecin_traitant.service import FOLLOWED_ALREADY
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import current_relay
from tests.support import payloads
from tests.support.factories import MT, table_counts


def _signalement_for(patient: dict) -> dict:
    body = payloads.signalement()
    body["patient"] = patient
    return body


def _post(world, body):
    return world.client.post(f"{MT}/signalements", json=body, headers=world.submitter)


def _assert_duplicate_of(world, response, existing: dict, before: dict) -> None:
    body = response.get_json()
    assert response.status_code == 409, body
    assert body["error"]["code"] == "duplicate"
    assert existing["reference"] in body["error"]["message"]
    assert body["error"]["reference"] == existing["reference"]
    assert table_counts(world.app) == before


def test_same_nir_with_an_open_case_is_a_duplicate(world):
    nir = payloads.make_nir()
    first = world.submit(_signalement_for(payloads.patient(nir=nir)))
    before = table_counts(world.app)
    # Different names and birth day (the NIR holds only the year and month): the NIR alone
    # identifies the patient.
    again = _signalement_for(payloads.patient(nir=nir, birth_date="1950-03-28"))
    _assert_duplicate_of(world, _post(world, again), first, before)


def test_without_nir_same_names_and_birth_date_is_a_duplicate_ignoring_accents_and_case(world):
    first = world.submit(
        _signalement_for(payloads.patient(nir=None, last_name="Lefèvre", first_name="Hélène-Marie"))
    )
    before = table_counts(world.app)
    again = _signalement_for(
        payloads.patient(nir=None, last_name="LEFEVRE", first_name=" helene marie ")
    )
    _assert_duplicate_of(world, _post(world, again), first, before)


def test_a_case_with_nir_blocks_the_same_identity_sent_without_nir(world):
    first = world.submit(
        _signalement_for(payloads.patient(last_name="Durandtest", first_name="Léa"))
    )
    before = table_counts(world.app)
    again = _signalement_for(payloads.patient(nir=None, last_name="Durandtest", first_name="Lea"))
    _assert_duplicate_of(world, _post(world, again), first, before)


def _attempts(app) -> list[OutboxEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxEvent).where(OutboxEvent.name == "medecin_traitant.duplicate_attempt")
            )
        )


def test_another_professional_learns_no_reference_and_the_coordination_is_told(world, accounts):
    nir = payloads.make_nir()
    first = world.submit(_signalement_for(payloads.patient(nir=nir)))
    nurse = accounts.create("nurse")
    response = world.client.post(
        f"{MT}/signalements", json=_signalement_for(payloads.patient(nir=nir)), headers=nurse
    )
    assert response.status_code == 409
    assert response.get_json() == {"error": {"code": "duplicate", "message": FOLLOWED_ALREADY}}
    assert first["reference"] not in response.get_data(as_text=True)
    [attempt] = _attempts(world.app)
    assert attempt.reference == first["reference"]
    assert attempt.payload["actor_email"] == nurse["X-Test-Email"]
    assert attempt.payload["actor_user_id"] == nurse["X-Test-User-Id"]
    with world.app.app_context():
        current_relay().relay_due()
    inbox = world.client.get("/api/notifications/inbox", headers=world.coordinator).get_json()
    [notice] = [i for i in inbox["items"] if i["title"].startswith("Signalement en doublon")]
    assert notice["title"] == f"Signalement en doublon {first['reference']}"
    assert nurse["X-Test-Email"] in notice["body"]
    assert attempt.payload["attempted_at"] in notice["body"]


def test_the_answer_to_a_stranger_is_the_same_whoever_the_patient_is(world, accounts):
    """Two different known patients give byte-identical answers: nothing to compare."""
    nurse = accounts.create("nurse")
    answers = []
    for _ in range(2):
        body = _signalement_for(payloads.patient(nir=payloads.make_nir()))
        world.submit(body)
        answers.append(world.client.post(f"{MT}/signalements", json=body, headers=nurse))
    assert [a.status_code for a in answers] == [409, 409]
    assert answers[0].get_data() == answers[1].get_data()
    assert len(_attempts(world.app)) == 2


def test_the_submitter_is_told_the_reference_and_nobody_is_notified(world):
    nir = payloads.make_nir()
    first = world.submit(_signalement_for(payloads.patient(nir=nir)))
    response = _post(world, _signalement_for(payloads.patient(nir=nir)))
    assert response.get_json()["error"]["reference"] == first["reference"]
    assert _attempts(world.app) == []


def test_same_names_but_another_birth_date_is_another_patient(world):
    world.submit(_signalement_for(payloads.patient(nir=None, last_name="Martintest")))
    other = _signalement_for(
        payloads.patient(nir=None, last_name="Martintest", birth_date="1951-03-14")
    )
    assert _post(world, other).status_code == 201


@pytest.mark.parametrize("final", ["cancelled", "oriented"])
def test_a_closed_case_does_not_block_a_new_signalement(world, final):
    nir = payloads.make_nir()
    closed = world.case_in(final, _signalement_for(payloads.patient(nir=nir)))
    assert closed["state"] == final
    again = _post(world, _signalement_for(payloads.patient(nir=nir)))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["reference"] != closed["reference"]


@pytest.mark.parametrize("state", ["triaged", "proposed", "accepted", "on_hold_from_submitted"])
def test_every_open_state_blocks_a_new_signalement(world, state):
    nir = payloads.make_nir()
    open_case = world.case_in(state, _signalement_for(payloads.patient(nir=nir)))
    before = table_counts(world.app)
    _assert_duplicate_of(
        world, _post(world, _signalement_for(payloads.patient(nir=nir))), open_case, before
    )
