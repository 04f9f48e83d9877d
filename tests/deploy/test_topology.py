"""The docker-compose topology without Docker: each service in its own process, PostgreSQL,
Redis, the `*_URL` settings of the contract, and a flow crossing the services over HTTP."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests
from redis import Redis

from tests.conftest import PG_ADMIN_URL, TEST_PASSWORD
from tests.support import payloads
from tests.support.processes import BIN, ServiceProcess, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]

PORTS = {"orientation": 18701, "agenda": 18702, "notifications": 18703}


class Topology:
    """The running services and the accounts of the flow."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.services: dict[str, ServiceProcess] = {}
        self.worker: ServiceProcess | None = None
        self.passwords: dict[str, str] = {}

    def url(self, service: str) -> str:
        return self.services[service].url

    def add_user(self, email: str, *roles: str, professional_id: str | None = None) -> str:
        args = ["user", "add", "--email", email, "--password-stdin"]
        for role in roles:
            args += ["--role", role]
        if professional_id:
            args += ["--professional-id", professional_id]
        return run_cli(args, self.env, stdin=TEST_PASSWORD + "\n").strip()

    def login(self, service: str, email: str) -> dict[str, str]:
        """A bearer header from `/api/auth/token` of `service`."""
        response = requests.post(
            f"{self.url(service)}/api/auth/token",
            json={"email": email, "password": TEST_PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def all_logs(self) -> list[ServiceProcess]:
        return [*self.services.values(), *([self.worker] if self.worker else [])]


def _gunicorn(name: str, port: int, workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-c",
        "python:shared.ops.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        f"services.{name}.wsgi:app",
    ]


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Topology]:
    database = f"relais_topology_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    logs = tmp_path_factory.mktemp("topology")
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "RELAIS_ENV": "production",
        "SECRET_KEY": "topology-secret-key-0123456789-abcdefghijklmnop",
        "DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}",
        "REDIS_URL": redis_url,
        "ORIENTATION_URL": f"http://127.0.0.1:{PORTS['orientation']}",
        "AGENDA_URL": f"http://127.0.0.1:{PORTS['agenda']}",
        "NOTIFICATIONS_URL": f"http://127.0.0.1:{PORTS['notifications']}",
        "LOG_LEVEL": "INFO",
        # Accounts log in with a password here: strong authentication is tested elsewhere.
        "AUTH_REQUIRE_STRONG": "false",
    }
    # Production refuses to start without dedicated keys: generated as an operator would.
    env["ENCRYPTION_KEYS"] = run_cli(["keys", "generate", "--kid", "topologie"], env).strip()
    topo = Topology(env, logs)
    try:
        # The migrate container's command, twice: the second run must be a no-op.
        for _ in range(2):
            assert "Base de données à jour." in run_cli(["db", "upgrade"], env)
        topo.services["orientation"] = ServiceProcess(
            "orientation",
            [str(BIN / "relais"), "serve", "orientation", "--port", str(PORTS["orientation"])],
            env,
            PORTS["orientation"],
            logs,
        )
        topo.services["agenda"] = ServiceProcess(
            "agenda",
            _gunicorn("agenda", PORTS["agenda"], workers=2),
            {**env, "PROMETHEUS_MULTIPROC_DIR": str(logs / "agenda-metrics")},
            PORTS["agenda"],
            logs,
        )
        topo.services["notifications"] = ServiceProcess(
            "notifications",
            _gunicorn("notifications", PORTS["notifications"], workers=1),
            env,
            PORTS["notifications"],
            logs,
        )
        for service in topo.services.values():
            service.start(wait_ready=False)
        for service in topo.services.values():
            service.wait_ready()
        topo.worker = ServiceProcess("worker", [str(BIN / "relais"), "worker"], env, 0, logs)
        topo.worker.start(wait_ready=False)
        yield topo
    finally:
        for process in topo.all_logs():
            process.stop()
        redis.flushdb()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="module")
def flow(topology: Topology) -> dict:
    """A GP in the agenda, a signalement triaged in orientation, each with its own token."""
    topology.add_user("coordination@topologie.test", "coordinator")
    topology.add_user("pharmacie@topologie.test", "professional")
    coordinator = topology.login("notifications", "coordination@topologie.test")
    professional = topology.login("agenda", "pharmacie@topologie.test")
    gp = requests.post(
        f"{topology.url('agenda')}/api/agenda/professionals",
        json=payloads.professional(),
        headers=coordinator,
        timeout=10,
    )
    assert gp.status_code == 201, gp.text
    body = payloads.signalement()
    case = requests.post(
        f"{topology.url('orientation')}/api/orientation/signalements",
        json=body,
        headers=professional,
        timeout=10,
    )
    assert case.status_code == 201, case.text
    triaged = requests.post(
        f"{topology.url('orientation')}/api/orientation/cases/{case.json()['id']}"
        "/transitions/triage",
        json={"synthesis": "Patiente isolée, diabète."},
        headers=coordinator,
        timeout=10,
    )
    assert triaged.status_code == 200, triaged.text
    return {
        "coordinator": coordinator,
        "gp": gp.json(),
        "case": case.json(),
        "patient": body["patient"],
    }


