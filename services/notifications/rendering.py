"""Turn an event into the French words of its notification (Jinja2, text and HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.notifications.events import Notice

_environment = Environment(
    loader=PackageLoader("services.notifications", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Rendered:
    """Subject, bodies and links of one notification: `path` inside the application (the
    inbox links there, relative, so it follows whatever address serves the page), `link`
    the absolute address an e-mail carries (`PUBLIC_URL` + `path`)."""

    subject: str
    text: str
    html: str
    link: str
    summary: str
    path: str


SUBJECT_PREFIX = "[Relais] "


def title_of(subject: str) -> str:
    """The title a subject carries: the inbox and the digest show it without the prefix."""
    return subject.removeprefix(SUBJECT_PREFIX)


def _rendered(
    template: str, context: dict[str, Any], *, link: str, summary: str, path: str
) -> Rendered:
    """The e-mail of `notifications/<template>.txt|html`, its subject the context's title."""
    return Rendered(
        subject=SUBJECT_PREFIX + context["title"],
        text=_environment.get_template(f"notifications/{template}.txt").render(context),
        html=_environment.get_template(f"notifications/{template}.html").render(context),
        link=link,
        summary=summary,
        path=path,
    )


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(
    notice: Notice, *, reference: str | None, payload: dict[str, Any], public_url: str
) -> Rendered:
    """Fill the notice's texts from the event's reference and ids only (no patient data)."""
    if notice.verbatim:
        return _verbatim(payload, public_url=public_url)
    values = _Blank({k: v for k, v in payload.items() if isinstance(v, str | int)})
    values["reference"] = reference or ""
    title = notice.title.format_map(values).strip()
    summary = notice.summary.format_map(values)
    path = "/" + notice.link.format_map(values).strip("/")
    link = public_url.rstrip("/") + path
    context = {"title": title, "summary": summary, "link": link, "reference": reference}
    return _rendered("email", context, link=link, summary=summary, path=path)


def _verbatim(payload: dict[str, Any], *, public_url: str) -> Rendered:
    """An account e-mail as `shared/auth` wrote it (its text is plain: shown preformatted)."""
    subject, text = str(payload.get("subject") or ""), str(payload.get("text") or "")
    return Rendered(
        subject=subject[:200],
        text=text,
        html="<pre>" + escape(text) + "</pre>",
        link=public_url.rstrip("/") + "/",
        summary=subject,
        path="/",
    )


def render_digest(*, items: list[dict[str, str]], public_url: str) -> Rendered:
    """One e-mail listing the day's notifications of a user who chose the daily digest."""
    title = f"Vos {len(items)} notification(s) Relais du jour"
    context = {"title": title, "items": items, "link": public_url}
    return _rendered("digest", context, link=public_url, summary=title, path="/")


def load_templates() -> None:
    """Compile every template now (a worker does it once, before forking its work-horses)."""
    for name in _environment.list_templates():
        _environment.get_template(name)
