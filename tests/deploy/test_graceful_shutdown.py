"""SIGTERM to gunicorn: the request in flight finishes, then the server exits cleanly."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests

from shared.key_rotation import generate_key_spec
from tests.support import payloads
from tests.support.processes import BIN, ServiceProcess, plain_pg_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]
PORT = 18710


def _wait_until_blocked_on_a_lock(admin: psycopg.Connection, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = admin.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the request never reached the database")


def test_sigterm_lets_the_request_in_flight_finish(service_app, accounts, settings, tmp_path):
    # Production requires dedicated keys: the case is sealed with the ones the server gets.
    keys = generate_key_spec("arret")
    professional = accounts.create("professional")
    case = (
        service_app("orientation", encryption_keys=keys)
        .test_client()
        .post("/api/orientation/signalements", json=payloads.signalement(), headers=professional)
        .get_json()
    )
    database = plain_pg_url(settings.database_url)
    server = ServiceProcess(
        "orientation",
        [
            str(BIN / "gunicorn"),
            "-c",
            "python:shared.ops.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "1",
            "services.orientation.wsgi:app",
        ],
        {
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": database,
            "RELAIS_ENV": "production",
            "SECRET_KEY": settings.secret_key,
            "ENCRYPTION_KEYS": keys,
            "GRACEFUL_TIMEOUT": "20",
        },
        PORT,
        tmp_path,
    )
    server.start()
    outcome: dict[str, requests.Response] = {}
    with psycopg.connect(database) as blocker, psycopg.connect(database, autocommit=True) as admin:
        try:
            # Hold the cases table so the next request stays in flight until we let it go.
            blocker.execute("LOCK TABLE orientation_mt_cases IN ACCESS EXCLUSIVE MODE")
            request = threading.Thread(
                target=lambda: outcome.setdefault(
                    "response",
                    requests.get(
                        f"{server.url}/api/orientation/cases/{case['id']}",
                        headers=professional,
                        timeout=30,
                    ),
                )
            )
            request.start()
            _wait_until_blocked_on_a_lock(admin)
            server.terminate()
            time.sleep(1.0)
            assert server.process.poll() is None, "gunicorn exited with a request in flight"
            assert "response" not in outcome
        finally:
            blocker.rollback()
        request.join(timeout=30)
    assert outcome["response"].status_code == 200
    assert outcome["response"].json()["id"] == case["id"]
    assert server.process.wait(timeout=30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/healthz", timeout=2)
