"""Publishing and withdrawing slots; bad input refused in French with nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from services.agenda.slots.models import Slot
from shared.extensions import db
from tests.support import factories
from tests.support.agenda import booking_body, in_days, paris, publish


def _slot_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Slot.id)))


@pytest.fixture
def gp(client, accounts):
    coordinator = accounts.create("coordinator")
    professional, headers = factories.professional_account(client, accounts, coordinator)
    return {"professional": professional, "headers": headers, "coordinator": coordinator}


def test_gp_publishes_a_slot_shown_in_paris_time(client, gp):
    day = in_days(3)
    response = publish(client, gp["headers"], gp["professional"]["id"], day=day)
    assert response.status_code == 201, response.get_json()
    slot = response.get_json()
    assert slot["start"] == paris(day, "10:00")
    assert slot["kind"] == "snp"
    assert slot["available"] is True
    assert slot["professional"]["id"] == gp["professional"]["id"]


def test_gp_may_leave_out_their_own_professional_id(client, gp):
    day = in_days(3)
    response = client.post(
        "/api/agenda/slots",
        json={"start": paris(day, "09:00"), "end": paris(day, "09:30"), "kind": "snp"},
        headers=gp["headers"],
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["professional_id"] == gp["professional"]["id"]


def test_slots_are_stored_in_utc(app, client, gp):
    day = in_days(3)
    publish(client, gp["headers"], gp["professional"]["id"], day=day, start="10:00")
    with app.app_context():
        stored = db.session.scalar(select(Slot.start_at))
    expected = dt.datetime.fromisoformat(paris(day, "10:00")).astimezone(dt.UTC)
    assert stored == expected
    assert stored.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("11:00", "10:00", "end", "La fin du créneau doit être postérieure à son début."),
        ("10:00", "10:00", "end", "La fin du créneau doit être postérieure à son début."),
        ("08:00", "12:30", "end", "Un créneau dure 4 heures au maximum."),
    ],
)
def test_bad_time_ranges_are_refused_and_nothing_is_stored(
    app, client, gp, start, end, field, message
):
    response = publish(
        client, gp["headers"], gp["professional"]["id"], day=in_days(2), start=start, end=end
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == [message]
    assert _slot_count(app) == 0


def test_a_slot_in_the_past_is_refused(app, client, gp):
    response = publish(client, gp["headers"], gp["professional"]["id"], day=in_days(-1))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["start"] == [
        "Un créneau ne peut pas commencer dans le passé."
    ]
    assert _slot_count(app) == 0


def test_overlapping_slots_of_one_professional_are_refused(app, client, gp):
    day = in_days(4)
    pid = gp["professional"]["id"]
    assert (
        publish(client, gp["headers"], pid, day=day, start="10:00", end="10:30").status_code == 201
    )
    overlapping = publish(client, gp["headers"], pid, day=day, start="10:15", end="10:45")
    assert overlapping.status_code == 422
    error = overlapping.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "chevauche" in error["fields"]["start"][0]
    # Back-to-back slots do not overlap.
    assert (
        publish(client, gp["headers"], pid, day=day, start="10:30", end="11:00").status_code == 201
    )
    assert _slot_count(app) == 2


def test_two_professionals_may_publish_the_same_hours(client, gp, accounts):
    other = factories.professional(client, gp["coordinator"])
    day = in_days(4)
    assert publish(client, gp["headers"], gp["professional"]["id"], day=day).status_code == 201
    assert publish(client, gp["coordinator"], other["id"], day=day).status_code == 201


@pytest.mark.postgres_only
def test_the_database_refuses_overlapping_slots_even_without_the_service(app, client, gp):
    day = in_days(5)
    publish(client, gp["headers"], gp["professional"]["id"], day=day, start="10:00", end="10:30")
    with app.app_context():
        slot = db.session.scalar(select(Slot))
        with pytest.raises(Exception, match="ex_agenda_slots_no_overlap"):
            db.session.execute(
                text(
                    "INSERT INTO agenda_slots (id, professional_id, kind, start_at, end_at, "
                    "created_by, created_at) VALUES (gen_random_uuid(), :pid, 'snp', "
                    ":start + interval '10 minutes', :end + interval '10 minutes', :by, now())"
                ),
                {
                    "pid": slot.professional_id,
                    "start": slot.start_at,
                    "end": slot.end_at,
                    "by": slot.created_by,
                },
            )
        db.session.rollback()
    assert _slot_count(app) == 1


def test_gp_cannot_publish_for_another_professional(app, client, gp):
    other = factories.professional(client, gp["coordinator"])
    response = publish(client, gp["headers"], other["id"], day=in_days(2))
    assert response.status_code == 403
    assert _slot_count(app) == 0


def test_unknown_professional_is_refused(app, client, gp):
    response = publish(
        client, gp["coordinator"], "00000000-0000-4000-8000-000000000000", day=in_days(2)
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["professional_id"] == [
        "Professionnel introuvable dans l'annuaire."
    ]


def test_unknown_kind_and_missing_offset_are_refused(app, client, gp):
    day = in_days(2)
    response = client.post(
        "/api/agenda/slots",
        json={
            "start": f"{day}T10:00:00",
            "end": paris(day, "10:20"),
            "kind": "urgence",
        },
        headers=gp["headers"],
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["start"] == ["Précisez le fuseau horaire (par ex. +01:00)."]
    assert "kind" in fields
    assert _slot_count(app) == 0


def test_withdrawing_a_free_slot_removes_it_from_the_agenda(client, gp):
    slot = publish(client, gp["headers"], gp["professional"]["id"], day=in_days(2)).get_json()
    assert (
        client.delete(f"/api/agenda/slots/{slot['id']}", headers=gp["headers"]).status_code == 204
    )
    assert client.get(f"/api/agenda/slots/{slot['id']}", headers=gp["headers"]).status_code == 404
    # The same hours may be published again.
    again = publish(client, gp["headers"], gp["professional"]["id"], day=in_days(2))
    assert again.status_code == 201


def test_withdrawing_a_booked_slot_is_refused(client, gp, accounts):
    slot = publish(client, gp["headers"], gp["professional"]["id"], day=in_days(2)).get_json()
    pharmacist = accounts.create("professional")
    booked = client.post(
        f"/api/agenda/slots/{slot['id']}/booking", json=booking_body(), headers=pharmacist
    )
    assert booked.status_code == 201
    response = client.delete(f"/api/agenda/slots/{slot['id']}", headers=gp["headers"])
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slot_already_booked"


def test_gp_cannot_withdraw_another_gps_slot(client, gp, accounts):
    slot = publish(client, gp["headers"], gp["professional"]["id"], day=in_days(2)).get_json()
    _, other_headers = factories.professional_account(client, accounts, gp["coordinator"])
    response = client.delete(f"/api/agenda/slots/{slot['id']}", headers=other_headers)
    assert response.status_code == 403
