"""`/metrics`: traffic, cases by state, queue depth; only for loopback or the metrics token."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from services.bootstrap import SERVICES
from shared.queue import redis_connection
from tests.support import payloads


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def test_metrics_count_requests_by_route_and_status(client):
    def count() -> float:
        body = client.get("/metrics").get_data(as_text=True)
        key = (
            "relais_http_requests_total",
            (
                ("method", "GET"),
                ("route", "/healthz"),
                ("service", "+".join(SERVICES)),
                ("status", "200"),
            ),
        )
        return samples(body).get(key, 0.0)

    before = count()
    client.get("/healthz")
    client.get("/healthz")
    assert count() == before + 2
    body = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'relais_http_request_duration_seconds_count\{[^}]*route="/healthz"', body)
    assert 'route="/metrics"' not in body


def test_metrics_report_cases_by_kind_and_state(client, accounts):
    professional = accounts.create("professional")
    for _ in range(2):
        response = client.post(
            "/api/orientation/signalements", json=payloads.signalement(), headers=professional
        )
        assert response.status_code == 201
    values = samples(client.get("/metrics").get_data(as_text=True))
    assert values[("relais_cases", (("kind", "medecin_traitant"), ("state", "submitted")))] == 2


def test_metrics_are_refused_to_a_remote_caller_without_the_token(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_metrics_are_served_to_a_remote_caller_with_the_token(service_app):
    app = service_app("agenda", metrics_token="jeton-de-test-123456")
    client = app.test_client()
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    wrong = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer non"})
    assert wrong.status_code == 403
    right = client.get(
        "/metrics", environ_base=remote, headers={"Authorization": "Bearer jeton-de-test-123456"}
    )
    assert right.status_code == 200
    assert "relais_http_requests_total" in right.get_data(as_text=True)


def test_metrics_report_queue_depth_when_redis_is_configured(service_app, redis_url):
    connection = redis_connection(redis_url)
    connection.flushdb()
    queue = Queue("relais-metrics-test", connection=connection)
    queue.enqueue("builtins.print", "x")
    queue.enqueue("builtins.print", "y")
    app = service_app("notifications", redis_url=redis_url)
    values = samples(app.test_client().get("/metrics").get_data(as_text=True))
    assert values[("relais_queue_jobs", (("queue", "relais-metrics-test"),))] == 2
    assert values[("relais_redis_up", ())] == 1
    connection.flushdb()


def test_metrics_still_answer_when_redis_is_down(service_app):
    app = service_app("notifications", redis_url="redis://127.0.0.1:18739/0")
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert samples(response.get_data(as_text=True))[("relais_redis_up", ())] == 0
