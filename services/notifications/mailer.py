"""Send one e-mail through the SMTP server of `SMTP_URL`, telling lasting from passing failures."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


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


def send(smtp_url: str, mail: OutgoingEmail, *, timeout: float) -> None:
    """Deliver `mail` to the SMTP server; raises `TransientFailure` or `PermanentFailure`."""
    url = urlsplit(smtp_url)
    options = parse_qs(url.query)
    host, port = url.hostname or "127.0.0.1", url.port
    try:
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port or 465, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port or 25, timeout=timeout)
        with client:
            if options.get("starttls") == ["1"]:
                client.starttls(context=ssl.create_default_context())
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
        raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
