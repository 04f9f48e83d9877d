"""Prometheus metrics at `/metrics`: HTTP traffic, cases by state, deliveries, queue depth.

Counters live in this process (or in `PROMETHEUS_MULTIPROC_DIR` under gunicorn with several
workers); the gauges are read from the database and Redis when the endpoint is scraped.
`/metrics` answers only the loopback interface, or a caller presenting `METRICS_TOKEN`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, inspect, select

from shared.auth.permissions import public
from shared.cases.models import CaseMixin
from shared.errors import Forbidden
from shared.extensions import db
from shared.models_registry import mapped_classes, service_table_prefix

REQUESTS = Counter(
    "relais_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "relais_http_request_duration_seconds",
    "Time spent handling HTTP requests",
    ["service", "method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def install_metrics(app: Flask) -> None:
    """Count every request and mount `/metrics`."""
    service = "+".join(app.config["RELAIS_SERVICES"]) or "relais"

    @app.before_request
    def _start_metrics_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count_request(response):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        if route != "/metrics":
            REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
            started = g.get("metrics_started")
            if started is not None:
                LATENCY.labels(service, request.method, route).observe(
                    time.perf_counter() - started
                )
        return response

    app.add_url_rule("/metrics", "metrics", metrics_view)


@public
def metrics_view() -> Response:
    """The Prometheus exposition of this process (loopback or `METRICS_TOKEN` only)."""
    if not _scrape_allowed():
        raise Forbidden("Les métriques ne sont accessibles qu'en local ou avec le jeton prévu.")
    body = generate_latest(_traffic_registry()) + generate_latest(_StateCollector())
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _scrape_allowed() -> bool:
    settings = current_app.config["RELAIS_SETTINGS"]
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if settings.metrics_token and scheme.lower() == "bearer":
        return hmac.compare_digest(presented.strip().encode(), settings.metrics_token.encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _traffic_registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


class _StateCollector:
    """Gauges computed at scrape time from the database and Redis."""

    def collect(self) -> Iterator[Metric]:
        """Cases by state, deliveries by status, database and queue health."""
        services = current_app.config["RELAIS_SERVICES"]
        database_up = GaugeMetricFamily("relais_database_up", "The database answered the scrape")
        try:
            families = list(_database_metrics(services))
            database_up.add_metric([], 1)
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            db.session.rollback()
            families = []
            database_up.add_metric([], 0)
        yield from families
        yield database_up
        redis_url = current_app.config["RELAIS_SETTINGS"].redis_url
        if redis_url:
            yield from _queue_metrics(redis_url)


def _database_metrics(services: Iterable[str]) -> Iterator[Metric]:
    cases = GaugeMetricFamily("relais_cases", "Cases by kind and state", labels=["kind", "state"])
    deliveries = GaugeMetricFamily(
        "relais_deliveries", "Notification deliveries by status", labels=["status"]
    )
    for model in _models_of(services):
        if issubclass(model, CaseMixin):
            kind = str(getattr(model, "kind", None) or model.__tablename__)
            for state, count in _count_by(model, "state"):
                cases.add_metric([kind, str(state)], count)
        elif "deliver" in model.__tablename__ and "status" in model.__table__.c:
            for status, count in _count_by(model, "status"):
                deliveries.add_metric([str(status)], count)
    yield from (cases, deliveries)


def _models_of(services: Iterable[str]) -> list[Any]:
    """The mapped classes of these services' tables."""
    prefixes = tuple(service_table_prefix(name) for name in services)
    return [model for model in mapped_classes() if model.__tablename__.startswith(prefixes)]


def _count_by(model: Any, column: str) -> list[tuple[Any, int]]:
    attribute = getattr(model, column)
    if not inspect(db.engine).has_table(model.__tablename__):
        return []
    rows = db.session.execute(select(attribute, func.count()).group_by(attribute))
    return [(value, count) for value, count in rows]


def _queue_metrics(redis_url: str) -> Iterator[Metric]:
    from rq import Queue

    from shared.queue import redis_connection

    depth = GaugeMetricFamily("relais_queue_jobs", "Jobs waiting in an RQ queue", labels=["queue"])
    failed = GaugeMetricFamily(
        "relais_queue_failed_jobs", "Jobs in an RQ queue's failed registry", labels=["queue"]
    )
    up = GaugeMetricFamily("relais_redis_up", "Redis answered the scrape")
    try:
        for queue in Queue.all(connection=redis_connection(redis_url)):
            depth.add_metric([queue.name], queue.count)
            failed.add_metric([queue.name], queue.failed_job_registry.count)
        up.add_metric([], 1)
    except Exception:  # noqa: BLE001 - a scrape must not fail because Redis is down
        up.add_metric([], 0)
    yield from (depth, failed, up)
