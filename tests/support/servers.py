"""Serve a WSGI app from a thread on a free port of this run's range (`RELAIS_TEST_PORTS`)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

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


@dataclass
class ScriptedPeer:
    """A stand-in HTTP peer (another service): it answers each GET with the next of
    `statuses` (200 with `body` once they run out, `{"error": {}}` otherwise) and records each
    request's path, parsed query and headers in `requests`."""

    body: dict[str, Any]
    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextlib.contextmanager
def scripted_peer(body: dict[str, Any]) -> Iterator[ScriptedPeer]:
    """A `ScriptedPeer` served by a thread on a free port for the block."""
    peer = ScriptedPeer(body=body)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlparse(self.path)
            peer.requests.append({"path": url.path, "query": parse_qs(url.query), **self.headers})
            status = peer.statuses.pop(0) if peer.statuses else 200
            payload = json.dumps(peer.body if status == 200 else {"error": {}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    peer.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
