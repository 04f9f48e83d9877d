"""Calendar feeds: a secret, revocable iCalendar address without patient identity."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from icalendar import Calendar

from tests.support import factories
from tests.support.agenda import booking_body, in_days, paris, publish


def _feed_path(client, headers) -> str:
    response = client.post("/api/agenda/calendar/feed", headers=headers)
    assert response.status_code == 201, response.get_json()
    return urlparse(response.get_json()["url"]).path


def test_gp_feed_parses_back_with_slots_and_no_patient_identity(client, accounts):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    day = in_days(2)
    free = publish(client, gp_headers, gp["id"], day=day, start="09:00", end="09:20").get_json()
    taken = publish(client, gp_headers, gp["id"], day=day, start="10:00", end="10:20").get_json()
    patient = booking_body()
    patient["reason"] = "Douleur thoracique atypique"
    pharmacist = accounts.create("professional")
    assert (
        client.post(
            f"/api/agenda/slots/{taken['id']}/booking", json=patient, headers=pharmacist
        ).status_code
        == 201
    )

    path = _feed_path(client, gp_headers)
    response = client.get(path)  # no Authorization header: the address is the credential
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"slot-{free['id']}@relais", f"slot-{taken['id']}@relais"}
    booked = events[f"slot-{taken['id']}@relais"]
    assert str(booked["summary"]) == "Soins non programmés — créneau réservé"
    assert booked.decoded("dtstart") == dt.datetime.fromisoformat(paris(day, "10:00"))
    text = response.data.decode()
    for secret in (
        patient["patient"]["last_name"],
        patient["patient"]["first_name"],
        patient["patient"]["phone"],
        patient["reason"],
    ):
        assert secret not in text


def test_bookers_feed_shows_their_bookings_with_the_gp(client, accounts):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator, last_name="Medecinfictif")
    slot = publish(client, coordinator, gp["id"], day=in_days(1)).get_json()
    pharmacist = accounts.create("professional")
    client.post(f"/api/agenda/slots/{slot['id']}/booking", json=booking_body(), headers=pharmacist)
    calendar = Calendar.from_ical(client.get(_feed_path(client, pharmacist)).data)
    [event] = calendar.walk("VEVENT")
    assert "Medecinfictif" in str(event["summary"])
    assert str(event["location"]).endswith("Lyon")


def test_revoked_or_rotated_addresses_stop_working(client, accounts):
    nurse = accounts.create("professional")
    first = _feed_path(client, nurse)
    second = _feed_path(client, nurse)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.delete("/api/agenda/calendar/feed", headers=nurse).status_code == 204
    assert client.get(second).status_code == 404
    assert client.delete("/api/agenda/calendar/feed", headers=nurse).status_code == 404


def test_an_unknown_address_is_404_and_reporting_has_no_feed(client, accounts):
    assert client.get("/api/agenda/calendar/not-a-token.ics").status_code == 404
    reporting = accounts.create("reporting")
    assert client.post("/api/agenda/calendar/feed", headers=reporting).status_code == 403
