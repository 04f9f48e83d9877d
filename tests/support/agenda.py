"""Helpers of the agenda tests: professionals, future times in Paris, a live server."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from shared.timeutil import PARIS, utcnow
from tests.support import payloads

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18300, 18320)


def paris(day: dt.date, hhmm: str) -> str:
    """`day` at `hhmm` in Paris, ISO 8601 with its offset."""
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=PARIS).isoformat()


def in_days(days: int) -> dt.date:
    """A Paris date `days` from today."""
    return (utcnow().astimezone(PARIS) + dt.timedelta(days=days)).date()


def register(client, headers, **overrides) -> dict:
    """Add a professional to the directory through the API (a GP in Lyon by default)."""
    response = client.post(
        "/api/agenda/professionals", json=payloads.professional(**overrides), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client, headers, professional_id, *, day, start="10:00", end="10:20", kind="snp"):
    """Publish one slot; returns the response (status not checked)."""
    return client.post(
        "/api/agenda/slots",
        json={
            "professional_id": professional_id,
            "start": paris(day, start),
            "end": paris(day, end),
            "kind": kind,
        },
        headers=headers,
    )


def booking_body(**overrides) -> dict:
    body = {"patient": payloads.patient(), "reason": "Fièvre depuis deux jours."}
    body.update(overrides)
    return body


def free_port() -> int:
    """A free port in the range given to the agenda engineer."""
    for port in PORTS:
        with contextlib.closing(socket.socket()) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300-18319")


@contextlib.contextmanager
def live_server(database_url: str, secret_key: str) -> Iterator[str]:
    """`relais serve agenda` on a free port of our range; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RELAIS_ENV": "test",
        "SECRET_KEY": secret_key,
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [str(Path(sys.executable).parent / "relais"), "serve", "agenda", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the agenda server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
