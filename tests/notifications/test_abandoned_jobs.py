"""The relay tells a job a dead worker left `started` from one a live worker runs."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from redis import Redis
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from shared.outbox.relay import enqueue_event, event_queue, is_abandoned, requeue_abandoned
from shared.settings import Settings
from shared.timeutil import utcnow

CONSUMER = "services.notifications.jobs.deliver_event"
SETTINGS = Settings(worker_heartbeat_seconds=10)
SILENCE = dt.timedelta(seconds=SETTINGS.worker_heartbeat_seconds * 3)


@pytest.fixture
def queue(redis_db: Redis) -> Queue:
    return event_queue(redis_db)


def _start(queue: Queue, job: Job) -> Job:
    """What a worker does before its work-horse runs `job` (then the test plays its death)."""
    worker = Worker([queue], connection=queue.connection, serializer=JSONSerializer)
    queue.remove(job)
    worker.prepare_execution(job)
    worker.prepare_job_execution(job)
    return Job.fetch(job.id, connection=queue.connection, serializer=JSONSerializer)


def _event_job(queue: Queue) -> Job:
    event_id = uuid.uuid4()
    assert enqueue_event(queue, event_id, SETTINGS, CONSUMER)
    return _start(queue, queue.fetch_job(str(event_id)))


def test_a_started_job_whose_worker_stopped_beating_is_enqueued_again(queue):
    job = _event_job(queue)
    later = job.last_heartbeat + SILENCE + dt.timedelta(seconds=1)

    assert enqueue_event(queue, uuid.UUID(job.id), SETTINGS, CONSUMER, now=later)

    assert queue.job_ids == [job.id]
    assert queue.fetch_job(job.id).get_status() == JobStatus.QUEUED
    assert StartedJobRegistry(queue=queue).get_job_ids(cleanup=False) == []


def test_a_started_job_whose_worker_still_beats_is_left_to_it(queue):
    job = _event_job(queue)
    soon = job.last_heartbeat + SILENCE - dt.timedelta(seconds=1)

    assert not enqueue_event(queue, uuid.UUID(job.id), SETTINGS, CONSUMER, now=soon)

    assert queue.job_ids == []
    assert queue.fetch_job(job.id).get_status() == JobStatus.STARTED


def test_a_started_job_past_its_timeout_is_abandoned_despite_a_recent_beat(queue):
    job = _event_job(queue)
    overdue = job.started_at + SILENCE + dt.timedelta(seconds=job.timeout + 61)
    job.heartbeat(overdue - dt.timedelta(seconds=1), ttl=60)

    assert is_abandoned(job, now=overdue, heartbeat_seconds=SETTINGS.worker_heartbeat_seconds)
    assert not is_abandoned(
        job,
        now=overdue - dt.timedelta(seconds=2),
        heartbeat_seconds=SETTINGS.worker_heartbeat_seconds,
    )


def test_a_queued_job_is_never_abandoned(queue):
    event_id = uuid.uuid4()
    enqueue_event(queue, event_id, SETTINGS, CONSUMER)
    job = queue.fetch_job(str(event_id))

    assert not is_abandoned(job, now=utcnow() + dt.timedelta(days=1), heartbeat_seconds=10)


def test_the_periodic_redispatch_requeues_the_abandoned_event_jobs_only(queue):
    abandoned, alive = _event_job(queue), _event_job(queue)
    other = _start(queue, queue.enqueue("services.notifications.jobs.noop"))
    later = abandoned.last_heartbeat + SILENCE + dt.timedelta(seconds=1)
    alive.heartbeat(later, ttl=60)

    requeued = requeue_abandoned(queue, SETTINGS, CONSUMER, now=later)

    assert requeued == [abandoned.id]
    assert queue.job_ids == [abandoned.id]
    assert sorted(StartedJobRegistry(queue=queue).get_job_ids(cleanup=False)) == sorted(
        [alive.id, other.id]
    )
