"""With REDIS_URL: events travel through RQ, and nothing is lost when Redis or a worker dies."""

from __future__ import annotations

import time

import pytest
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select

from services.notifications.models import Delivery
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import QUEUE_NAME
from tests.support.factories import World
from tests.support.notifications import configure
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow]


def _deliveries(app, reference: str) -> list[tuple[str, str]]:
    with app.app_context():
        return sorted(
            (d.channel, d.status)
            for d in db.session.scalars(select(Delivery).where(Delivery.reference == reference))
        )


def test_a_commit_enqueues_its_event_as_a_json_job_named_by_the_event_id(
    queued, client, accounts, redis_db: Redis
):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    world.submit()
    with queued.app_context():
        event_id = str(db.session.scalar(select(OutboxEvent.id)))
    queue = Queue(QUEUE_NAME, connection=redis_db, serializer=JSONSerializer)
    assert queue.job_ids == [event_id]
    job = queue.fetch_job(event_id)
    assert job.func_name == "services.notifications.jobs.deliver_event"
    assert job.args == [event_id] or job.args == (event_id,)
    assert job.result_ttl > 0 and job.failure_ttl > 0
    assert job.retries_left == 2


def test_an_event_committed_while_no_worker_runs_is_delivered_once_one_starts_even_after_flushdb(
    queued, client, accounts, smtp, workers, redis_db: Redis
):
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()
    redis_db.flushdb()  # Redis lost everything it held: the outbox did not.

    workers.burst()

    assert [m["To"] for m in smtp.messages()] == [world.coordinator["X-Test-Email"]]
    assert _deliveries(queued, case["reference"]) == [("email", "sent"), ("inbox", "sent")]
    with queued.app_context():
        assert db.session.scalar(select(OutboxEvent.processed_at)) is not None


def test_an_smtp_server_that_is_down_delays_the_email_until_it_is_back(
    queued, client, accounts, smtp_factory, workers
):
    down_port = free_port()  # nothing listens here until the test starts a sink on it
    configure(queued, smtp_url=f"smtp://127.0.0.1:{down_port}")
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()

    workers.burst()  # every retry fails: nobody listens
    assert _deliveries(queued, case["reference"]) == [("email", "failed"), ("inbox", "sent")]
    with queued.app_context():
        failed = db.session.scalar(select(Delivery).where(Delivery.channel == "email"))
        assert failed.attempts == 3 and "Connection" in failed.last_error

    sink = smtp_factory(port=down_port)
    time.sleep(1.1)  # the event's re-dispatch delay
    workers.burst()

    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]]
    assert _deliveries(queued, case["reference"]) == [("email", "sent"), ("inbox", "sent")]


def test_an_smtp_server_refusing_for_good_makes_the_delivery_dead_with_its_error(
    queued, client, accounts, smtp_factory, workers
):
    sink = smtp_factory("--reject", port=free_port())
    configure(queued, smtp_url=sink.url)
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    case = world.submit()

    workers.burst()

    rows = client.get(
        f"/api/notifications/deliveries?reference={case['reference']}", headers=world.coordinator
    ).get_json()
    email = next(row for row in rows if row["channel"] == "email")
    assert email["status"] == "dead"
    assert email["attempts"] == 1
    assert email["last_error"].startswith("550")
    assert sink.messages() == []
    with queued.app_context():
        assert db.session.scalar(select(OutboxEvent.processed_at)) is not None
