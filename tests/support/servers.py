"""Serve a WSGI app from a thread on a free port of this run's range (`RELAIS_TEST_PORTS`)."""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import make_server

from bench.live_server import free_port as first_free_port

# Ports the suite may listen on. They are tried in random order, so that two runs on one
# machine (two checkouts, or the tests beside a benchmark) rarely reach for the same port.
PORTS = os.environ.get("RELAIS_TEST_PORTS", "18600-18999")


def free_port() -> int:
    """A port of `RELAIS_TEST_PORTS` nobody listens on."""
    first, last = (int(p) for p in PORTS.split("-"))
    ports = list(range(first, last + 1))
    random.shuffle(ports)
    return first_free_port(ports)


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
