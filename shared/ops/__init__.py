"""Operations: structured logs, metrics, probes, configuration checks and backups."""

from __future__ import annotations

from flask import Flask

from shared.ops.logs import install_request_logging
from shared.ops.metrics import install_metrics


def install_operations(app: Flask) -> None:
    """JSON logs with the request id, one access line per request, and `/metrics`."""
    install_request_logging(app)
    install_metrics(app)
