"""Container health probes, without curl in the image.

`python -m shared.ops.probe http://127.0.0.1:8000/readyz` exits 0 when the URL answers 2xx;
`python -m shared.ops.probe --worker` exits 0 when an RQ worker of this host is registered.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request

TIMEOUT_SECONDS = 5


def probe_url(url: str) -> bool:
    """The URL answers with a 2xx status."""
    if not url.startswith(("http://", "https://")):
        return False
    try:
        # Only http(s), checked above; the URL is the container's own health endpoint.
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            return 200 <= response.status < 300
    except OSError:
        return False


def probe_worker(redis_url: str) -> bool:
    """An RQ worker started on this host (container) is registered in Redis."""
    from rq import Worker

    from shared.queue import redis_connection

    try:
        workers = Worker.all(connection=redis_connection(redis_url))
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return False
    return any(worker.hostname == socket.gethostname() for worker in workers)


def main(argv: list[str]) -> int:
    """Exit status 0 when healthy, 1 otherwise."""
    if argv == ["--worker"]:
        return 0 if probe_worker(os.environ.get("REDIS_URL", "redis://localhost:6379/0")) else 1
    if len(argv) == 1:
        return 0 if probe_url(argv[0]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
