"""Send e-mails through the SMTP server of `SMTP_URL`, telling lasting from passing failures.

A process keeps its SMTP session open between e-mails (one per thread and per SMTP
configuration): a non-forking worker then greets the server, sets up TLS and logs in once, not
once per message. A session idle for longer than `IDLE_SECONDS` is closed before use (servers
drop idle clients), and a reused session the server has dropped meanwhile is replaced by a new
one for the same message, once.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import threading
import time
import weakref
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from shared.settings import SMTP_SCHEMES, Settings, smtp_uses_tls


class TransientFailure(Exception):
    """The server could not take the message now (down, busy, 4xx): try again later."""


class TlsFailure(TransientFailure):
    """TLS could not be set up (server certificate untrusted or misnamed, our certificate
    refused, no STARTTLS offered): retried a few times like a passing failure, then given up
    for good, since it rarely mends by itself; never a fallback to clear text."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): retrying would not help."""


# Postfix drops an idle client after 300 s, many operators sooner: a session unused this long
# is closed rather than reused.
IDLE_SECONDS = 30.0
# What says the server dropped a session we reused: the message was not taken, send it again.
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError)


@dataclass
class _Session:
    key: tuple[object, ...]
    client: smtplib.SMTP
    pid: int
    last_used: float


_local = threading.local()


@dataclass(frozen=True)
class OutgoingEmail:
    """An e-mail ready to send; `message_id` is stable so receivers can spot a re-send."""

    sender: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str


def build_message(mail: OutgoingEmail) -> EmailMessage:
    """A multipart (text + HTML) message."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Verification always on: the server's certificate must chain to `SMTP_CA_FILE` (the
    system's authorities when unset) and name the host; the structure's certificate, if any,
    is presented to the server."""
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.smtp_client_cert:
        context.load_cert_chain(settings.smtp_client_cert, settings.smtp_client_key)
    return context


def send(settings: Settings, mail: OutgoingEmail) -> None:
    """Deliver `mail` to the server of `SMTP_URL`; raises `TransientFailure` (`TlsFailure`
    when TLS could not be set up) or `PermanentFailure`.

    `smtps://` wraps the connection in TLS from the start; `smtp+starttls://` (or the older
    `smtp://…?starttls=1`) must switch to TLS before anything else is said. Nothing is ever
    sent in clear text on a URL that asks for TLS. The session stays open for the next
    message of this thread (`close_session` ends it).
    """
    assert settings.smtp_url, "send() is only called when SMTP_URL is set"
    url = urlsplit(settings.smtp_url)
    if url.scheme not in SMTP_SCHEMES:
        raise PermanentFailure(f"SMTP_URL: unknown scheme {url.scheme!r}")
    message = build_message(mail)
    try:
        session, reused = _open_session(settings, url)
        try:
            session.client.send_message(message)
        except _DROPPED:
            if not reused:
                raise
            # The server closed a session it had kept idle: a new one, for the same message.
            close_session()
            session, _ = _open_session(settings, url)
            session.client.send_message(message)
        session.last_used = time.monotonic()
    except smtplib.SMTPRecipientsRefused as exc:
        close_session()
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(detail) from exc
        raise TransientFailure(detail) from exc
    except smtplib.SMTPResponseException as exc:
        close_session()
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            raise PermanentFailure(detail) from exc
        raise TransientFailure(detail) from exc
    except ssl.SSLError as exc:
        close_session()
        raise TlsFailure(f"{type(exc).__name__}: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        close_session()
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc
    except BaseException:
        close_session()  # whatever state the conversation is in, the next one starts afresh
        raise


def _session_key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.smtp_url,
        settings.smtp_client_cert,
        settings.smtp_client_key,
        settings.smtp_ca_file,
        settings.smtp_timeout_seconds,
    )


def _open_session(settings: Settings, url: SplitResult) -> tuple[_Session, bool]:
    """This thread's session for these settings, opened (and logged in) if need be; True
    when it was already open."""
    key, current = _session_key(settings), getattr(_local, "session", None)
    fresh = (
        current is not None
        and current.key == key
        and current.pid == os.getpid()  # never a socket inherited through fork()
        and time.monotonic() - current.last_used < IDLE_SECONDS
    )
    if current is not None and fresh:
        return current, True
    close_session()
    client = _connect(settings, url)
    try:
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        client.close()
        raise
    session = _Session(key, client, os.getpid(), time.monotonic())
    # A thread that ends drops its session: its socket is closed then, not left to the GC.
    weakref.finalize(session, _close_quietly, client.sock, client.file)
    _local.session = session
    return session, False


def _close_quietly(*closables: Any) -> None:
    for closable in closables:
        if closable is not None:
            with contextlib.suppress(OSError):
                closable.close()


def close_session() -> None:
    """End this thread's SMTP session, if any (QUIT when the server still listens)."""
    session: _Session | None = getattr(_local, "session", None)
    _local.session = None
    if session is None:
        return
    if session.pid != os.getpid():
        return  # the parent's socket: leave it to the parent
    try:
        session.client.quit()
    except (OSError, smtplib.SMTPException):
        session.client.close()


def _connect(settings: Settings, url: SplitResult) -> smtplib.SMTP:
    """An open session, over verified TLS when the URL asks for it, greeted again (EHLO) once
    TLS is up: a server refusing our certificate does so by then, so that refusal is a
    `TlsFailure` too, while a server that is down stays a plain `OSError`."""
    host, timeout = url.hostname or "127.0.0.1", settings.smtp_timeout_seconds
    if not smtp_uses_tls(settings.smtp_url or ""):
        return smtplib.SMTP(host, url.port or 25, timeout=timeout)
    # STARTTLS: the clear-text greeting comes first, its failures are plain connection ones.
    implicit = url.scheme == "smtps"
    client = None if implicit else smtplib.SMTP(host, url.port or 25, timeout=timeout)
    try:
        if client is None:
            client = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=timeout, context=tls_context(settings)
            )
        else:
            # Raises SMTPNotSupportedError when the server offers no STARTTLS.
            client.starttls(context=tls_context(settings))
        client.ehlo()
    except (ssl.SSLError, smtplib.SMTPNotSupportedError, smtplib.SMTPServerDisconnected) as exc:
        if client is not None:
            client.close()
        raise TlsFailure(f"TLS: {type(exc).__name__}: {exc}") from exc
    except BaseException:
        if client is not None:
            client.close()
        raise
    return client


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
