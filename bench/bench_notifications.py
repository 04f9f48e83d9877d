"""Notifications: delivery throughput against RQ itself, and delivery under a soak of the
signalement → triage → propose → accept flow.

- `notification_ratio`: notifications delivered per second by `relais worker --burst` (one
  inbox entry + one e-mail to a local SMTP sink per event, so two per event) divided by bare RQ
  no-op jobs per second on the same workers: `rq worker --burst --worker-class
  rq.worker.SimpleWorker`, the non-forking worker `relais worker` runs, same number of
  processes, same queue. Median of ROUNDS rounds; in each round that baseline, Relais and a
  second baseline (a sixth as many no-op jobs on RQ's default forking worker, reported as
  `ratio_vs_forking_noop`, which flatters Relais) run one after the other, so that the
  machine's noise hits all alike. Goal ≥ 0.5.
- `delivery_backlog_drain_seconds`: `relais run` (PostgreSQL, Redis) under CLIENTS clients
  doing the whole flow as fast as they can for SOAK_SECONDS with DELIVERY_WORKERS `relais
  worker` processes (the documented count: one per core), then the time until the outbox holds
  no pending event, waited for DRAIN_LIMIT_SECONDS at most. Goal ≤ 30 s after a 3-minute soak.
- `delivery_p95_seconds`: p95 of commit (outbox event written) → e-mail `sent` for the e-mails
  of the events committed during the soak. Goal ≤ 10 s.

Sizes from the environment: BENCH_NOTIFICATIONS_BURST (events per round, 3000; 1000 with
`--quick`), BENCH_NOTIFICATIONS_WORKERS (2), BENCH_NOTIFICATIONS_ROUNDS (3),
BENCH_DELIVERY_SOAK_SECONDS (180, 30 with `--quick`; the goals only hold for 180 or more),
BENCH_DELIVERY_CLIENTS (8),
BENCH_DELIVERY_WORKERS (one per core). Uses its own PostgreSQL database, a leased Redis
database, SMTP port 18210 and HTTP port 18220.
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests
from redis import Redis
from rq.registry import FinishedJobRegistry

from bench.accounts import token_account
from bench.bench_orientation import next_number, signalement
from bench.live_server import running
from bench.redis_lease import leased_redis_url
from bench.runner import size
from shared.outbox.relay import event_queue

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv/bin"
PG_ADMIN = os.environ.get("RELAIS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "relais_bench_notifications"
SMTP_PORT, HTTP_PORT = 18210, 18220
BURST = size(3000, 1000, env="BENCH_NOTIFICATIONS_BURST")
# The forking baseline is only reported: a fork per job makes it slow, fewer jobs tell its rate.
FORKING_BURST = max(100, BURST // 6)
WORKERS = int(os.environ.get("BENCH_NOTIFICATIONS_WORKERS", "2"))
ROUNDS = int(os.environ.get("BENCH_NOTIFICATIONS_ROUNDS", "3"))
SOAK_SECONDS = float(size(180, 30, env="BENCH_DELIVERY_SOAK_SECONDS"))
CLIENTS = int(os.environ.get("BENCH_DELIVERY_CLIENTS", "8"))
DELIVERY_WORKERS = int(os.environ.get("BENCH_DELIVERY_WORKERS", str(os.cpu_count() or 1)))
FULL_SOAK_SECONDS = 180
# Four times the goal: a backlog still there by then is reported as such, not waited for.
DRAIN_LIMIT_SECONDS = 120
GPS = 40  # proposals spread over this many GPs, so that no GP's capacity runs out
SECRET_KEY = secrets.token_urlsafe(32)


# --- infrastructure ----------------------------------------------------------------------------


@contextmanager
def _database() -> Iterator[str]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"
    try:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@contextmanager
def _smtp_sink() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="relais-bench-smtp-"))
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/support/smtp_sink.py"), "--port", str(SMTP_PORT)]
        + ["--dir", str(folder)]
    )
    try:
        while not (folder / "ready").exists():
            time.sleep(0.05)
        yield f"smtp://127.0.0.1:{SMTP_PORT}"
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def _env(database_url: str, redis_url: str, smtp_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "RELAIS_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": smtp_url,
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }


def _wait_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.wait(timeout=1800) != 0:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")


def _timed(commands: list[list[str]], env: dict[str, str], done: Callable[[], bool]) -> float:
    """Start the processes together; the wall time until `done()` says their work is done
    (polled every 50 ms), then wait for them to exit. Their start-up counts, their exit not:
    a bare `rq worker` may wait up to a minute for its command listener as it stops."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for command in commands
    ]
    while not done():
        if all(process.poll() is not None for process in processes):
            break  # exited without finishing: `_wait_all` tells why
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    _wait_all(processes)
    return seconds


