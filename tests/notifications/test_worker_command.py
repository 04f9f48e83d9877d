"""`relais worker` refuses to start without Redis, where `relais run` delivers by itself, and
stops promptly."""

from __future__ import annotations

import time

from click.testing import CliRunner

from services.cli import cli
from services.notifications.worker import build_worker
from shared.settings import Settings
from tests.support.notifications import wait_for


def test_worker_without_redis_url_explains_the_embedded_mode(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)

    result = CliRunner().invoke(cli, ["worker", "--burst"])

    assert result.exit_code == 1
    assert "REDIS_URL n'est pas défini" in result.output


def test_a_stopping_worker_waits_at_most_a_second_for_its_command_listener(redis_db):
    rq_worker = build_worker(redis_db, Settings())
    rq_worker.subscribe()
    # The listener saw its channel go before being told to stop (the race that held an idle
    # `relais worker` up to a minute after SIGTERM): it now waits for a new subscription.
    rq_worker.pubsub.unsubscribe()
    wait_for(lambda: not rq_worker.pubsub.subscribed, what="the listener to be unsubscribed")
    time.sleep(0.2)

    started = time.monotonic()
    rq_worker.unsubscribe()

    assert time.monotonic() - started < 2
    assert not rq_worker.pubsub_thread.is_alive()
