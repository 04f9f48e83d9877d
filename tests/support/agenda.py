"""Helpers of the agenda tests: slots, future times in Paris, a live server (people and
cases come from `tests.support.factories`)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from bench.live_server import live_server as serve
from shared.timeutil import PARIS, utcnow
from tests.support import payloads
from tests.support.factories import paris

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


@contextlib.contextmanager
def live_server(database_url: str, secret_key: str) -> Iterator[str]:
    """`relais serve agenda` on a free port of the agenda engineer's range."""
    with serve(
        service="agenda", database_url=database_url, secret_key=secret_key, ports=PORTS
    ) as base:
        yield base
