"""SIGTERM to an RQ worker (as `docker compose stop` sends it): the job in flight finishes,
and an idle `relais worker` stops at once."""

from __future__ import annotations

import time

import pytest
from rq import Queue, Worker
from rq.job import JobStatus

from shared.ops.jobs import RequestIdJob
from shared.ops.logs import bind_request_id
from shared.outbox.relay import event_queue
from shared.queue import redis_connection
from tests.support.notifications import wait_for
from tests.support.processes import BIN, ServiceProcess

pytestmark = pytest.mark.slow


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
            # RQ's own class may wait a minute for its command listener once the job is done.
            "--worker-class",
            "services.notifications.worker.RelaisWorker",
            "relais-shutdown-test",
        ],
        {"PATH": "/usr/bin:/bin"},
        0,
        tmp_path,
    )
    worker.start(wait_ready=False)
    try:
        wait_for(
            lambda: job.get_status(refresh=True) == JobStatus.STARTED,
            timeout=20,
            what="the job to start",
        )
        worker.terminate()
        assert worker.process.wait(timeout=30) == 0
        assert job.get_status(refresh=True) == JobStatus.FINISHED
        assert (
            RequestIdJob.fetch(job.id, connection=connection).meta["request_id"] == "demande-arret"
        )
    finally:
        worker.stop()
        connection.flushdb()


def _relais_worker(tmp_path, runner_env, redis_url) -> ServiceProcess:
    env = {**runner_env, "REDIS_URL": redis_url, "PATH": "/usr/bin:/bin"}
    return ServiceProcess("relais-worker", [str(BIN / "relais"), "worker"], env, 0, tmp_path)


def test_an_idle_relais_worker_stops_within_three_seconds_of_sigterm(
    tmp_path, runner_env, redis_url, redis_db
):
    worker = _relais_worker(tmp_path, runner_env, redis_url).start(wait_ready=False)
    try:
        wait_for(
            lambda: [w.get_state() for w in Worker.all(connection=redis_db)] == ["idle"],
            timeout=20,
            what="an idle worker",
        )
        time.sleep(1)  # listening, between two sweeps
        worker.terminate()
        started = time.monotonic()
        assert worker.process.wait(timeout=30) == 0
        assert time.monotonic() - started <= 3.0
    finally:
        worker.stop()


def test_sigterm_lets_the_job_a_relais_worker_runs_finish_before_it_stops(
    tmp_path, runner_env, redis_url, redis_db
):
    job = event_queue(redis_db).enqueue("time.sleep", 2)
    worker = _relais_worker(tmp_path, runner_env, redis_url).start(wait_ready=False)
    try:
        wait_for(
            lambda: job.get_status(refresh=True) == JobStatus.STARTED,
            timeout=20,
            what="the job to start",
        )
        worker.terminate()
        assert worker.process.wait(timeout=30) == 0
        assert job.get_status(refresh=True) == JobStatus.FINISHED
    finally:
        worker.stop()
