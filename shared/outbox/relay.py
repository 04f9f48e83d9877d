"""The outbox relay: hands committed events to their consumer until the consumer confirms them.

Two modes, chosen by `REDIS_URL`:
- set: each event becomes an RQ job (JSON serializer, the event id as job id) right after the
  commit that wrote it; a periodic sweep (`relais worker`) re-enqueues anything still unconfirmed
  whose job is gone (Redis flushed or restarted, failure TTL expired, retries exhausted) or was
  abandoned by a dead worker (left `started`, its heartbeat stopped);
- unset (embedded): a background thread of the web process calls the consumer in-process after
  each commit and periodically.

An event is confirmed (`processed_at`) by its consumer in the transaction that records its
effects, so a crash anywhere before that simply leads to another hand-over; the consumer is
idempotent (the notifications service deduplicates in the database).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import random
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from shared.db import unit_of_work
from shared.extensions import db
from shared.outbox.emit import PENDING_KEY
from shared.outbox.models import OutboxEvent
from shared.periodic import run_periodic_tasks
from shared.settings import Settings
from shared.timeutil import utcnow

# RQ and redis (about 9 MB) are imported where a queue is used: a process without REDIS_URL
# (`relais run`, the embedded mode) never loads them.
if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue, Retry
    from rq.job import Job

log = logging.getLogger(__name__)

QUEUE_NAME = "relais"
MAX_REDISPATCH_DELAY = dt.timedelta(hours=1)
CLAIM_BATCH = 500
# A started job whose worker missed this many heartbeats in a row is abandoned.
MISSED_HEARTBEATS = 3
# RQ's worker kills a work-horse this long after its job's timeout.
RQ_KILL_GRACE_SECONDS = 60


def redispatch_delay(attempts: int, base_seconds: int) -> dt.timedelta:
    """How long an unconfirmed event waits before its next hand-over (doubling, capped)."""
    delay = dt.timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0))
    return min(delay, MAX_REDISPATCH_DELAY)


def claim_due_events(
    *, now: dt.datetime, redispatch_seconds: int, limit: int = CLAIM_BATCH
) -> list[uuid.UUID]:
    """Take the unconfirmed events due for hand-over and push back their next attempt.

    `SKIP LOCKED` lets several relays (web processes, workers) share the work on PostgreSQL.
    """
    with unit_of_work() as session:
        events = list(
            session.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.processed_at.is_(None),
                    or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
                )
                .order_by(OutboxEvent.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for outbox_event in events:
            outbox_event.attempts += 1
            outbox_event.dispatched_at = now
            outbox_event.next_attempt_at = now + redispatch_delay(
                outbox_event.attempts, redispatch_seconds
            )
        return [outbox_event.id for outbox_event in events]


def confirm_event(event_id: uuid.UUID, *, now: dt.datetime) -> None:
    """Mark an event as handled, inside the consumer's unit of work."""
    db.session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
        .values(processed_at=now)
    )


def retry_policy(seconds: tuple[int, ...]) -> Retry:
    """RQ retries with the configured exponential intervals, each with ±25 % jitter."""
    from rq import Retry

    intervals = [
        max(1, round(base * random.uniform(0.75, 1.25))) if base else 0  # noqa: S311  # nosec B311 - jitter
        for base in seconds
    ] or [0]
    return Retry(max=len(intervals), interval=intervals)


def event_queue(redis: Redis) -> Queue:
    """The RQ queue events travel on (JSON, never pickle)."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    return Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)


def is_abandoned(job: Job, *, now: dt.datetime, heartbeat_seconds: int) -> bool:
    """True for a `started` job no live worker runs: its worker beats every `heartbeat_seconds`
    while the job runs, and kills the job past its timeout; RQ itself would notice only at its
    next registry cleaning, up to ten minutes later."""
    from rq.job import JobStatus

    started, last_beat = job.started_at, job.last_heartbeat or job.started_at
    if job.get_status(refresh=False) != JobStatus.STARTED or started is None or last_beat is None:
        return False
    silence = heartbeat_seconds * MISSED_HEARTBEATS
    missed = (now - last_beat).total_seconds() > silence
    overdue = (
        job.timeout is not None
        and job.timeout > 0
        and (now - started).total_seconds() > job.timeout + RQ_KILL_GRACE_SECONDS + silence
    )
    return missed or overdue


def _in_flight(job: Job, settings: Settings, now: dt.datetime) -> bool:
    from rq.job import JobStatus

    in_flight = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
    return job.get_status(refresh=False) in in_flight and not is_abandoned(
        job, now=now, heartbeat_seconds=settings.worker_heartbeat_seconds
    )


def enqueue_event(
    queue: Queue,
    event_id: uuid.UUID,
    settings: Settings,
    consumer: str,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Enqueue the `consumer` job of one event unless a job for it is already in flight."""
    return bool(enqueue_events(queue, [event_id], settings, consumer, now=now))


