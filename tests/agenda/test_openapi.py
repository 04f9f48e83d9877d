"""The agenda's OpenAPI document describes every endpoint of the issue."""

from __future__ import annotations


def test_openapi_lists_the_agenda_endpoints(client):
    response = client.get("/api/agenda/openapi.json")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    for path, method in [
        ("/api/agenda/slots", "post"),
        ("/api/agenda/slots", "get"),
        ("/api/agenda/slots/recurring", "post"),
        ("/api/agenda/slots/{slot_id}", "delete"),
        ("/api/agenda/slots/{slot_id}/booking", "post"),
        ("/api/agenda/bookings/{booking_id}", "delete"),
        ("/api/agenda/calendar/feed", "post"),
        ("/api/agenda/calendar/{token}.ics", "get"),
        ("/api/agenda/pairings", "post"),
        ("/api/agenda/pairings", "get"),
        ("/api/agenda/teleconsultations", "post"),
        ("/api/agenda/teleconsultations/{case_id}/transitions/{name}", "post"),
        ("/api/agenda/indicators", "get"),
    ]:
        assert method in paths[path], (path, method)
