"""The delivery path at speed: one SMTP session per sender reused from message to message (and
replaced when the server dropped it), an event's e-mails recorded together, events enqueued
with one Redis pipeline, and a non-forking worker that beats while it sends."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from services.notifications import mailer
from services.notifications.models import Delivery, InboxItem
from services.notifications.service import process_event
from shared.extensions import db
from shared.outbox.models import OutboxEvent
from shared.outbox.relay import enqueue_events, event_queue, is_abandoned
from shared.settings import Settings
from shared.timeutil import utcnow
from tests.support.factories import World
from tests.support.notifications import MAIL, configure, wait_for

CONSUMER = "services.notifications.jobs.deliver_event"


@pytest.fixture(autouse=True)
def _fresh_session():
    mailer.close_session()
    yield
    mailer.close_session()


def _settings(sink) -> Settings:
    return Settings(env="test", smtp_url=sink.url, smtp_timeout_seconds=5)


def test_a_sender_reuses_its_smtp_session_from_one_mail_to_the_next(smtp_factory):
    sink = smtp_factory()
    for _ in range(4):
        mailer.send(_settings(sink), MAIL)
    assert len(sink.messages()) == 4
    assert sink.sessions() == [1, 1, 1, 1]


def test_a_session_the_server_dropped_is_replaced_and_the_mail_still_sent(smtp_factory):
    first = smtp_factory()
    mailer.send(_settings(first), MAIL)
    first.stop()  # the server goes away, closing the session we keep open
    second = smtp_factory(port=first.port)

    mailer.send(_settings(second), MAIL)

    assert len(second.messages()) == 1
    assert len(first.messages()) == 1


def test_a_session_idle_for_too_long_is_not_reused(smtp_factory, monkeypatch):
    sink = smtp_factory()
    mailer.send(_settings(sink), MAIL)
    monkeypatch.setattr(mailer, "IDLE_SECONDS", 0.2)
    time.sleep(0.3)
    mailer.send(_settings(sink), MAIL)
    assert sink.sessions() == [1, 2]


def test_a_server_that_is_down_is_a_passing_failure_and_the_next_mail_reconnects(smtp_factory):
    sink = smtp_factory()
    mailer.send(_settings(sink), MAIL)
    sink.stop()
    with pytest.raises(mailer.TransientFailure):
        mailer.send(_settings(sink), MAIL)  # the dropped session, then a refused connection
    back = smtp_factory(port=sink.port)
    mailer.send(_settings(back), MAIL)
    assert len(back.messages()) == 1


def test_an_event_for_several_people_writes_their_rows_together_over_one_session(
    app, client, accounts, smtp
):
    configure(app, smtp_url=smtp.url, public_url="https://relais.example")
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    second_coordinator = accounts.create("coordinator")
    world.submit()  # medecin_traitant.submit: every coordinator
    with app.app_context():
        event_id = db.session.scalar(select(OutboxEvent.id))
        assert process_event(event_id) == "delivered"
        assert process_event(event_id) == "done"  # run twice: nothing more
        deliveries = db.session.scalars(select(Delivery)).all()
        inbox = db.session.scalars(select(InboxItem)).all()
    recipients = {world.coordinator["X-Test-Email"], second_coordinator["X-Test-Email"]}
    assert sorted((d.channel, d.status) for d in deliveries) == [
        ("email", "sent"),
        ("email", "sent"),
        ("inbox", "sent"),
        ("inbox", "sent"),
    ]
    assert all(d.attempts == 1 and d.claimed_until is None for d in deliveries)
    assert len(inbox) == 2
    assert {m["To"] for m in smtp.messages()} == recipients
    assert sink_sessions_are_one(smtp)


def sink_sessions_are_one(sink) -> bool:
    sessions = sink.sessions()
    return len(sessions) == 2 and len(set(sessions)) == 1


def test_events_are_enqueued_together_and_those_in_flight_are_left_alone(redis_db: Redis):
    queue = event_queue(redis_db)
    settings = Settings(env="test")
    ids = [uuid.uuid4() for _ in range(3)]
    assert enqueue_events(queue, ids[:1], settings, CONSUMER) == ids[:1]

    assert enqueue_events(queue, [*ids, ids[2]], settings, CONSUMER) == ids[1:]

    assert queue.job_ids == [str(event_id) for event_id in ids]
    for event_id in ids:
        job = Job.fetch(str(event_id), connection=redis_db, serializer=JSONSerializer)
        assert job.func_name == CONSUMER
        assert list(job.args) == [str(event_id)]
        assert job.retries_left == len(settings.delivery_retry_seconds)
        assert job.timeout == max(60, settings.smtp_timeout_seconds * 3)


@pytest.mark.slow
def test_a_non_forking_worker_beats_while_it_sends_so_its_job_is_never_taken_for_abandoned(
    queued, client, accounts, smtp_factory, workers, redis_db: Redis
):
    sink = smtp_factory("--hold-first", "5")
    configure(
        queued,
        smtp_url=sink.url,
        worker_heartbeat_seconds=1,
        delivery_lease_seconds=30,
        # Production's timeout, well past the held answer: with `queued`'s 5 s, a loaded
        # machine timed the send out just before the sink took it, and the retry sent it again.
        smtp_timeout_seconds=20,
    )
    world = World(client, accounts).with_people("coordinator", "gp", "submitter")
    world.submit()
    with queued.app_context():
        event_id = str(db.session.scalar(select(OutboxEvent.id)))
    worker = workers.start()
    try:
        wait_for(lambda: (sink.folder / "holding").exists(), what="the worker to be sending")
        time.sleep(4)  # more than three heartbeats of one second
        job = Job.fetch(event_id, connection=redis_db, serializer=JSONSerializer)
        assert job.last_heartbeat is not None
        beat_age = utcnow() - job.last_heartbeat.replace(tzinfo=dt.UTC)
        assert beat_age < dt.timedelta(seconds=3)
        assert not is_abandoned(job, now=utcnow(), heartbeat_seconds=1)
        wait_for(lambda: len(sink.messages()) == 1, timeout=20, what="the held e-mail")
    finally:
        workers.stop(worker)
    assert [m["To"] for m in sink.messages()] == [world.coordinator["X-Test-Email"]]
