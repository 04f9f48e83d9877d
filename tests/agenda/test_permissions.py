"""Who may call which agenda endpoint (route level; record rules are tested with each concept)."""

from __future__ import annotations

import pytest

ZERO = "00000000-0000-4000-8000-000000000000"

FORBIDDEN = [
    # Publishing and withdrawing slots: "the gp, coordinator" (the contract), not the admin.
    (
        "post",
        "/api/agenda/slots",
        ("professional", "nurse", "midwife", "dac", "reporting", "admin"),
    ),
    ("post", "/api/agenda/slots/recurring", ("professional", "nurse", "reporting", "admin")),
    ("get", "/api/agenda/slots", ("dac", "reporting")),
    ("delete", f"/api/agenda/slots/{ZERO}", ("professional", "nurse", "reporting", "admin")),
    ("post", f"/api/agenda/slots/{ZERO}/booking", ("dac", "reporting", "admin")),
    ("get", "/api/agenda/bookings", ("dac", "reporting")),
    ("post", "/api/agenda/teleconsultations", ("gp", "coordinator", "professional", "dac")),
    ("get", "/api/agenda/teleconsultations", ("dac", "reporting")),
    ("post", "/api/agenda/pairings", ("gp", "professional", "reporting")),
    ("get", "/api/agenda/pairings", ("professional", "dac", "reporting")),
    ("post", "/api/agenda/calendar/feed", ("dac", "reporting")),
    ("get", "/api/agenda/indicators", ("gp", "nurse", "professional", "dac")),
]


@pytest.mark.parametrize(("method", "path", "roles"), FORBIDDEN)
def test_roles_outside_the_rule_get_403(client, accounts, method, path, roles):
    for role in roles:
        response = getattr(client, method)(path, json={}, headers=accounts.create(role))
        assert response.status_code == 403, (role, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "_roles"), FORBIDDEN)
def test_every_agenda_endpoint_needs_a_token(client, method, path, _roles):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401
