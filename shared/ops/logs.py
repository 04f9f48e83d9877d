"""Structured JSON logs carrying the request id, and nothing that identifies a patient.

One JSON object per line on stderr. The request id comes from the Flask request (`g.request_id`,
assigned from `X-Request-Id` by the app factory) or, outside a request (RQ jobs, CLI), from
`bind_request_id`. Access lines log the route and status, never the query string or body.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g, has_request_context, request

ACCESS_LOGGER = "relais.access"
_job_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "relais_request_id", default=None
)
# Defence in depth only: the rule is that no code logs patient data in the first place.
# Only whole words: a UUID or a hash that happens to contain ten digits is left alone.
_NIR = re.compile(r"(?<![\w-])[12]\d{4}(?:2[AB]|\d{2})\d{6}(?:\d{2})?(?![\w-])", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+-])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\w-])")
_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def current_request_id() -> str | None:
    """The id of the request (or job) being handled, if any."""
    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            return request_id
    return _job_request_id.get()


@contextmanager
def bind_request_id(request_id: str | None) -> Iterator[None]:
    """Attach `request_id` to every log line written inside the block (jobs, CLI)."""
    token = _job_request_id.set(request_id)
    try:
        yield
    finally:
        _job_request_id.reset(token)


def redact(text: str) -> str:
    """Mask anything shaped like a NIR or a French phone number."""
    return _PHONE.sub("[téléphone masqué]", _NIR.sub("[NIR masqué]", text))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and key != "request_id" and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where it was raised, never the message: it may quote patient data.
            entry["exc_type"] = record.exc_info[0].__name__
            frames = traceback.extract_tb(record.exc_info[2])
            entry["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in frames]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON (once per process; gunicorn may have done it)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_libraries()


def quiet_libraries() -> None:
    """Libraries that narrate every step at INFO (each state change, each job) speak at WARNING."""
    for name in ("transitions", "transitions.core"):
        logging.getLogger(name).setLevel(logging.WARNING)


def gunicorn_logconfig(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for gunicorn: its own lines and the app's, as JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            "transitions": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def install_request_logging(app: Flask) -> None:
    """Log one access line per request (route, status, duration, request id)."""
    settings = app.config["RELAIS_SETTINGS"]
    if settings.env != "test":  # tests capture records themselves
        configure_logging(settings.log_level)
    access = logging.getLogger(ACCESS_LOGGER)
    service = "+".join(app.config["RELAIS_SERVICES"]) or "relais"

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_access(response):
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        access.info(
            "request",
            extra={
                "service": service,
                "method": request.method,
                # The route template, not the path: no identifiers, bounded cardinality.
                "route": request.url_rule.rule if request.url_rule else "unmatched",
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
