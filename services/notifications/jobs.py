"""RQ jobs of the notifications service: importable functions that receive ids only."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_app_context

from services.bootstrap import create_app
from services.notifications.service import process_event
from shared.extensions import db
from shared.periodic import run_periodic_tasks

# Events one delivery job takes at most: its own and, in the same two transactions and SMTP
# session, the oldest others nobody has started on (their own jobs then find them done).
BATCH_EVENTS = 50

_app: Flask | None = None
_app_pid: int | None = None


def use_app(app: Flask) -> None:
    """Make `app` the one jobs run in (the worker builds it once, before forking)."""
    global _app, _app_pid
    _app, _app_pid = app, os.getpid()


@contextmanager
def job_context() -> Iterator[None]:
    """An app context for a job: the caller's, or the worker's app (otherwise built once, by
    the composition root's `create_app`)."""
    global _app_pid
    if has_app_context():
        yield
        return
    if _app is None:
        use_app(create_app())
    assert _app is not None
    with _app.app_context():
        if _app_pid != os.getpid():
            # A forked work-horse must not share the parent's pooled connections.
            db.engine.dispose(close=False)
            _app_pid = os.getpid()
        try:
            yield
        finally:
            db.session.remove()


def deliver_event(event_id: str) -> str:
    """Deliver every notification of one outbox event and of up to `BATCH_EVENTS - 1` others
    waiting behind it (idempotent)."""
    with job_context():
        return process_event(uuid.UUID(event_id), batch=BATCH_EVENTS)


def periodic_sweep() -> None:
    """Re-dispatch unconfirmed events and fire due timers and digests."""
    with job_context():
        run_periodic_tasks()


def noop() -> None:
    """Does nothing: the baseline of the notifications benchmark."""
