"""A real SMTP server process for tests: stores each accepted message as a file.

`python tests/support/smtp_sink.py --port P --dir D [--reject] [--hold-first SECONDS]
[--tls starttls|implicit --cert FILE --key FILE [--client-ca FILE]]`
- `--reject`: every recipient is refused for good (550);
- `--hold-first`: the first DATA is answered only after SECONDS (a client killed meanwhile
  loses its connection, and the message is not accepted, as with any SMTP server);
- `--tls starttls`: STARTTLS is offered and required before MAIL; `--tls implicit`: TLS from
  the first byte (SMTPS); with the server's `--cert` and `--key`;
- `--client-ca`: the client must present a certificate issued by that authority (as an
  MSSanté operator requires the structure's certificate); the subject of the certificate
  presented is stored beside each message (`<name>.peer`).

The number of the SMTP session (connection) that brought each message is stored beside it
(`<name>.session`): a client reusing its session gives several messages one number.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import ssl
import threading
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class TlsController(Controller):
    """A controller whose start-up probe needs no client certificate: a bare TCP connection
    is enough for asyncio to build the protocol, whatever the TLS handshake then does."""

    def _trigger_server(self):
        with socket.create_connection((self.hostname, self.port), timeout=1.0):
            pass


class Sink:
    def __init__(self, folder: Path, reject: bool, hold_first: float):
        self.folder = folder
        self.reject = reject
        self.hold_first = hold_first
        self.held = False
        self.sessions = itertools.count(1)

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
        if not hasattr(session, "relais_number"):
            session.relais_number = next(self.sessions)
        (self.folder / f"{name}.session").write_text(str(session.relais_number))
        peer = server.transport.get_extra_info("peercert") if server.transport else None
        if peer:
            subject = dict(item for rdn in peer["subject"] for item in rdn)
            (self.folder / f"{name}.peer").write_text(subject.get("commonName", ""))
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
    parser.add_argument("--tls", choices=("starttls", "implicit"))
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    parser.add_argument("--client-ca", type=Path)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    handler = Sink(args.dir, args.reject, args.hold_first)
    if args.tls is None:
        controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    else:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
        tls = (
            {"ssl_context": context}
            if args.tls == "implicit"
            else {"tls_context": context, "require_starttls": True}
        )
        controller = TlsController(handler, hostname="127.0.0.1", port=args.port, **tls)
    controller.start()
    (args.dir / "ready").touch()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
