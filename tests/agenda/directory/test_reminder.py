"""The monthly reminder to volunteer GPs whose availability is older than a month."""

from __future__ import annotations

import datetime as dt

from services.agenda.directory.service import REMINDER_EVENT, remind_stale_availability
from shared.timeutil import utcnow
from tests.support import factories


def test_stale_gps_are_reminded_once_a_month_and_a_confirmation_resets_the_clock(
    app, client, accounts
):
    coordinator = accounts.create("coordinator")
    gp, gp_headers = factories.professional_account(client, accounts, coordinator)
    factories.professional(client, coordinator, profession="nurse")
    factories.professional(client, coordinator, accepts_new_patients=False)  # not a volunteer
    in_40_days = utcnow() + dt.timedelta(days=40)
    with app.app_context():
        assert remind_stale_availability(utcnow()) == 0
        assert remind_stale_availability(in_40_days) == 1
        assert remind_stale_availability(in_40_days + dt.timedelta(days=1)) == 0
    assert [e["professional_id"] for e in factories.events(app, REMINDER_EVENT)] == [gp["id"]]
    confirmed = client.patch(
        f"/api/agenda/professionals/{gp['id']}",
        json={"new_patient_capacity": gp["new_patient_capacity"]},
        headers=gp_headers,
    )
    assert confirmed.status_code == 200
    with app.app_context():
        assert remind_stale_availability(utcnow() + dt.timedelta(days=20)) == 0
