"""SIGTERM to an RQ worker (as `docker compose stop` sends it): the job in flight finishes."""

from __future__ import annotations

import time

import pytest
from rq import Queue
from rq.job import JobStatus

from shared.ops.jobs import RequestIdJob
from shared.ops.logs import bind_request_id
from shared.queue import redis_connection
from tests.support.processes import BIN, ServiceProcess

pytestmark = pytest.mark.slow


def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_sigterm_lets_the_job_in_flight_finish_under_its_request_id(tmp_path, redis_url):
    connection = redis_connection(redis_url)
    connection.flushdb()
    queue = Queue("relais-shutdown-test", connection=connection, job_class=RequestIdJob)
    with bind_request_id("demande-arret"):
        job = queue.enqueue("time.sleep", 2)
    worker = ServiceProcess(
        "worker",
        [
            str(BIN / "rq"),
            "worker",
            "--url",
            redis_url,
            "--job-class",
            "shared.ops.jobs.RequestIdJob",
            "relais-shutdown-test",
        ],
        {"PATH": "/usr/bin:/bin"},
        0,
        tmp_path,
    )
    worker.start(wait_ready=False)
    try:
        _wait_for(lambda: job.get_status(refresh=True) == JobStatus.STARTED)
        worker.terminate()
        assert worker.process.wait(timeout=30) == 0
        assert job.get_status(refresh=True) == JobStatus.FINISHED
        assert (
            RequestIdJob.fetch(job.id, connection=connection).meta["request_id"] == "demande-arret"
        )
    finally:
        worker.stop()
        connection.flushdb()
