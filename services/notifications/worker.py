"""`relais worker [--burst]`: the RQ worker that delivers notifications and runs the sweep."""

from __future__ import annotations

import threading
import time
import uuid

import click
from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy.orm import configure_mappers

from services.notifications import jobs
from services.notifications.rendering import load_templates
from shared.commands import command_app, command_settings
from shared.extensions import db
from shared.outbox.relay import event_queue
from shared.queue import redis_connection
from shared.settings import Settings

SWEEP = "services.notifications.jobs.periodic_sweep"


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


def _keep_sweeping(queue: Queue, settings: Settings, stop: threading.Event) -> None:
    while not stop.wait(max(1, settings.sweep_interval_seconds)):
        try:
            enqueue_sweep(queue, settings)
        except Exception:  # noqa: BLE001, S112  # nosec B112 - Redis away: try again next period
            continue


def build_worker(app: Flask, redis: Redis) -> Worker:
    """A forking RQ worker on the events queue, running its jobs in `app`, built beforehand."""
    with app.app_context():
        # Work-horses inherit configured mappers, an initialised dialect and compiled
        # templates, but no database connection.
        configure_mappers()
        db.engine.connect().close()
        db.engine.dispose()
    load_templates()
    jobs.use_app(app)
    return Worker([event_queue(redis)], connection=redis, serializer=JSONSerializer)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Traiter la file puis s'arrêter.")
def worker(burst: bool) -> None:
    """Deliver notifications from Redis (requires REDIS_URL)."""
    settings = command_settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL n'est pas défini : sans Redis, `relais run` délivre les notifications "
            "lui-même."
        )
    redis = redis_connection(settings.redis_url)
    rq_worker = build_worker(command_app(settings=settings), redis)
    queue = rq_worker.queues[0]
    enqueue_sweep(queue, settings, burst=burst)
    stop = threading.Event()
    if not burst:
        threading.Thread(
            target=_keep_sweeping, args=(queue, settings, stop), name="relais-sweep", daemon=True
        ).start()
    try:
        # The scheduler moves retried jobs back to the queue when their backoff ends.
        rq_worker.work(burst=burst, with_scheduler=True)
    finally:
        stop.set()
