"""The container health probes used by docker-compose.yml."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from shared.ops.probe import main, probe_url, probe_worker
from shared.queue import redis_connection


def test_the_url_probe_fails_when_nothing_answers():
    assert probe_url("http://127.0.0.1:18739/readyz") is False
    assert main(["http://127.0.0.1:18739/readyz"]) == 1


def test_the_worker_probe_sees_only_a_registered_worker_of_this_host(redis_url):
    connection = redis_connection(redis_url)
    connection.flushdb()
    assert probe_worker(redis_url) is False
    worker = SimpleWorker(
        [Queue("relais-probe-test", connection=connection)], connection=connection
    )
    worker.register_birth()
    try:
        assert probe_worker(redis_url) is True
    finally:
        worker.register_death()
        connection.flushdb()
    assert probe_worker("redis://127.0.0.1:18739/0") is False


def test_the_probe_without_arguments_explains_its_usage():
    assert main([]) == 2