def _sql(database_url: str, sql: str, *params) -> list[tuple]:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain) as conn:
        return list(conn.execute(sql, params))


# --- accounts ----------------------------------------------------------------------------------


def _app(database_url: str, redis_url: str | None = None, smtp_url: str | None = None):
    from services.bootstrap import SERVICES, create_app
    from shared.settings import Settings

    return create_app(
        SERVICES,
        Settings(
            env="development",
            database_url=database_url,
            redis_url=redis_url,
            smtp_url=smtp_url,
            secret_key=SECRET_KEY,
        ),
    )


# --- notification_ratio -----------------------------------------------------------------------


def _noop_round(
    redis_url: str, env: dict[str, str], worker_class: str | None, jobs: int = BURST
) -> float:
    """No-op jobs per second through bare `rq worker --burst` processes."""
    redis = Redis.from_url(redis_url)
    redis.flushdb()  # the jobs of the Relais round before, finished or not, are not these
    queue = event_queue(redis)
    with redis.pipeline() as pipeline:
        queue.enqueue_many(
            [queue.prepare_data("bench.noop_job.noop", result_ttl=60) for _ in range(jobs)],
            pipeline=pipeline,
        )
        pipeline.execute()
    command = [str(BIN / "rq"), "worker", "--burst", "--url", redis_url, "--serializer", "json"]
    command += ["--path", str(ROOT), "--quiet"]
    if worker_class:
        command += ["--worker-class", worker_class]
    finished = FinishedJobRegistry(queue=queue)
    seconds = _timed([[*command, queue.name]] * WORKERS, env, lambda: finished.count >= jobs)
    redis.flushdb()
    redis.close()
    return jobs / seconds


def _relais_round(
    app, env: dict[str, str], gp_id: uuid.UUID, database_url: str
) -> tuple[float, int]:
    """Notifications delivered per second by `relais worker --burst` processes, and how many."""
    from sqlalchemy import func, select

    from services.notifications.models import Delivery
    from shared.db import unit_of_work
    from shared.extensions import db
    from shared.outbox.emit import emit

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Delivery))
        for start in range(0, BURST, 100):
            with unit_of_work():  # each commit enqueues its events (REDIS_URL is set)
                for _ in range(min(100, BURST - start)):
                    emit(
                        "medecin_traitant.propose",
                        reference="MT-2026-000001",
                        payload={
                            "case_id": str(uuid.uuid4()),
                            "professional_id": str(gp_id),
                            "professional_ids": [str(gp_id)],
                            "actor_user_id": str(uuid.UUID(int=0)),
                            "created_by": str(uuid.UUID(int=0)),
                        },
                    )
        db.session.remove()
    plain = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as watcher:

        def confirmed() -> bool:
            pending = "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL"
            return watcher.execute(pending).fetchone() == (0,)

        seconds = _timed([[str(BIN / "relais"), "worker", "--burst"]] * WORKERS, env, confirmed)
    with app.app_context():
        delivered = (
            db.session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
            )
            - before
        )
        db.session.remove()
    return delivered / seconds, delivered


