"""Cost of the operations layer (JSON access log + Prometheus counters) per API request.

Side by side in one run: the same app, the same authenticated `GET /api/orientation/cases`
(SQLite file, 20 cases), with the layer's request hooks and with them removed.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask

from bench.runner import size
from services.bootstrap import SCHEMA, create_app
from shared.auth.models import ApiToken, User, UserRole
from shared.auth.service import hash_token
from shared.extensions import db
from shared.migrations.runner import upgrade
from shared.ops.logs import JsonFormatter
from shared.settings import Settings
from shared.timeutil import utcnow

REQUESTS = size(400, 150)
ROUNDS = 5
GOAL_RATIO = 1.15


def _app(url: str) -> Flask:
    return create_app(settings=Settings(env="test", database_url=url, secret_key="bench-" * 8))


def _without_operations(app: Flask) -> Flask:
    for hooks in (app.before_request_funcs, app.after_request_funcs):
        for key, functions in hooks.items():
            hooks[key] = [f for f in functions if not f.__module__.startswith("shared.ops")]
    return app


def _token(app: Flask) -> str:
    with app.app_context():
        user = User(
            email="bench@relais.test", password_hash="x", role_rows=[UserRole(role="coordinator")]
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            ApiToken(
                token_hash=hash_token("bench-token"),
                user_id=user.id,
                expires_at=utcnow().replace(year=utcnow().year + 1),
            )
        )
        db.session.commit()
    return "bench-token"


def _seconds_per_request(app: Flask, headers: dict[str, str]) -> float:
    client = app.test_client()
    started = time.perf_counter()
    for _ in range(REQUESTS):
        assert client.get("/api/orientation/cases", headers=headers).status_code == 200
    return (time.perf_counter() - started) / REQUESTS


def run() -> list[dict]:
    """Median seconds per request with and without the layer, and their ratio."""
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-ops-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url, SCHEMA)
    with_ops = _app(url)
    without_ops = _without_operations(_app(url))
    headers = {"Authorization": f"Bearer {_token(with_ops)}"}
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - closed below
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        timings: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(ROUNDS):  # interleaved, so both sides see the same machine load
            timings["without"].append(_seconds_per_request(without_ops, headers))
            timings["with"].append(_seconds_per_request(with_ops, headers))
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.stream.close()
    base = statistics.median(timings["without"])
    measured = statistics.median(timings["with"])
    ratio = measured / base
    return [
        {
            "name": "operations_layer_overhead",
            "value": round(ratio, 3),
            "unit": "ratio",
            "goal": f"≤ {GOAL_RATIO}",
            "passed": ratio <= GOAL_RATIO,
            "with_ms": round(measured * 1000, 3),
            "without_ms": round(base * 1000, 3),
        }
    ]
