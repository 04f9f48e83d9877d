"""Fixtures of the notifications tests: a real SMTP server process, the run's Redis database
(or a private `redis-server` a test may restart), `relais worker` processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from tests.support.notifications import configure, wait_for
from tests.support.servers import free_port
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
            "SWEEP_INTERVAL_SECONDS": str(settings.sweep_interval_seconds),
            "WORKER_HEARTBEAT_SECONDS": str(settings.worker_heartbeat_seconds),
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

    def start(self, log: Path | None = None, *, fork: bool = False) -> subprocess.Popen:
        """A long-running worker (`--fork` when `fork`); its output goes to `log` when given."""
        with open(log or os.devnull, "ab") as output:
            return subprocess.Popen(
                [str(ROOT / ".venv/bin/relais"), "worker", *(["--fork"] if fork else [])],
                env=self.env(),
                start_new_session=True,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @staticmethod
    def kill(worker: subprocess.Popen) -> None:
        """SIGKILL the worker with its work-horse and scheduler, as when their container is
        killed (the work-horse runs in a process group of its own, so `killpg` would miss it)."""
        family = [worker.pid, *_descendants(worker.pid)]
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)

    @staticmethod
    def stop(worker: subprocess.Popen) -> None:
        """SIGTERM, then SIGKILL whatever is left if it does not stop in time."""
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                WorkerRunner.kill(worker)


def _descendants(pid: int) -> list[int]:
    """Every live process below `pid` (Linux `/proc`)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):
            children += [int(child) for child in (task / "children").read_text().split()]
    return [grandchild for child in children for grandchild in (child, *_descendants(child))]


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


class PrivateRedis:
    """A `redis-server` of the test's own on a free port, without persistence, which the test
    may kill and restart (never the machine's shared Redis, which other runs use)."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Redis:
        return Redis.from_url(self.url)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        client = self.client()
        wait_for(lambda: _answers(client), what="the private Redis to start")
        client.close()

    def kill(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _answers(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except RedisError:
        return False


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(free_port())
    server.start()
    yield server
    server.kill()
