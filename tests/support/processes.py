"""Start Relais processes (gunicorn, `relais serve`, `relais worker`) for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def plain_pg_url(url: str) -> str:
    """`postgresql+psycopg://…` → `postgresql://…`, as an operator would write it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def run_cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run `relais ARGS`; return its stdout, fail loudly with its stderr."""
    result = subprocess.run(
        [str(BIN / "relais"), *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise AssertionError(f"relais {' '.join(args)} failed: {result.stderr}")
    return result.stdout


class ServiceProcess:
    """One server process, its output in a log file, started and stopped by the test."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, logs: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait_ready: bool = True) -> ServiceProcess:
        """Start the process (appending to its log) and wait until `/readyz` answers 200."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            self.argv,
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready:\n{self.log_text()[-3000:]}")

    def terminate(self) -> None:
        """Send SIGTERM to the process (gunicorn's master forwards it to its workers)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, wait; SIGKILL this process group if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(5)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_records(self) -> list[dict[str, Any]]:
        """Every JSON line of the log (assert separately that there is nothing else)."""
        return [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]