def enqueue_events(
    queue: Queue,
    event_ids: list[uuid.UUID],
    settings: Settings,
    consumer: str,
    *,
    now: dt.datetime | None = None,
    fresh: bool = False,
) -> list[uuid.UUID]:
    """Enqueue one `consumer` job per event (the event id is the job id) unless a job for it is
    already in flight; returns the events enqueued.

    Two Redis round trips whatever the number of events: one pipeline reads the existing jobs,
    one writes the new ones (a job left over from an earlier hand-over is deleted first). One
    for `fresh` events, just committed, which no job can exist for yet (should a sweep have
    enqueued one meanwhile, the event is delivered twice, which the consumer shrugs off)."""
    from rq import Queue
    from rq.job import Job
    from rq.serializers import JSONSerializer

    event_ids = list(dict.fromkeys(event_ids))
    if not event_ids:
        return []
    now = now or utcnow()
    existing: list[Job | None] = (
        [None] * len(event_ids)
        if fresh
        else Job.fetch_many(
            [str(event_id) for event_id in event_ids],
            connection=queue.connection,
            serializer=JSONSerializer,
        )
    )
    due: list[uuid.UUID] = []
    for event_id, job in zip(event_ids, existing, strict=True):
        if job is not None:
            if _in_flight(job, settings, now):
                continue
            job.delete()
        due.append(event_id)
    if not due:
        return []
    with queue.connection.pipeline() as pipeline:
        queue.enqueue_many(
            [
                Queue.prepare_data(
                    consumer,
                    args=(str(event_id),),
                    job_id=str(event_id),
                    retry=retry_policy(settings.delivery_retry_seconds),
                    result_ttl=settings.rq_result_ttl_seconds,
                    failure_ttl=settings.rq_failure_ttl_seconds,
                    timeout=max(60, settings.smtp_timeout_seconds * 3),
                    description=f"outbox event {event_id}",
                )
                for event_id in due
            ],
            pipeline=pipeline,
        )
        pipeline.execute()
    return due


def requeue_abandoned(
    queue: Queue, settings: Settings, consumer: str, *, now: dt.datetime
) -> list[str]:
    """Re-enqueue at once the `consumer` jobs dead workers left `started`; returns their ids."""
    from rq.job import Job
    from rq.registry import StartedJobRegistry
    from rq.serializers import JSONSerializer

    registry = StartedJobRegistry(queue=queue)
    job_ids = registry.get_job_ids(cleanup=False)
    jobs = Job.fetch_many(job_ids, connection=queue.connection, serializer=JSONSerializer)
    abandoned = [
        job.id
        for job in jobs
        if job is not None
        and job.func_name == consumer
        and is_abandoned(job, now=now, heartbeat_seconds=settings.worker_heartbeat_seconds)
    ]
    for job_id in abandoned:
        log.warning("outbox: job %s abandoned by a dead worker; re-enqueued", job_id)
        enqueue_event(queue, uuid.UUID(job_id), settings, consumer, now=now)
    return abandoned


