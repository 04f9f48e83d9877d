"""A real SMTP server process for tests: stores each accepted message as a file.

`python tests/support/smtp_sink.py --port P --dir D [--reject] [--hold-first SECONDS]`
- `--reject`: every recipient is refused for good (550);
- `--hold-first`: the first DATA is answered only after SECONDS (a client killed meanwhile
  loses its connection, and the message is not accepted, as with any SMTP server).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import threading
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path, reject: bool, hold_first: float):
        self.folder = folder
        self.reject = reject
        self.hold_first = hold_first
        self.held = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold_first and not self.held:
            self.held = True
            (self.folder / "holding").touch()
            await asyncio.sleep(self.hold_first)
        name = uuid.uuid4().hex
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        os.replace(tmp, self.folder / f"{name}.eml")
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("--hold-first", type=float, default=0.0)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        Sink(args.dir, args.reject, args.hold_first), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    (args.dir / "ready").touch()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
