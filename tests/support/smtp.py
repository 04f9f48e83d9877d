"""A real SMTP server process for tests (`tests/support/smtp_sink.py`) and its fixtures."""

from __future__ import annotations

import email
import signal
import subprocess
import sys
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.support.notifications import wait_for
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


class SmtpSink:
    """A running `tests/support/smtp_sink.py` process and the messages it accepted."""

    def __init__(self, folder: Path, port: int, *args: str):
        self.folder, self.port = folder, port
        folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests/support/smtp_sink.py"),
                "--port",
                str(port),
                "--dir",
                str(folder),
                *args,
            ],
        )
        try:
            wait_for(lambda: (folder / "ready").exists(), what="SMTP sink start")
        except AssertionError:
            self.process.kill()  # e.g. another run took the port meanwhile
            self.process.wait(timeout=10)
            raise

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]

    def sessions(self) -> list[int]:
        """The number of the SMTP session that brought each message, in arrival order."""
        files = sorted(self.folder.glob("*.session"), key=lambda p: p.stat().st_mtime_ns)
        return [int(p.read_text()) for p in files]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


@pytest.fixture
def smtp_factory(tmp_path: Path) -> Iterator:
    sinks: list[SmtpSink] = []

    def start(*args: str, port: int | None = None) -> SmtpSink:
        sink = SmtpSink(tmp_path / f"smtp-{len(sinks)}", port or free_port(), *args)
        sinks.append(sink)
        return sink

    yield start
    for sink in sinks:
        sink.stop()


@pytest.fixture
def smtp(smtp_factory) -> SmtpSink:
    return smtp_factory()
