"""Send one e-mail through the SMTP server of `SMTP_URL`, telling lasting from passing failures."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
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
    sent in clear text on a URL that asks for TLS.
    """
    assert settings.smtp_url, "send() is only called when SMTP_URL is set"
    url = urlsplit(settings.smtp_url)
    if url.scheme not in SMTP_SCHEMES:
        raise PermanentFailure(f"SMTP_URL: unknown scheme {url.scheme!r}")
    try:
        with _connect(settings, url) as client:
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(build_message(mail))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(detail) from exc
        raise TransientFailure(detail) from exc
    except smtplib.SMTPResponseException as exc:
        detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            raise PermanentFailure(detail) from exc
        raise TransientFailure(detail) from exc
    except ssl.SSLError as exc:
        raise TlsFailure(f"{type(exc).__name__}: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


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
