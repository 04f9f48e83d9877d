"""Helpers of the agenda tests: slots, future times in Paris, a live server (people and
cases come from `tests.support.factories`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from bench.live_server import live_server as serve
from shared.timeutil import PARIS, utcnow
from tests.support import payloads
from tests.support.factories import paris, professional

PORTS = range(18300, 18320)


def in_days(days: int) -> dt.date:
    """A Paris date `days` from today."""
    return (utcnow().astimezone(PARIS) + dt.timedelta(days=days)).date()


def publish(
    client, headers, professional_id, *, day, start="10:00", end="10:20", kind="snp", **body
):
    """Publish one slot (`body` adds fields, e.g. `sas_visible`); returns the response (status
    not checked)."""
    return client.post(
        "/api/agenda/slots",
        json={
            "professional_id": professional_id,
            "start": paris(day, start),
            "end": paris(day, end),
            "kind": kind,
            **body,
        },
        headers=headers,
    )


def booking_body(**overrides) -> dict:
    body = {"patient": payloads.patient(), "reason": "Fièvre depuis deux jours."}
    body.update(overrides)
    return body


def booked_slots(client, accounts, coordinator, hours=("09", "10", "11")) -> None:
    """One GP's slots at `hours` in three days, each booked by a different professional."""
    gp = professional(client, coordinator)["id"]
    for hour in hours:
        slot = publish(
            client, coordinator, gp, day=in_days(3), start=f"{hour}:00", end=f"{hour}:20"
        )
        assert slot.status_code == 201
        booked = client.post(
            f"/api/agenda/slots/{slot.get_json()['id']}/booking",
            json=booking_body(),
            headers=accounts.create("professional"),
        )
        assert booked.status_code == 201


@contextlib.contextmanager
def live_server(database_url: str, secret_key: str) -> Iterator[str]:
    """`relais serve agenda` on a free port of the agenda engineer's range."""
    with serve(
        service="agenda", database_url=database_url, secret_key=secret_key, ports=PORTS
    ) as base:
        yield base
