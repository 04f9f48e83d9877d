"""Booking a slot for a patient: one winner, cancelling frees it, each sees what they should."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from services.agenda.bookings.models import Booking
from services.agenda.slots.models import Slot
from shared.audit.models import AuditEntry
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from tests.support import factories
from tests.support.agenda import booking_body, in_days, publish


@pytest.fixture
def setup(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    slot = publish(client, gp_headers, gp["id"], day=in_days(1)).get_json()
    return {
        "coordinator": coordinator,
        "gp": gp,
        "gp_headers": gp_headers,
        "slot": slot,
        "pharmacist": accounts.create("professional"),
    }


def _book(client, slot_id, headers, **overrides):
    return client.post(
        f"/api/agenda/slots/{slot_id}/booking", json=booking_body(**overrides), headers=headers
    )


def _bookings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Booking.id)))


def test_pharmacist_books_a_free_slot_and_the_gp_is_told(app, client, setup):
    response = _book(client, setup["slot"]["id"], setup["pharmacist"])
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["status"] == "active"
    assert booking["slot"]["id"] == setup["slot"]["id"]
    assert booking["slot"]["available"] is False
    assert booking["booked_by"]["email"] == setup["pharmacist"]["X-Test-Email"]
    with app.app_context():
        event = db.session.scalar(
            select(OutboxEvent).where(OutboxEvent.name == "agenda.booking_created")
        )
        assert event.payload == {
            "booking_id": booking["id"],
            "slot_id": setup["slot"]["id"],
            "professional_id": setup["gp"]["id"],
            "created_by": setup["pharmacist"]["X-Test-User-Id"],
        }


def test_booking_a_booked_slot_answers_409_and_stores_nothing(app, client, setup, accounts):
    assert _book(client, setup["slot"]["id"], setup["pharmacist"]).status_code == 201
    _, nurse = factories.professional_account(
        client, accounts, setup["coordinator"], profession="nurse"
    )
    second = _book(client, setup["slot"]["id"], nurse)
    assert second.status_code == 409
    assert second.get_json()["error"] == {
        "code": "slot_already_booked",
        "message": "Ce créneau est déjà réservé.",
    }
    assert _bookings(app) == 1


def test_cancelling_frees_the_slot_for_someone_else(app, client, setup, accounts):
    first = _book(client, setup["slot"]["id"], setup["pharmacist"]).get_json()
    cancelled = client.delete(f"/api/agenda/bookings/{first['id']}", headers=setup["pharmacist"])
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    free = client.get("/api/agenda/slots?available=true", headers=setup["pharmacist"]).get_json()
    assert [item["id"] for item in free["items"]] == [setup["slot"]["id"]]
    other = accounts.create("professional")
    assert _book(client, setup["slot"]["id"], other).status_code == 201
    with app.app_context():
        names = list(db.session.scalars(select(OutboxEvent.name).order_by(OutboxEvent.id)))
    assert names.count("agenda.booking_cancelled") == 1
    assert names.count("agenda.booking_created") == 2
    again = client.delete(f"/api/agenda/bookings/{first['id']}", headers=setup["pharmacist"])
    assert again.status_code == 409


def test_a_past_slot_cannot_be_booked(app, client, setup):
    with app.app_context():
        slot = db.session.scalar(select(Slot))
        slot.start_at -= dt.timedelta(days=3)
        slot.end_at -= dt.timedelta(days=3)
        db.session.commit()
    response = _book(client, setup["slot"]["id"], setup["pharmacist"])
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["slot"] == [
        "Ce créneau est déjà passé : il ne peut plus être réservé."
    ]
    assert _bookings(app) == 0


def test_bad_patient_or_missing_reason_is_refused_and_nothing_stored(app, client, setup):
    body = booking_body(reason="  ")
    body["patient"]["phone"] = "12"
    response = client.post(
        f"/api/agenda/slots/{setup['slot']['id']}/booking", json=body, headers=setup["pharmacist"]
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "reason" in fields and "patient.phone" in fields
    assert _bookings(app) == 0


def test_booking_an_unknown_or_withdrawn_slot_is_404(client, setup):
    client.delete(f"/api/agenda/slots/{setup['slot']['id']}", headers=setup["gp_headers"])
    response = _book(client, setup["slot"]["id"], setup["pharmacist"])
    assert response.status_code == 404


def test_gp_sees_who_booked_their_slots_and_bookers_only_their_own(client, setup, accounts):
    other_slot = publish(
        client, setup["gp_headers"], setup["gp"]["id"], day=in_days(1), start="11:00", end="11:20"
    ).get_json()
    mine = _book(client, setup["slot"]["id"], setup["pharmacist"]).get_json()
    other_booker = accounts.create("professional")
    theirs = _book(client, other_slot["id"], other_booker).get_json()

    gp_view = client.get("/api/agenda/bookings", headers=setup["gp_headers"]).get_json()
    assert {b["id"] for b in gp_view["items"]} == {mine["id"], theirs["id"]}
    assert {b["booked_by"]["email"] for b in gp_view["items"]} == {
        setup["pharmacist"]["X-Test-Email"],
        other_booker["X-Test-Email"],
    }
    assert all(b["patient"]["last_name"] for b in gp_view["items"])

    own = client.get("/api/agenda/bookings", headers=setup["pharmacist"]).get_json()
    assert [b["id"] for b in own["items"]] == [mine["id"]]
    hidden = client.get(f"/api/agenda/bookings/{theirs['id']}", headers=setup["pharmacist"])
    assert hidden.status_code == 404
    forbidden_cancel = client.delete(
        f"/api/agenda/bookings/{theirs['id']}", headers=setup["pharmacist"]
    )
    assert forbidden_cancel.status_code == 404


def test_the_gp_may_cancel_a_booking_on_their_slot(client, setup):
    booking = _book(client, setup["slot"]["id"], setup["pharmacist"]).get_json()
    response = client.delete(f"/api/agenda/bookings/{booking['id']}", headers=setup["gp_headers"])
    assert response.status_code == 200
    assert response.get_json()["cancelled_at"] is not None


def test_reporting_and_dac_cannot_book(client, setup, accounts):
    for role in ("reporting", "dac"):
        response = _book(client, setup["slot"]["id"], accounts.create(role))
        assert response.status_code == 403


def test_booking_reads_are_audited(app, client, setup):
    booking = _book(client, setup["slot"]["id"], setup["pharmacist"]).get_json()
    client.get(f"/api/agenda/bookings/{booking['id']}", headers=setup["gp_headers"])
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.reference == booking["id"].replace("-", "")
                )
            )
        )
    assert sorted(actions) == ["create", "read"]


@pytest.mark.postgres_only
def test_the_database_itself_refuses_a_second_active_booking_of_a_slot(app, client, setup):
    booking = _book(client, setup["slot"]["id"], setup["pharmacist"]).get_json()
    with app.app_context():
        original = db.session.get(Booking, uuid.UUID(booking["id"]))
        copy = Booking(
            **{
                column.key: getattr(original, column.key)
                for column in Booking.__table__.columns
                if column.key != "id"
            }
        )
        db.session.add(copy)
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
        db.session.rollback()
    # The partial unique index and the tstzrange exclusion both protect the slot.
    assert "uq_agenda_bookings_active_slot" in str(raised.value) or (
        "ex_agenda_bookings_no_overlap" in str(raised.value)
    )
    assert _bookings(app) == 1


@pytest.mark.postgres_only
def test_the_migration_installs_btree_gist_and_both_exclusion_constraints(app):
    with app.app_context():
        extensions = set(db.session.scalars(text("SELECT extname FROM pg_extension")))
        constraints = set(
            db.session.scalars(text("SELECT conname FROM pg_constraint WHERE contype = 'x'"))
        )
    assert "btree_gist" in extensions
    assert {"ex_agenda_slots_no_overlap", "ex_agenda_bookings_no_overlap"} <= constraints