def notification_ratio(database_url: str, redis_url: str, smtp_url: str) -> dict:
    from shared.db import unit_of_work

    env = _env(database_url, redis_url, smtp_url)
    app = _app(database_url, redis_url, smtp_url)
    gp_id = uuid.uuid4()
    with app.app_context(), unit_of_work():
        token_account("gp", "medecin.ratio@bench.relais.test", gp_id)
    bare, relais, forking, delivered = [], [], [], 0
    for _ in range(ROUNDS):
        bare.append(_noop_round(redis_url, env, "rq.worker.SimpleWorker"))
        rate, count = _relais_round(app, env, gp_id, database_url)
        relais.append(rate)
        delivered += count
        forking.append(_noop_round(redis_url, env, None, FORKING_BURST))
    ratios = [r / b for r, b in zip(relais, bare, strict=True)]
    ratio = statistics.median(ratios)
    return {
        "name": "notification_ratio",
        "value": round(ratio, 3),
        "unit": "ratio",
        "goal": ">= 0.5",
        "passed": ratio >= 0.5 and delivered == 2 * BURST * ROUNDS,
        "ratios": [round(r, 3) for r in ratios],
        "notifications_per_s": round(statistics.median(relais), 1),
        "noop_jobs_per_s": round(statistics.median(bare), 1),
        "forking_noop_jobs_per_s": round(statistics.median(forking), 1),
        "ratio_vs_forking_noop": round(
            statistics.median(r / f for r, f in zip(relais, forking, strict=True)), 3
        ),
        "notifications_delivered": delivered,
        "burst": BURST,
        "forking_burst": FORKING_BURST,
        "workers": WORKERS,
        "rounds": ROUNDS,
    }


# --- the soak: delivery_backlog_drain_seconds and delivery_p95_seconds --------------------------


