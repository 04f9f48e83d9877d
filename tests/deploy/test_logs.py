"""Structured logs: one JSON line per request, with its request id, and no patient data."""

from __future__ import annotations

import io
import json
import logging

import pytest
from rq import Queue, SimpleWorker

from shared.ops.jobs import RequestIdJob
from shared.ops.logs import JsonFormatter, bind_request_id, redact
from shared.queue import redis_connection
from tests.support import payloads


@pytest.fixture
def json_logs():
    """Everything logged during the test, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_each_request_writes_one_access_line_with_route_status_and_request_id(client, json_logs):
    response = client.get("/healthz", headers={"X-Request-Id": "demande-42"})
    assert response.headers["X-Request-Id"] == "demande-42"
    lines = [line for line in json_logs() if line["logger"] == "relais.access"]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "demande-42"
    assert lines[0]["route"] == "/healthz"
    assert lines[0]["status"] == 200
    assert lines[0]["method"] == "GET"
    assert lines[0]["duration_ms"] >= 0


def test_an_unreasonable_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-Id": 'a b {"injected": 1}' + "x" * 80})
    assert response.headers["X-Request-Id"].isalnum()
    assert len(response.headers["X-Request-Id"]) == 16


def test_a_signalement_leaves_no_patient_data_in_the_logs(client, accounts, json_logs):
    professional = accounts.create("professional")
    coordinator = accounts.create("coordinator")
    body = payloads.signalement()
    patient = body["patient"]
    created = client.post("/api/orientation/signalements", json=body, headers=professional)
    assert created.status_code == 201
    duplicate = client.post("/api/orientation/signalements", json=body, headers=professional)
    assert duplicate.status_code == 409
    invalid = payloads.signalement()
    invalid["patient"] = {**patient, "phone": "06 12", "nir": patient["nir"][:-1]}
    assert (
        client.post("/api/orientation/signalements", json=invalid, headers=professional).status_code
        == 422
    )
    case_id = created.get_json()["id"]
    assert client.get(f"/api/orientation/cases/{case_id}", headers=coordinator).status_code == 200
    client.get(f"/api/orientation/cases?q={patient['last_name']}", headers=coordinator)

    lines = json_logs()
    assert len([line for line in lines if line["logger"] == "relais.access"]) == 5
    text = json.dumps(lines, ensure_ascii=False)
    for secret in (
        patient["last_name"],
        patient["first_name"],
        patient["nir"],
        "0612345678",
        "06 12",
    ):
        assert secret not in text
    assert patient["address"]["line"] not in text


def test_the_formatter_masks_anything_shaped_like_a_nir_or_a_phone_number():
    nir = payloads.make_nir()
    assert redact(f"nir={nir} tel=06 12 34 56 78 autre=+33612345678") == (
        "nir=[NIR masqué] tel=[téléphone masqué] autre=[téléphone masqué]"
    )
    assert redact("case 3f2a9c1e-1234-4bcd-8e9f-0123456789ab, 200 OK in 12.5 ms") == (
        "case 3f2a9c1e-1234-4bcd-8e9f-0123456789ab, 200 OK in 12.5 ms"
    )


def test_exceptions_are_logged_by_type_and_place_never_by_message(json_logs):
    try:
        raise ValueError("Dupont Jeanne 0612345678")
    except ValueError:
        logging.getLogger("relais.test").exception("échec")
    (line,) = json_logs()
    assert line["exc_type"] == "ValueError"
    assert "Dupont" not in json.dumps(line)
    assert any("test_logs.py" in frame for frame in line["stack"])


def test_a_job_logs_under_the_request_id_of_the_request_that_enqueued_it(json_logs, redis_url):
    connection = redis_connection(redis_url)
    connection.flushdb()
    queue = Queue("relais-logs-test", connection=connection, job_class=RequestIdJob)
    with bind_request_id("demande-du-job"):
        job = queue.enqueue(logging.getLogger("relais.test.job").warning, "travail exécuté")
    assert job.meta["request_id"] == "demande-du-job"
    worker = SimpleWorker([queue], connection=connection, job_class=RequestIdJob)
    assert worker.work(burst=True)
    job_lines = [line for line in json_logs() if line["logger"] == "relais.test.job"]
    assert [(line["message"], line["request_id"]) for line in job_lines] == [
        ("travail exécuté", "demande-du-job")
    ]
    connection.flushdb()
