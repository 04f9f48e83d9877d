"""Start `relais serve <service>` in a child process for benchmarks and end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port(ports: range) -> int:
    """The first port of `ports` nobody listens on."""
    for port in ports:
        with contextlib.closing(socket.socket()) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@contextlib.contextmanager
def live_server(
    *, service: str, database_url: str, secret_key: str, ports: range, timeout: float = 30
) -> Iterator[str]:
    """Serve `service` on 127.0.0.1 (a free port of `ports`); yields its base URL."""
    port = free_port(ports)
    env = {**os.environ, "DATABASE_URL": database_url, "RELAIS_ENV": "test"}
    env["SECRET_KEY"] = secret_key
    env.pop("REDIS_URL", None)
    command = [str(Path(sys.executable).parent / "relais"), "serve", service, "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the {service} server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
