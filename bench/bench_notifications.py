"""Notifications throughput and latency, measured against RQ itself in the same run.

- `notification_ratio`: notifications delivered per second (one inbox entry + one e-mail to a
  local SMTP sink per event) on a burst of events, divided by RQ no-op jobs per second on a burst
  of the same size with the same number of `relais worker --burst` processes. Goal ≥ 0.5.
- `notification_p95_latency`: p95 of commit → e-mail `sent` under a steady 20 events/s.

Uses its own PostgreSQL database and Redis DB 14 (flushed), and SMTP port 18210.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from redis import Redis
from sqlalchemy import func, select

from bench.redis_lease import leased_redis_url
from services.bootstrap import SCHEMA, SERVICES, create_app
from services.notifications.models import Delivery
from shared.auth.service import create_user
from shared.db import unit_of_work
from shared.extensions import db
from shared.migrations.runner import upgrade
from shared.outbox.emit import emit
from shared.outbox.relay import event_queue
from shared.settings import Settings
from shared.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "relais_bench_notifications"
SMTP_PORT = 18210
BURST = int(os.environ.get("BENCH_NOTIFICATIONS_BURST", "5000"))
WORKERS = int(os.environ.get("BENCH_NOTIFICATIONS_WORKERS", "2"))
RATE = 20  # events per second for the latency figure
STEADY_SECONDS = int(os.environ.get("BENCH_NOTIFICATIONS_STEADY_SECONDS", "15"))


def _database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _drop_database() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def _worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "RELAIS_ENV": "development",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "SMTP_URL": settings.smtp_url or "",
        "SECRET_KEY": settings.secret_key,
    }


def _burst_workers(settings: Settings) -> float:
    """Run WORKERS burst workers until the queue is empty; returns the wall time."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/relais"), "worker", "--burst"],
            env=_worker_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.wait(timeout=1800)
    return time.perf_counter() - started


def _sent(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        )


def _emit_events(count: int, professional_id: uuid.UUID) -> list[tuple[uuid.UUID, float]]:
    committed = []
    for _ in range(count):
        with unit_of_work():
            event = emit(
                "medecin_traitant.propose",
                reference="MT-2026-000001",
                payload={
                    "case_id": str(uuid.uuid4()),
                    "professional_id": str(professional_id),
                    "actor_user_id": str(uuid.UUID(int=0)),
                    "created_by": str(uuid.UUID(int=0)),
                },
            )
        committed.append((event.id, time.time()))
    return committed


def run() -> list[dict]:
    """Both figures, measured side by side, in a Redis database leased to this run."""
    with leased_redis_url() as redis_url:
        return _measure(redis_url)


def _measure(redis_url: str) -> list[dict]:
    redis = Redis.from_url(redis_url)
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-smtp-"))
    sink = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests/support/smtp_sink.py"),
            "--port",
            str(SMTP_PORT),
            "--dir",
            str(folder),
        ]
    )
    try:
        while not (folder / "ready").exists():
            time.sleep(0.05)
        url = _database()
        upgrade(url, SCHEMA)
        settings = Settings(
            env="development",
            database_url=url,
            redis_url=redis_url,
            smtp_url=f"smtp://127.0.0.1:{SMTP_PORT}",
            secret_key="bench-secret-key-not-for-production",  # noqa: S106
        )
        app = create_app(SERVICES, settings)
        with app.app_context():
            gp_id = uuid.uuid4()
            create_user(
                email="medecin.bench@relais.test",
                password="bench-password-long-enough",  # noqa: S106
                roles=["gp"],
                professional_id=gp_id,
            )
            queue = event_queue(redis)
            for _ in range(BURST):
                queue.enqueue("services.notifications.jobs.noop", result_ttl=60)
        noop_seconds = _burst_workers(settings)
        noop_rate = BURST / noop_seconds
        redis.flushdb()

        with app.app_context():
            _emit_events(BURST, gp_id)  # each commit enqueues its job (REDIS_URL is set)
        notify_seconds = _burst_workers(settings)
        delivered = _sent(app)
        notification_rate = delivered / notify_seconds
        ratio = notification_rate / noop_rate

        latency = _steady_latency(app, settings, gp_id)
        return [
            {
                "name": "notification_ratio",
                "value": round(ratio, 3),
                "unit": "ratio",
                "goal": ">= 0.5",
                "passed": ratio >= 0.5,
                "notifications_per_s": round(notification_rate, 1),
                "events_per_s": round(BURST / notify_seconds, 1),
                "noop_jobs_per_s": round(noop_rate, 1),
                "event_ratio": round((BURST / notify_seconds) / noop_rate, 3),
                "notifications_delivered": delivered,
                "burst": BURST,
                "workers": WORKERS,
            },
            latency,
        ]
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        redis.flushdb()
        _drop_database()


def _steady_latency(app, settings: Settings, gp_id: uuid.UUID) -> dict:
    workers = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/relais"), "worker"],
            env=_worker_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    try:
        time.sleep(3)  # let the workers import the app before the clock starts
        committed: list[tuple[uuid.UUID, float]] = []
        with app.app_context():
            start = time.perf_counter()
            for index in range(RATE * STEADY_SECONDS):
                committed += _emit_events(1, gp_id)
                pause = start + (index + 1) / RATE - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            ids = [event_id for event_id, _ in committed]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sent = dict(
                    db.session.execute(
                        select(Delivery.event_id, Delivery.sent_at).where(
                            Delivery.event_id.in_(ids),
                            Delivery.channel == "email",
                            Delivery.status == "sent",
                        )
                    ).all()
                )
                db.session.rollback()
                if len(sent) == len(ids):
                    break
                time.sleep(0.5)
        latencies = sorted(
            sent[event_id].timestamp() - at for event_id, at in committed if event_id in sent
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else float("nan")
    return {
        "name": "notification_p95_latency",
        "value": round(p95, 3),
        "unit": "s",
        "goal": "reported",
        "passed": len(latencies) == len(committed),
        "events": len(committed),
        "delivered": len(latencies),
        "rate_per_s": RATE,
        "median_s": round(statistics.median(latencies), 3) if latencies else None,
        "measured_at": utcnow().isoformat(),
    }
