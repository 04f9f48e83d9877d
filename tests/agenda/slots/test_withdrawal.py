"""Withdrawing a slot looks at that slot's bookings only."""

from __future__ import annotations

from tests.support import factories
from tests.support.agenda import booking_body, in_days, publish


def test_a_free_slot_is_withdrawn_while_another_slot_is_booked(client, accounts):
    coordinator = accounts.create("coordinator")
    gp = factories.professional(client, coordinator)
    booked = publish(client, coordinator, gp["id"], day=in_days(2)).get_json()
    free = publish(client, coordinator, gp["id"], day=in_days(3)).get_json()
    response = client.post(
        f"/api/agenda/slots/{booked['id']}/booking", json=booking_body(), headers=coordinator
    )
    assert response.status_code == 201
    assert client.delete(f"/api/agenda/slots/{free['id']}", headers=coordinator).status_code == 204
    refused = client.delete(f"/api/agenda/slots/{booked['id']}", headers=coordinator)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "slot_already_booked"