def _suggestions(topology: Topology, flow: dict, request_id: str) -> requests.Response:
    return requests.get(
        f"{topology.url('orientation')}/api/orientation/cases/{flow['case']['id']}/suggestions",
        headers={**flow["coordinator"], "X-Request-Id": request_id},
        timeout=30,
    )


def test_a_token_issued_by_one_service_is_accepted_by_the_others(topology):
    topology.add_user("admin@topologie.test", "admin")
    admin = topology.login("orientation", "admin@topologie.test")
    for service in ("orientation", "agenda", "notifications"):
        response = requests.get(
            f"{topology.url(service)}/api/{service}/audit", headers=admin, timeout=10
        )
        assert response.status_code == 200, (service, response.text)
        forged = requests.get(
            f"{topology.url(service)}/api/{service}/audit",
            headers={"Authorization": "Bearer inconnu"},
            timeout=10,
        )
        assert forged.status_code == 401


def test_suggestions_cross_from_orientation_to_agenda_over_http(topology, flow):
    response = _suggestions(topology, flow, "topologie-suggestions-1")
    assert response.status_code == 200, response.text
    assert [s["professional"]["id"] for s in response.json()] == [flow["gp"]["id"]]
    # The agenda served the directory call under the caller's request id.
    agenda_lines = [
        line
        for line in topology.services["agenda"].log_records()
        if line.get("request_id") == "topologie-suggestions-1"
    ]
    assert {line["route"] for line in agenda_lines} == {"/api/agenda/professionals"}


def test_agenda_down_gives_a_clear_503_then_suggestions_recover(topology, flow):
    agenda = topology.services["agenda"]
    assert agenda.stop() == 0
    down = _suggestions(topology, flow, "topologie-agenda-arrete")
    assert down.status_code == 503
    assert down.json()["error"]["code"] == "service_unavailable"
    assert "agenda" in down.json()["error"]["message"]
    agenda.start()
    recovered = _suggestions(topology, flow, "topologie-agenda-revenu")
    assert recovered.status_code == 200
    assert [s["professional"]["id"] for s in recovered.json()] == [flow["gp"]["id"]]
    assert "Traceback" not in topology.services["orientation"].log_text()


def test_a_proposal_reaches_the_gp_inbox_through_the_worker(topology, flow):
    gp_id = flow["gp"]["id"]
    topology.add_user("medecin@topologie.test", "gp", professional_id=gp_id)
    gp = topology.login("orientation", "medecin@topologie.test")
    proposed = requests.post(
        f"{topology.url('orientation')}/api/orientation/cases/{flow['case']['id']}"
        "/transitions/propose",
        json={"professional_id": gp_id},
        headers=flow["coordinator"],
        timeout=10,
    )
    assert proposed.status_code == 200, proposed.text
    deadline = time.monotonic() + 30
    items: list = []
    while time.monotonic() < deadline and not items:
        inbox = requests.get(
            f"{topology.url('notifications')}/api/notifications/inbox", headers=gp, timeout=10
        )
        assert inbox.status_code == 200, inbox.text
        body = inbox.json()
        items = body["items"] if isinstance(body, dict) else body
        time.sleep(0.5)
    assert items, "no notification reached the GP's inbox"
    assert flow["case"]["reference"] in json.dumps(items, ensure_ascii=False)
    # With REDIS_URL set the web services only hand events over: the worker delivered them,
    # and it runs RQ's scheduler (retried deliveries wait there).
    assert topology.worker is not None
    worker_log = topology.worker.log_text()
    assert "Successfully completed outbox event" in worker_log
    assert "Acquired scheduler lock for relais" in worker_log


def test_a_multi_process_service_reports_its_metrics_to_loopback(topology, flow):
    body = requests.get(f"{topology.url('agenda')}/metrics", timeout=10).text
    assert 'route="/api/agenda/professionals"' in body
    assert "relais_redis_up 1.0" in body


def test_every_service_logs_json_lines_without_patient_data(topology, flow):
    _suggestions(topology, flow, "topologie-journaux")
    patient = flow["patient"]
    for process in topology.all_logs():
        lines = [line for line in process.log_text().splitlines() if line.strip()]
        assert lines, process.name
        not_json = [line for line in lines if not line.startswith("{")]
        assert not_json == [], (process.name, not_json[:3])
        text = "\n".join(lines)
        for secret in (
            patient["last_name"],
            patient["first_name"],
            patient["nir"],
            patient["phone"],
            patient["address"]["line"],
        ):
            assert secret not in text, (process.name, secret)
