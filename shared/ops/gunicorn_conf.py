"""Gunicorn settings for the service containers: `gunicorn -c python:shared.ops.gunicorn_conf`.

Every value can be overridden on the command line (`--bind`, `--workers`) or by the
environment variables read below.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from shared.ops.logs import gunicorn_logconfig

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside a container
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# SIGTERM: stop accepting, let requests in flight finish for up to this many seconds.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
keepalive = 5
accesslog = None  # the app writes its own JSON access line, without query strings
logconfig_dict = gunicorn_logconfig(os.environ.get("LOG_LEVEL", "INFO"))
# gunicorn 24+ opens a control socket in $HOME by default: not needed, and the image's home is
# read-only for its user.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server) -> None:
    """Start with an empty multiprocess metrics folder (stale files would add up)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    """Forget the live gauges of a worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
