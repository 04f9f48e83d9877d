"""Agenda pages through Flask's test client: search, booking in two clicks, a GP's slots."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from services.agenda.bookings.models import Booking
from services.agenda.bookings.reads import booked_on_query
from services.agenda.slots.models import Slot
from shared.extensions import db
from tests.support import factories
from tests.support.agenda import booking_body, in_days, publish
from tests.support.web import log_in


def _booked_on(**where) -> int:
    """The count the GP's task shows: `booked_on_query` run on its own."""
    return db.session.scalar(booked_on_query(**where))


PATIENT_FORM = {
    "patient.last_name": "Reservnom",
    "patient.first_name": "Prénomtest",
    "patient.birth_date": "1970-05-02",
    "patient.sex": "F",
    "patient.phone": "06 12 34 56 78",
    "patient.address.line": "3 rue des Essais",
    "patient.address.postal_code": "69003",
    "patient.address.city": "Lyon",
    "reason": "Fièvre depuis deux jours.",
}


def _free_slot(client, accounts, days=2, **professional):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator, **professional)
    response = publish(client, coordinator, gp["id"], day=in_days(days))
    assert response.status_code == 201, response.get_json()
    return gp, response.get_json()


def _search(client, **args):
    query = {
        "city": "Lyon",
        "start_date": in_days(0).isoformat(),
        "end_date": in_days(7).isoformat(),
        "radius_km": "30",
        **args,
    }
    return client.get("/agenda/", query_string=query)


