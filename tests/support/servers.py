"""Serve a WSGI app from a thread on a free port of this run's range (`RELAIS_TEST_PORTS`)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import make_server

from bench.live_server import free_port as first_free_port

# Ports the suite may listen on (the first free one is used).
PORTS = os.environ.get("RELAIS_TEST_PORTS", "18600-18619")


def free_port() -> int:
    """The first port of `RELAIS_TEST_PORTS` nobody listens on."""
    first, last = (int(p) for p in PORTS.split("-"))
    return first_free_port(range(first, last + 1))


@contextlib.contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """`app` served by a thread (one more per request); yields its base URL."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
