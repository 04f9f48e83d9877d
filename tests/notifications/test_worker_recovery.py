"""A `relais worker` recovers by itself: from a crash in the middle of a delivery (the job it
left `started` is re-enqueued within seconds, not at RQ's ten-minute registry cleaning) and
from a Redis restart (it reconnects and goes on delivering)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from services.notifications.models import Delivery
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from tests.notifications.conftest import WorkerRunner
from tests.support.factories import World
from tests.support.notifications import configure, wait_for
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow]

# Far below the ten minutes RQ's own registry cleaning took: a restarted worker boots in a few
# seconds, then three missed one-second heartbeats and a one-second sweep re-enqueue the job.
RECOVERY_BOUND_SECONDS = 30


def _deliveries(app, reference: str) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            (d.channel, d.status)
            for d in db.session.scalars(select(Delivery).where(Delivery.reference == reference))
        )


def _all_confirmed(app) -> bool:
    with app.app_context():
        events = db.session.scalars(select(OutboxEvent)).all()
        return bool(events) and all(event.processed_at is not None for event in events)


@pytest.mark.parametrize("fork", [False, True], ids=["in-process", "forking"])
def test_a_delivery_cut_by_a_killed_worker_is_sent_once_soon_after_a_worker_restarts(
    queued, client, accounts, smtp_factory, workers, tmp_path, fork
):
    sink = smtp_factory("--hold-first", "30", port=free_port())
    configure(queued, smtp_url=sink.url, worker_heartbeat_seconds=1, sweep_interval_seconds=1)
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()

    crashed = workers.start(fork=fork)
    try:
        wait_for(lambda: (sink.folder / "holding").exists(), what="the worker to be sending")
    finally:
        workers.kill(crashed)
    assert sink.messages() == []

    restarted = workers.start(log=tmp_path / "worker.log", fork=fork)
    started = time.monotonic()
    try:
        wait_for(
            lambda: _all_confirmed(queued),
            timeout=RECOVERY_BOUND_SECONDS,
            what="the abandoned delivery to be sent by the restarted worker",
        )
        elapsed = time.monotonic() - started
        time.sleep(3)  # three more sweeps: none may send it again
    finally:
        workers.stop(restarted)

    assert elapsed < RECOVERY_BOUND_SECONDS
    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]]
    assert _deliveries(queued, case["reference"]) == [("email", "sent"), ("inbox", "sent")]
    assert "abandoned" in (tmp_path / "worker.log").read_text()


@pytest.mark.parametrize("fork", [False, True], ids=["in-process", "forking"])
def test_a_worker_outlives_a_redis_restart_during_a_delivery_and_delivers_what_follows(
    queued, client, accounts, smtp_factory, private_redis, tmp_path, fork
):
    sink = smtp_factory("--hold-first", "2", port=free_port())
    configure(
        queued,
        redis_url=private_redis.url,
        smtp_url=sink.url,
        worker_heartbeat_seconds=1,
        sweep_interval_seconds=1,
        delivery_lease_seconds=30,  # longer than the held send, as in production
        smtp_timeout_seconds=20,  # production's, well past the held answer
    )
    workers = WorkerRunner(queued, private_redis.url)
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    first = world.submit()
    log = tmp_path / "worker.log"
    worker = workers.start(log=log, fork=fork)
    try:
        wait_for(lambda: (sink.folder / "holding").exists(), what="the worker to be sending")
        # Redis restarts (without persistence) under a busy worker, and is still away when
        # the job ends.
        private_redis.kill()
        time.sleep(4)
        private_redis.start()
        second = world.submit()

        wait_for(lambda: _all_confirmed(queued), timeout=30, what="both deliveries")
        assert worker.poll() is None
    finally:
        workers.stop(worker)

    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]] * 2
    for case in (first, second):
        assert _deliveries(queued, case["reference"]) == [("email", "sent"), ("inbox", "sent")]
    output = log.read_text()
    assert "Redis unavailable" in output and "reconnecting" in output
    assert "Traceback" not in output


def test_a_long_running_worker_puts_a_retried_delivery_back_when_its_backoff_ends(
    queued, client, accounts, smtp_factory, workers
):
    down_port = free_port()  # nothing listens here until the test starts a sink on it
    configure(
        queued,
        smtp_url=f"smtp://127.0.0.1:{down_port}",
        delivery_retry_seconds=(2, 2, 2),
        outbox_redispatch_seconds=3600,  # only RQ's retry can bring the job back in time
    )
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()

    worker = workers.start()
    try:
        wait_for(
            lambda: ("email", "failed") in _deliveries(queued, case["reference"]),
            timeout=30,
            what="a first failed attempt",
        )
        sink = smtp_factory(port=down_port)
        wait_for(lambda: _all_confirmed(queued), timeout=30, what="the retry to send it")
    finally:
        workers.stop(worker)

    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]]
