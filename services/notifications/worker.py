"""`relais worker [--burst] [--fork]`: the RQ worker that delivers notifications and runs the
sweep. Jobs run in the worker's own process (RQ's `SimpleWorker`, beating while a job runs), so
database connections and the SMTP session serve job after job; `--fork` forks a work-horse
per job (RQ's `Worker`).

A long-running worker outlives its Redis: when Redis goes away (restart, failover) RQ's work
loop gives up, so the command waits for Redis with a doubling delay, logs one warning line per
attempt instead of tracebacks, and starts working again. Its keeper thread (not RQ's scheduler
process, which dies with the first connection error) enqueues the periodic sweep and moves due
retries back to the queue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
import uuid
from types import FrameType
from typing import Any

import click
from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer
from rq.utils import now as rq_now
from rq.worker import BaseWorker, WorkerStatus
from sqlalchemy.orm import configure_mappers

from services.notifications import jobs
from services.notifications.rendering import load_templates
from shared.commands import command_app, command_settings
from shared.extensions import db
from shared.outbox.relay import event_queue
from shared.queue import redis_connection
from shared.settings import Settings

SWEEP = "services.notifications.jobs.periodic_sweep"
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
MAX_RECONNECT_DELAY_SECONDS = 30.0
KEEPER_TICK_SECONDS = 1.0
COMMAND_LISTENER_WAKE_SECONDS = 1.0
RESTART_DELAY_SECONDS = 1.0

log = logging.getLogger(__name__)


def enqueue_sweep(
    queue: Queue, settings: Settings, *, now: float | None = None, burst: bool = False
) -> bool:
    """Enqueue this period's sweep unless another worker already did (one id per period).

    A burst worker always gets its own sweep, run first, so it drains what the outbox holds.
    """
    interval = max(1, settings.sweep_interval_seconds)
    job_id = f"relais-sweep-{int((now or time.time()) // interval)}"
    if burst:
        job_id = f"relais-sweep-burst-{uuid.uuid4().hex}"
    elif Job.exists(job_id, connection=queue.connection):
        return False
    queue.enqueue(
        SWEEP,
        job_id=job_id,
        at_front=True,
        result_ttl=interval * 2,
        failure_ttl=settings.rq_failure_ttl_seconds,
        job_timeout=max(300, interval * 5),
        description="periodic sweep",
    )
    return True


class _RelaisWork(BaseWorker):
    """What both kinds of `relais worker` add to RQ's: a stop request shared with the command,
    a stop within a second when idle, a clean teardown without Redis."""

    def __init__(self, *args: Any, stop: threading.Event | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stop = stop or threading.Event()  # its own when run by `rq worker --worker-class`

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM/SIGINT: finish the job in flight, then stop (RQ's warm shutdown)."""
        self.stop.set()
        super().request_stop(signum, frame)

    def check_for_suspension(self, burst: bool) -> None:
        """Also honour a stop requested before RQ installed its signal handlers."""
        if self.stop.is_set():
            raise StopRequested()
        super().check_for_suspension(burst)

    def teardown(self) -> None:
        """RQ's teardown; without Redis to tell, the pub/sub thread and an orphaned work-horse
        are still seen to."""
        try:
            super().teardown()
        finally:
            if self.pubsub_thread:
                self.pubsub_thread.stop(timeout=0)
            if self.horse_pid:  # the job outlives a work loop that lost Redis mid-job
                threading.Thread(target=_reap, args=(self.horse_pid,), daemon=True).start()

    def subscribe(self) -> None:
        """Listen on RQ's command channel with a thread that wakes every second: RQ's wakes
        every minute, and a worker stopping at the wrong moment waits for it."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        # RQ leaves the attribute typed by its initial `None`.
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=COMMAND_LISTENER_WAKE_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )


class RelaisWorker(_RelaisWork, Worker):
    """RQ's forking worker: a work-horse process per job (`relais worker --fork`)."""


class RelaisSimpleWorker(_RelaisWork, SimpleWorker):
    """RQ's non-forking worker (the default): jobs run one after the other in the worker
    process, which keeps its database connections and its SMTP session from job to job.

    RQ's `SimpleWorker` does not beat while a job runs (the forking worker's beats come from
    its monitoring loop); a thread does here, every `job_monitoring_interval`, so that the
    relay tells a long job from one a dead worker abandoned."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job in this process, beating meanwhile."""
        done = threading.Event()
        execution = self.prepare_execution(job)
        beater = threading.Thread(
            target=self._beat, args=(job, execution, done), name="relais-beat", daemon=True
        )
        beater.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            done.set()
            beater.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: Job, execution: Execution, done: threading.Event) -> None:
        while not done.wait(self.job_monitoring_interval):
            try:
                if job.started_at is None:
                    job.started_at = rq_now()
                self.maintain_heartbeats(job, execution)
            except REDIS_UNAVAILABLE:  # the work loop reports the outage once the job ends
                continue


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class QuietRedisOutage(logging.Filter):
    """Turns RQ's traceback for a lost Redis into one warning line: the worker reconnects."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; strip the traceback of a Redis connection error."""
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, REDIS_UNAVAILABLE):
            record.msg = f"{record.getMessage()} (Redis unavailable: {error})"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def prepare_app(app: Flask) -> None:
    """Build in the worker, once, what its forked work-horses inherit: configured mappers, an
    initialised dialect and compiled templates, but no database connection."""
    with app.app_context():
        configure_mappers()
        db.engine.connect().close()
        db.engine.dispose()
    load_templates()
    jobs.use_app(app)


