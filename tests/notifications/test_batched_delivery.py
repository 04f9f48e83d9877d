"""A delivery job takes the events waiting behind its own: one pair of transactions and one SMTP
session for all, each event taken by one sender at a time, the e-mails of the others left for
another try as soon as the server fails."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from services.notifications.jobs import deliver_event
from services.notifications.models import Delivery, InboxItem
from services.notifications.service import DeliveryDelayed, process_event
from shared.db import unit_of_work
from shared.extensions import db
from shared.outbox.emit import emit
from shared.outbox.models import OutboxEvent
from tests.support.notifications import configure
from tests.support.servers import free_port


def _gp(accounts) -> tuple[dict, str]:
    """A GP's account and the id of its directory entry."""
    directory_id = str(uuid.uuid4())
    return accounts.create("gp", professional_id=directory_id), directory_id


def _proposals(directory_id: str, count: int) -> list[uuid.UUID]:
    """`count` proposals to one GP (one inbox entry and one e-mail each): their event ids."""
    ids = []
    with unit_of_work():
        for number in range(count):
            event = emit(
                "medecin_traitant.propose",
                reference=f"MT-2026-{number + 1:06d}",
                payload={
                    "case_id": str(uuid.uuid4()),
                    "professional_id": directory_id,
                    "professional_ids": [directory_id],
                    "actor_user_id": str(uuid.UUID(int=0)),
                    "created_by": str(uuid.UUID(int=0)),
                },
            )
            ids.append(event.id)
    return ids


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _unconfirmed() -> int:
    return _count(OutboxEvent, OutboxEvent.processed_at.is_(None))


def test_one_job_delivers_the_events_waiting_behind_its_own_and_theirs_find_them_done(
    embedded, accounts, smtp
):
    gp, directory_id = _gp(accounts)
    with embedded.app_context():
        ids = _proposals(directory_id, 3)
        assert deliver_event(str(ids[0])) == "delivered"
        assert _unconfirmed() == 0
        assert _count(InboxItem) == 3
        assert _count(Delivery, Delivery.channel == "email", Delivery.status == "sent") == 3
        assert [deliver_event(str(event_id)) for event_id in ids[1:]] == ["done", "done"]
        assert _count(InboxItem) == 3
    assert [m["To"] for m in smtp.messages()] == [gp["X-Test-Email"]] * 3
    assert len(set(smtp.sessions())) == 1


def test_a_run_without_batch_touches_no_other_event(embedded, accounts, smtp):
    _, directory_id = _gp(accounts)
    with embedded.app_context():
        ids = _proposals(directory_id, 3)
        assert process_event(ids[1]) == "delivered"
        assert _unconfirmed() == 2
        assert _count(Delivery, Delivery.event_id != ids[1]) == 0
    assert len(smtp.messages()) == 1


def test_a_job_whose_event_is_done_takes_the_events_committed_since(embedded, accounts, smtp):
    _, directory_id = _gp(accounts)
    with embedded.app_context():
        first = _proposals(directory_id, 1)
        assert deliver_event(str(first[0])) == "delivered"
        _proposals(directory_id, 2)
        assert deliver_event(str(first[0])) == "done"  # a job handed over twice, say
        assert _unconfirmed() == 0
    assert len(smtp.messages()) == 3


def test_an_event_another_sender_holds_is_left_to_it(embedded, accounts, smtp):
    _, directory_id = _gp(accounts)
    with embedded.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks: SQLite runs one writer at a time")
        ids = _proposals(directory_id, 2)
        with db.engine.connect() as other_sender:
            other_sender.execute(
                text("SELECT id FROM outbox_events WHERE id = :id FOR UPDATE"),
                {"id": ids[0]},
            )
            # Its own event held, the job still takes the other one.
            assert deliver_event(str(ids[0])) == "in progress"
            assert _count(Delivery, Delivery.event_id == ids[0]) == 0
            assert _count(OutboxEvent, OutboxEvent.processed_at.is_not(None)) == 1
            other_sender.rollback()
        assert deliver_event(str(ids[0])) == "delivered"
    assert len(smtp.messages()) == 2


def test_when_the_server_fails_the_other_events_emails_are_released_unsent(
    embedded, accounts, smtp
):
    configure(embedded, smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_timeout_seconds=2)
    _, directory_id = _gp(accounts)
    with embedded.app_context():
        ids = _proposals(directory_id, 3)
        with pytest.raises(DeliveryDelayed):
            deliver_event(str(ids[0]))
        emails = {
            d.event_id: d
            for d in db.session.scalars(
                select(Delivery)
                .where(Delivery.channel == "email")
                .execution_options(populate_existing=True)
            )
        }
        assert (emails[ids[0]].status, emails[ids[0]].attempts) == ("failed", 1)
        # Never tried: not counted as an attempt, and free for the next sender at once.
        for event_id in ids[1:]:
            assert (emails[event_id].status, emails[event_id].attempts) == ("pending", 0)
            assert emails[event_id].claimed_until is None
        assert _count(InboxItem) == 3  # the inbox entries are there already
        assert _unconfirmed() == 3

    configure(embedded, smtp_url=smtp.url)
    with embedded.app_context():
        # Their own jobs (and the retry of the first) send them; a batch only takes events
        # nobody has started on.
        assert [deliver_event(str(event_id)) for event_id in ids] == ["delivered"] * 3
        assert _unconfirmed() == 0
    assert len(smtp.messages()) == 3
