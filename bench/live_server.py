"""Start `relais serve <service>` in a child process for benchmarks and end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port(ports: Sequence[int]) -> int:
    """The first port of `ports` nobody listens on."""
    for port in ports:
        with contextlib.closing(socket.socket()) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port among {len(ports)} ports from {min(ports)}")


@contextlib.contextmanager
def running(
    command: list[str], *, port: int, env: dict[str, str], timeout: float = 60
) -> Iterator[subprocess.Popen]:
    """Start a server process listening on `port`, wait until `/healthz` answers, stop it
    afterwards; yields the process.

    Its output goes to a temporary file, not a pipe: a pipe nobody reads fills up with the
    access log and every request thread then blocks on the log handler's lock. The file's
    end is the error raised when the process dies before answering."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 - our own venv's executables
            command, cwd=ROOT, env=env, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(output.read().decode(errors="replace")[-2000:])
                with contextlib.suppress(requests.RequestException):
                    response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    if response.status_code < 500:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server on port {port} did not start")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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
    with running(command, port=port, env=env, timeout=timeout):
        yield f"http://127.0.0.1:{port}"