def build_worker(
    redis: Redis, settings: Settings, stop: threading.Event | None = None, *, fork: bool = False
) -> _RelaisWork:
    """A worker on the events queue, non-forking unless `fork`; a busy one beats every
    `worker_heartbeat_seconds` so that the relay can tell its jobs from those of a dead
    worker."""
    worker_class = RelaisWorker if fork else RelaisSimpleWorker
    return worker_class(
        [event_queue(redis)],
        connection=redis,
        serializer=JSONSerializer,
        job_monitoring_interval=max(1, settings.worker_heartbeat_seconds),
        stop=stop,
    )


def keep_time(queue: Queue, settings: Settings, stop: threading.Event) -> None:
    """The keeper thread: due retries back to the queue each second, a sweep each period."""
    scheduler = RQScheduler([queue], connection=queue.connection, serializer=JSONSerializer)
    next_sweep = 0.0
    while not stop.wait(KEEPER_TICK_SECONDS):
        try:
            scheduler.acquire_locks()  # one worker moves retries at a time; others stand by
            scheduler.enqueue_scheduled_jobs()
            if time.monotonic() >= next_sweep:
                enqueue_sweep(queue, settings)
                next_sweep = time.monotonic() + max(1, settings.sweep_interval_seconds)
        except REDIS_UNAVAILABLE:  # the work loop reports the outage and reconnects
            continue
    with contextlib.suppress(*REDIS_UNAVAILABLE):  # otherwise the lock expires by itself
        scheduler.release_locks()


def wait_for_redis(redis: Redis, stop: threading.Event) -> bool:
    """Block until Redis answers (True) or a stop is requested (False), doubling the delay
    between attempts and logging one warning line for each."""
    for signum in (signal.SIGTERM, signal.SIGINT):  # RQ installs its own handlers in `work`
        signal.signal(signum, lambda *_: stop.set())
    delay = 1.0
    while not stop.is_set():
        try:
            return bool(redis.ping())
        except REDIS_UNAVAILABLE as exc:
            log.warning("worker: Redis unavailable (%s); reconnecting in %.0f s", exc, delay)
        stop.wait(delay)
        delay = min(delay * 2, MAX_RECONNECT_DELAY_SECONDS)
    return False


def work_once(
    redis: Redis, settings: Settings, stop: threading.Event, *, fork: bool = False
) -> None:
    """Run RQ's work loop until a stop request or a lost Redis ends it."""
    try:
        build_worker(redis, settings, stop, fork=fork).work(with_scheduler=False)
    except REDIS_UNAVAILABLE as exc:  # RQ's set-up or teardown could not reach Redis
        log.warning("worker: Redis unavailable (%s)", exc)


def work_until_stopped(redis: Redis, settings: Settings, *, fork: bool = False) -> None:
    """Work, and after each Redis outage wait for Redis and work again, until SIGTERM/SIGINT."""
    stop = threading.Event()
    keeper = threading.Thread(
        target=keep_time,
        args=(event_queue(redis), settings, stop),
        name="relais-keeper",
        daemon=True,  # never held up by a Redis that does not answer
    )
    keeper.start()
    try:
        while wait_for_redis(redis, stop):
            work_once(redis, settings, stop, fork=fork)
            if not stop.is_set():
                log.warning("worker: work loop interrupted; restarting it once Redis answers")
                stop.wait(RESTART_DELAY_SECONDS)  # never a busy loop, whatever ended it
    finally:
        stop.set()
        keeper.join(timeout=KEEPER_TICK_SECONDS * 2)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Traiter la file puis s'arrêter.")
@click.option(
    "--fork",
    is_flag=True,
    help="Un processus fils par tâche (isolement) au lieu de tout traiter dans le processus.",
)
def worker(burst: bool, fork: bool) -> None:
    """Deliver notifications from Redis (requires REDIS_URL)."""
    settings = command_settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL n'est pas défini : sans Redis, `relais run` délivre les notifications "
            "lui-même."
        )
    logging.getLogger("rq.worker").addFilter(QuietRedisOutage())
    redis = redis_connection(settings.redis_url)
    prepare_app(command_app(settings=settings))
    if not burst:
        work_until_stopped(redis, settings, fork=fork)
        return
    rq_worker = build_worker(redis, settings, fork=fork)
    enqueue_sweep(rq_worker.queues[0], settings, burst=True)
    # Moves retries whose backoff ended back to the queue before draining it.
    rq_worker.work(burst=True, with_scheduler=True)