def _import_consumer(path: str) -> Callable[[str], Any]:
    """The consumer function a dotted path names (as RQ would import it)."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class OutboxRelay:
    """Moves one app's committed events to their consumer (RQ or in-process).

    The consumer is a dotted path (RQ style), given by the composition root: the relay never
    imports a service."""

    def __init__(self, app: Flask, consumer: str):
        self.app = app
        self.consumer = consumer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread_pid: int | None = None
        self._thread: threading.Thread | None = None
        self._last_periodic = 0.0

    @property
    def settings(self) -> Settings:
        """The app's settings, read at each use."""
        return self.app.config["RELAIS_SETTINGS"]

    @property
    def uses_queue(self) -> bool:
        """True when events travel through Redis (RQ workers deliver them)."""
        return self.settings.redis_url is not None

    def queue(self) -> Queue:
        """The RQ queue of this app's Redis."""
        from shared.queue import redis_connection

        assert self.settings.redis_url
        return event_queue(redis_connection(self.settings.redis_url))

    def committed(self, event_ids: list[uuid.UUID]) -> None:
        """Fast path after a commit; the periodic sweep catches whatever this misses."""
        if self.uses_queue:
            try:
                enqueue_events(self.queue(), event_ids, self.settings, self.consumer, fresh=True)
            except Exception:  # noqa: BLE001 - Redis down: the sweep re-dispatches later
                log.warning("outbox: enqueue after commit failed; the sweep will retry")
        elif self._thread_pid == os.getpid():
            self._wake.set()

    def relay_due(self, now: dt.datetime | None = None) -> int:
        """Hand over every due, unconfirmed event and, with Redis, every event whose job a dead
        worker abandoned; returns how many were handed over."""
        now = now or utcnow()
        claimed = claim_due_events(
            now=now, redispatch_seconds=self.settings.outbox_redispatch_seconds
        )
        if self.uses_queue:
            queue = self.queue()
            requeued = requeue_abandoned(queue, self.settings, self.consumer, now=now)
            enqueue_events(queue, claimed, self.settings, self.consumer, now=now)
            return len(requeued) + len(claimed)
        consumer = _import_consumer(self.consumer)
        for event_id in claimed:
            try:
                consumer(str(event_id))
            except Exception as exc:  # noqa: BLE001 - retried at its next_attempt_at
                log.warning("outbox: event %s not delivered yet (%s)", event_id, type(exc).__name__)
        return len(claimed)

    def ensure_thread(self) -> None:
        """Start the embedded delivery thread once per process (gunicorn forks after import)."""
        if self.uses_queue or self._thread_pid == os.getpid():
            return
        self._thread_pid = os.getpid()
        self._stop.clear()
        _EMBEDDED.add(self)
        self._thread = threading.Thread(target=self._run, name="relais-outbox", daemon=True)
        self._thread.start()

    def stop_thread(self) -> None:
        """Ask the embedded delivery thread to finish its iteration and stop."""
        self._stop.set()
        self._wake.set()
        self._thread_pid = None

    def join_thread(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for a stopped embedded thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        interval = max(1, self.settings.sweep_interval_seconds)
        while not self._stop.is_set():
            self._iteration(interval)
            self._wake.wait(timeout=interval)
            self._wake.clear()

    def _iteration(self, interval: int) -> None:
        # The first iteration drains what was committed while no process was delivering.
        try:
            with self.app.app_context():
                if time.monotonic() - self._last_periodic >= interval:
                    self._last_periodic = time.monotonic()
                    run_periodic_tasks()
                else:
                    self.relay_due()
        except Exception:  # noqa: BLE001 - the thread must outlive a bad iteration
            log.exception("outbox: embedded relay iteration failed")
        finally:
            with self.app.app_context():
                db.session.remove()


# The relays whose embedded thread this process started (`stop_embedded_threads`).
_EMBEDDED: weakref.WeakSet[OutboxRelay] = weakref.WeakSet()


def stop_embedded_threads(timeout: float = 30) -> list[OutboxRelay]:
    """Stop every embedded delivery thread of this process and wait for them to end (each up
    to `timeout` seconds); returns their relays. For a process that is done with its apps
    while it goes on: the test suite builds hundreds in one process, and a thread left running
    would sweep and deliver the events of the tests that follow, every
    `SWEEP_INTERVAL_SECONDS`, even after its database is gone."""
    relays = list(_EMBEDDED)
    _EMBEDDED.clear()
    for relay in relays:
        relay.stop_thread()
    for relay in relays:
        relay.join_thread(timeout)
    return relays


def current_relay() -> OutboxRelay:
    """The relay of the current app."""
    return current_app.extensions["relais_outbox"]


def relay_outbox() -> None:
    """Periodic task: re-dispatch every unconfirmed event that is due."""
    current_relay().relay_due()


def init_outbox(app: Flask, consumer: str) -> None:
    """Attach a relay handing events to `consumer` (a dotted path) to `app`; in embedded mode
    its thread starts with the first request."""
    relay = OutboxRelay(app, consumer)
    app.extensions["relais_outbox"] = relay
    if relay.uses_queue:
        return
    if app.config.get("RELAIS_EMBEDDED_RELAY", app.config["RELAIS_ENV"] != "test"):
        app.before_request(relay.ensure_thread)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    event_ids = session.info.pop(PENDING_KEY, None)
    if event_ids and has_app_context() and "relais_outbox" in current_app.extensions:
        current_relay().committed(event_ids)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(PENDING_KEY, None)
