"""Fixtures of the notifications tests: a real SMTP server process, Redis DB 14, RQ workers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis

from tests.support.notifications import configure
from tests.support.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded(app: Flask, smtp: SmtpSink) -> Flask:
    """The test app in embedded mode (no Redis), sending e-mails to the sink."""
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    return app


class WorkerRunner:
    """Runs `relais worker` as its own process, against the test database and the run's
    Redis database."""

    def __init__(self, app: Flask, redis_url: str):
        self.app = app
        self.redis_url = redis_url

    def env(self) -> dict[str, str]:
        settings = self.app.config["RELAIS_SETTINGS"]
        return {
            **os.environ,
            "RELAIS_ENV": "test",
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": self.redis_url,
            "SMTP_URL": settings.smtp_url or "",
            "SECRET_KEY": settings.secret_key,
            "PUBLIC_URL": settings.public_url,
            "DELIVERY_RETRY_SECONDS": ",".join(map(str, settings.delivery_retry_seconds)),
            "OUTBOX_REDISPATCH_SECONDS": str(settings.outbox_redispatch_seconds),
            "DELIVERY_LEASE_SECONDS": str(settings.delivery_lease_seconds),
            "SMTP_TIMEOUT_SECONDS": str(settings.smtp_timeout_seconds),
        }

    def burst(self) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(ROOT / ".venv/bin/relais"), "worker", "--burst"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [str(ROOT / ".venv/bin/relais"), "worker"],
            env=self.env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@pytest.fixture
def queued(app: Flask, smtp: SmtpSink, redis_db: Redis, redis_url: str) -> Flask:
    """The test app with `REDIS_URL` set (the run's database): commits enqueue, workers
    deliver."""
    configure(
        app,
        redis_url=redis_url,
        smtp_url=smtp.url,
        public_url="https://relais.example",
        delivery_retry_seconds=(0, 0),
        outbox_redispatch_seconds=1,
        delivery_lease_seconds=2,
        smtp_timeout_seconds=5,
    )
    return app


@pytest.fixture
def workers(app: Flask, redis_url: str) -> WorkerRunner:
    return WorkerRunner(app, redis_url)