def _soak_people(app, base: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Tokens of a submitter and a coordinator, and (directory id, token) of GPS GPs."""
    from services.agenda.directory.schemas import MAX_CAPACITY
    from shared.db import unit_of_work
    from tests.support.payloads import professional

    with app.app_context(), unit_of_work():
        submitter = token_account("professional", "signalante@bench.relais.test")
        coordinator = token_account("coordinator", "coordination@bench.relais.test")
    headers = {"Authorization": f"Bearer {coordinator}"}
    entries = []
    for _ in range(GPS):
        response = requests.post(
            f"{base}/api/agenda/professionals",
            json=professional(new_patient_capacity=MAX_CAPACITY),
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        entries.append(response.json()["id"])
    gps = []
    with app.app_context(), unit_of_work():
        for index, entry in enumerate(entries):
            gps.append(
                (entry, token_account("gp", f"mt{index}@bench.relais.test", uuid.UUID(entry)))
            )
    return submitter, coordinator, gps


def _flow(base: str, submitter: str, coordinator: str, gps, stop: threading.Event, counts):
    """One client: signalement → triage → propose → accept, again and again."""
    session = requests.Session()
    as_submitter = {"Authorization": f"Bearer {submitter}"}
    as_coordinator = {"Authorization": f"Bearer {coordinator}"}
    turn = 0
    while not stop.is_set():
        gp_id, gp_token = gps[turn % len(gps)]
        turn += 1
        response = session.post(
            f"{base}/api/orientation/signalements",
            json=signalement(next_number(), "Soak", vulnerable=False),
            headers=as_submitter,
        )
        counts["requests"] += 1
        if response.status_code != 201:
            counts["errors"] += 1
            continue
        case = f"{base}/api/orientation/cases/{response.json()['id']}/transitions"
        steps = [
            ("triage", {"synthesis": "Patiente isolée."}, as_coordinator),
            ("propose", {"professional_id": gp_id}, as_coordinator),
            ("accept", {}, {"Authorization": f"Bearer {gp_token}"}),
        ]
        for name, body, headers in steps:
            response = session.post(f"{case}/{name}", json=body, headers=headers)
            counts["requests"] += 1
            if response.status_code != 200:
                counts["errors"] += 1
                break


def _wait_for_workers(redis_url: str, count: int, timeout: float = 300) -> None:
    """Wait until `count` workers have registered with Redis (they built their app)."""
    from rq import Worker

    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while Worker.count(connection=redis) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} relais workers did not start within {timeout} s")
        time.sleep(0.2)
    redis.close()


def delivery_soak(database_url: str, redis_url: str, smtp_url: str) -> list[dict]:
    env = _env(database_url, redis_url, smtp_url)
    app = _app(database_url, redis_url, smtp_url)
    base = f"http://127.0.0.1:{HTTP_PORT}"
    server = [str(BIN / "relais"), "run", "--port", str(HTTP_PORT)]
    with running(server, port=HTTP_PORT, env=env):
        submitter, coordinator, gps = _soak_people(app, base)
        workers = [
            subprocess.Popen(
                [str(BIN / "relais"), "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(DELIVERY_WORKERS)
        ]
        try:
            _wait_for_workers(redis_url, DELIVERY_WORKERS)
            stop = threading.Event()
            counts = {"requests": 0, "errors": 0}  # approximate under threads: reported only
            clients = [
                threading.Thread(
                    target=_flow, args=(base, submitter, coordinator, gps, stop, counts)
                )
                for _ in range(CLIENTS)
            ]
            load_started = time.time()
            for client in clients:
                client.start()
            time.sleep(SOAK_SECONDS)
            stop.set()
            for client in clients:
                client.join()
            load_ended = time.time()
            drain_started = time.perf_counter()
            pending_at_end = None
            while True:
                [(pending,)] = _sql(
                    database_url, "SELECT count(*) FROM outbox_events WHERE processed_at IS NULL"
                )
                pending_at_end = pending if pending_at_end is None else pending_at_end
                drain = time.perf_counter() - drain_started
                if pending == 0 or drain > DRAIN_LIMIT_SECONDS:
                    break
                time.sleep(0.2)
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
    latencies = sorted(
        float(row[0])
        for row in _sql(
            database_url,
            "SELECT extract(epoch FROM d.sent_at - e.created_at) FROM notifications_deliveries d"
            " JOIN outbox_events e ON e.id = d.event_id"
            " WHERE d.channel = 'email' AND d.status = 'sent'",
        )
    )
    [(events,)] = _sql(database_url, "SELECT count(*) FROM outbox_events")
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else float("nan")
    full = SOAK_SECONDS >= FULL_SOAK_SECONDS
    common = {
        "soak_seconds": SOAK_SECONDS,
        "reduced": not full,
        "clients": CLIENTS,
        "delivery_workers": DELIVERY_WORKERS,
        "requests": counts["requests"],
        "errors": counts["errors"],
        "requests_per_s": round(counts["requests"] / (load_ended - load_started), 1),
        "events": int(events),
        "events_per_s": round(int(events) / (load_ended - load_started), 1),
        "pending_when_load_stopped": int(pending_at_end or 0),
    }
    return [
        {
            "name": "delivery_backlog_drain_seconds",
            "value": round(drain, 1),
            "unit": "s",
            "goal": "<= 30",
            "passed": full and pending == 0 and drain <= 30,
            **common,
        },
        {
            "name": "delivery_p95_seconds",
            "value": round(p95, 2),
            "unit": "s",
            "goal": "<= 10",
            "passed": full and p95 <= 10,
            "emails_sent": len(latencies),
            "median_s": round(statistics.median(latencies), 2) if latencies else None,
            **common,
        },
    ]


def run() -> list[dict]:
    """Every figure, in a Redis database leased to this run and a database of its own."""
    from services.bootstrap import SCHEMA
    from shared.migrations.runner import upgrade

    with leased_redis_url() as redis_url, _smtp_sink() as smtp_url:
        with _database() as database_url:
            upgrade(database_url, SCHEMA)
            ratio = notification_ratio(database_url, redis_url, smtp_url)
        Redis.from_url(redis_url).flushdb()
        with _database() as database_url:
            upgrade(database_url, SCHEMA)
            soak = delivery_soak(database_url, redis_url, smtp_url)
    return [ratio, *soak]
