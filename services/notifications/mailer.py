"""Send one e-mail through the SMTP server of `SMTP_URL`, telling lasting from passing failures."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from shared.settings import SMTP_SCHEMES, Settings, smtp_uses_tls


class TransientFailure(Exception):
    """The server could not take the message now (down, busy, 4xx): try again later."""


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
    """Deliver `mail` to the server of `SMTP_URL`; raises `TransientFailure` or
    `PermanentFailure`.

    `smtps://` wraps the connection in TLS from the start; `smtp+starttls://` (or the older
    `smtp://…?starttls=1`) must switch to TLS before anything else is said. A TLS failure of
    any kind (untrusted or misnamed server, client certificate refused, no STARTTLS offered)
    is a transient failure: the delivery is retried later, never sent in clear text.
    """
    assert settings.smtp_url, "send() is only called when SMTP_URL is set"
    url = urlsplit(settings.smtp_url)
    if url.scheme not in SMTP_SCHEMES:
        raise PermanentFailure(f"SMTP_URL: unknown scheme {url.scheme!r}")
    host, port = url.hostname or "127.0.0.1", url.port
    timeout = settings.smtp_timeout_seconds
    try:
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port or 465, timeout=timeout, context=tls_context(settings)
            )
        else:
            client = smtplib.SMTP(host, port or 25, timeout=timeout)
        with client:
            if url.scheme != "smtps" and smtp_uses_tls(settings.smtp_url):
                # Raises SMTPNotSupportedError when the server offers no STARTTLS.
                client.starttls(context=tls_context(settings))
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
    except (OSError, smtplib.SMTPException) as exc:
        # ssl.SSLError and its certificate errors are OSErrors: retried like a server down.
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