def test_search_lists_free_slots_near_the_commune_with_a_booking_link(client, accounts):
    gp, slot = _free_slot(client, accounts)
    log_in(client, accounts.create("professional")["X-Test-Email"])
    response = _search(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "1 créneau libre autour de Lyon" in html
    assert f"/agenda/slots/{slot['id']}/book" in html
    assert gp["last_name"] in html


def test_search_far_away_finds_nothing_and_unknown_commune_is_a_field_error(client, accounts):
    _free_slot(client, accounts)
    log_in(client, accounts.create("professional")["X-Test-Email"])
    html = _search(client, city="Marseille", radius_km="5").get_data(as_text=True)
    assert "Aucun créneau libre" in html
    response = _search(client, city="Villeintrouvable")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-city-error"' in html
    assert "Commune inconnue." in html


def test_agenda_pages_are_not_for_dac_or_reporting(client, accounts):
    log_in(client, accounts.create("dac")["X-Test-Email"])
    assert client.get("/agenda/").status_code == 403
    assert client.get("/agenda/my-slots").status_code == 403


def test_invalid_booking_shows_french_errors_and_stores_nothing(client, accounts, app):
    _, slot = _free_slot(client, accounts)
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form = {**PATIENT_FORM, "csrf_token": token, "patient.phone": "12"}
    del form["reason"]
    response = client.post(f"/agenda/slots/{slot['id']}/book", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-reason-error"' in html
    assert 'id="f-patient-phone-error"' in html
    assert factories.count(app, Booking) == 0


def test_booking_in_two_clicks_then_listed_and_cancellable(client, accounts, app):
    _, slot = _free_slot(client, accounts)
    token = log_in(client, accounts.create("professional")["X-Test-Email"])
    form_page = client.get(f"/agenda/slots/{slot['id']}/book").get_data(as_text=True)
    assert "Réserver ce créneau" in form_page
    form = {**PATIENT_FORM, "csrf_token": token, "reason": "<b>douleur</b>"}
    response = client.post(f"/agenda/slots/{slot['id']}/book", data=form)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mes réservations (1)" in html
    assert "&lt;b&gt;douleur&lt;/b&gt;" in html
    assert "<b>douleur</b>" not in html
    booking_id = re.search(r'data-booking="([^"]+)"', html).group(1)
    again = client.post(f"/agenda/slots/{slot['id']}/book", data=form)
    assert again.status_code == 303  # taken: back to the search with a notice
    assert "vient d&#39;être réservé" in client.get("/agenda/").get_data(as_text=True)
    assert factories.count(app, Booking) == 1
    cancel = client.post(f"/agenda/bookings/{booking_id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == 303
    assert "Mes réservations (0)" in client.get("/agenda/bookings").get_data(as_text=True)


def test_gp_publishes_withdraws_and_sees_who_booked_what(client, accounts, app):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    token = log_in(client, gp_headers["X-Test-Email"])
    day = in_days(3).isoformat()
    bad = client.post(
        "/agenda/my-slots",
        data={
            "csrf_token": token,
            "date": day,
            "start_time": "11:00",
            "end_time": "10:00",
            "kind": "snp",
        },
    )
    assert bad.status_code == 422
    assert "La fin du créneau doit être postérieure à son début." in bad.get_data(as_text=True)
    assert factories.count(app, Slot) == 0
    ok = client.post(
        "/agenda/my-slots",
        data={
            "csrf_token": token,
            "date": day,
            "start_time": "10:00",
            "end_time": "10:20",
            "kind": "snp",
        },
    )
    assert ok.status_code == 303
    series = client.post(
        "/agenda/my-slots/recurring",
        data={
            "csrf_token": token,
            "weekday": "2",
            "start_time": "14:00",
            "end_time": "15:00",
            "slot_minutes": "20",
            "weeks": "2",
            "kind": "snp",
        },
    )
    assert series.status_code == 303, series.get_data(as_text=True)
    html = client.get("/agenda/my-slots").get_data(as_text=True)
    slot_ids = re.findall(r'data-slot="([^"]+)"', html)
    assert len(slot_ids) >= 5
    booked = slot_ids[0]
    response = client.post(
        f"/api/agenda/slots/{booked}/booking", json=booking_body(), headers=coordinator
    )
    assert response.status_code == 201
    refused = client.post(f"/agenda/my-slots/{booked}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 303
    assert "annulez d&#39;abord la réservation" in client.get("/agenda/my-slots").get_data(
        as_text=True
    )
    withdrawn = client.post(f"/agenda/my-slots/{slot_ids[1]}/withdraw", data={"csrf_token": token})
    assert withdrawn.status_code == 303
    html = client.get("/agenda/my-slots").get_data(as_text=True)
    assert slot_ids[1] not in html
    bookings = client.get("/agenda/bookings").get_data(as_text=True)
    assert "Patients réservés sur mes créneaux (1)" in bookings
    assert coordinator["X-Test-Email"] in bookings


def test_booked_today_count_is_per_professional_and_per_paris_day(client, accounts, app):
    import uuid

    gp, slot = _free_slot(client, accounts)
    coordinator = accounts.create("coordinator")
    booked = client.post(
        f"/api/agenda/slots/{slot['id']}/booking", json=booking_body(), headers=coordinator
    )
    assert booked.status_code == 201, booked.get_json()
    with app.app_context():
        professional_id = uuid.UUID(gp["id"])
        assert _booked_on(professional_id=professional_id, day=in_days(2)) == 1
        assert _booked_on(professional_id=professional_id, day=in_days(1)) == 0
        assert _booked_on(professional_id=uuid.uuid4(), day=in_days(2)) == 0
    client.delete(f"/api/agenda/bookings/{booked.get_json()['id']}", headers=coordinator)
    with app.app_context():
        assert _booked_on(professional_id=professional_id, day=in_days(2)) == 0


# On 28 March 2027 the clocks go from 02:00 to 03:00; on 31 October 2027, from 03:00 back to 02:00.
SPRING_CHANGE, AUTUMN_CHANGE = "2027-03-28", "2027-10-31"


def _publish_one(client, token, day, start, end):
    return client.post(
        "/agenda/my-slots",
        data={
            "csrf_token": token,
            "date": day,
            "start_time": start,
            "end_time": end,
            "kind": "snp",
        },
    )


def _logged_in_gp(client, accounts):
    coordinator = accounts.create("coordinator")
    _, headers = factories.professional_account(client, accounts, coordinator)
    return headers, log_in(client, headers["X-Test-Email"])


def test_a_slot_at_a_time_the_spring_change_skips_is_refused_and_nothing_stored(
    client, accounts, app
):
    _headers, token = _logged_in_gp(client, accounts)
    start_gap = _publish_one(client, token, SPRING_CHANGE, "02:30", "03:30")
    html = start_gap.get_data(as_text=True)
    assert start_gap.status_code == 422
    assert 'id="one-f-start-time-error"' in html
    assert "L&#39;heure 02:30 n&#39;existe pas le 28/03/2027" in html
    assert "Choisissez une heure avant 2 h ou à partir de 3 h." in html
    both = _publish_one(client, token, SPRING_CHANGE, "02:00", "02:40").get_data(as_text=True)
    assert 'id="one-f-start-time-error"' in both and 'id="one-f-end-time-error"' in both
    end_gap = _publish_one(client, token, SPRING_CHANGE, "01:40", "02:10")
    assert end_gap.status_code == 422
    assert 'id="one-f-end-time-error"' in end_gap.get_data(as_text=True)
    assert factories.count(app, Slot) == 0
    # Around the gap the same night is fine: 01:30 winter time to 03:00 summer time is 30 min.
    assert _publish_one(client, token, SPRING_CHANGE, "01:30", "03:00").status_code == 303
    with app.app_context():
        slot = db.session.scalar(select(Slot))
        assert slot.end_at - slot.start_at == dt.timedelta(minutes=30)


def test_a_slot_in_the_repeated_autumn_hour_is_its_first_occurrence(client, accounts, app):
    headers, token = _logged_in_gp(client, accounts)
    assert _publish_one(client, token, AUTUMN_CHANGE, "02:30", "02:50").status_code == 303
    with app.app_context():
        slot = db.session.scalar(select(Slot))
        # Summer time, the first time the clock shows 02:30 (as calendar applications read it).
        assert slot.start_at == dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)
        assert slot.end_at - slot.start_at == dt.timedelta(minutes=20)
    listed = client.get("/api/agenda/slots", headers=headers).get_json()
    assert [item["start"] for item in listed["items"]] == ["2027-10-31T02:30:00+02:00"]
    # The second 02:30 (winter time) is an instant of its own, which the API takes with its offset.
    second = client.post(
        "/api/agenda/slots",
        json={
            "start": "2027-10-31T02:30:00+01:00",
            "end": "2027-10-31T02:50:00+01:00",
            "kind": "snp",
        },
        headers=headers,
    )
    assert second.status_code == 201, second.get_json()
    assert second.get_json()["start"] == "2027-10-31T02:30:00+01:00"
