"""Helpers every case page shares: the logged-in user, the posted version, the timeline,
and what to show when an action meets a case that changed meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from shared.auth.principal import Principal
from shared.cases.disclosure import HistoryEntry
from shared.cases.machine import CaseMachine
from shared.errors import NotFound, Unauthenticated, ValidationFailed
from shared.web.registry import TimelineEntry, timeline_extras
from shared.web.session import session_principal

Case = TypeVar("Case")
MISSING_VERSION = "Version du dossier manquante : rechargez la page."


def page_principal() -> Principal:
    """The logged-in user of a page view (`@page` already redirected anonymous visitors)."""
    principal = session_principal()
    if principal is None:  # never trust `@page` alone: assertions vanish under -O
        raise Unauthenticated()
    return principal


def form_version(form: Mapping[str, str]) -> int:
    """The case version a form was rendered with (its If-Match); a French error if absent."""
    raw = form.get("version", "")
    if not raw.isdigit():
        raise ValidationFailed({"version": [MISSING_VERSION]})
    return int(raw)


def case_timeline(
    rows: Iterable[Any],
    reference: str,
    *,
    machine: CaseMachine,
    principal: Principal,
    transition_labels: Mapping[str, str],
    detail: Callable[[HistoryEntry], str | None] = lambda entry: entry.comment,
) -> list[TimelineEntry]:
    """History rows as `principal` may see them (the machine's disclosure rule, as in the API),
    plus other services' entries for the reference, oldest first."""
    entries = []
    for row in machine.disclosure.visible(rows, principal):
        title = transition_labels.get(row.transition, row.transition).capitalize()
        if row.from_state != row.to_state:
            title += f" → {machine.labels.get(row.to_state, row.to_state)}"
        shown = detail(row) if row.revealed else None
        entries.append(TimelineEntry(at=row.at, title=title, detail=shown, by=row.by))
    entries.extend(timeline_extras(reference))
    return sorted(entries, key=lambda entry: entry.at)


def current_state(
    load: Callable[[], Case],
    render: Callable[..., str],
    *,
    notice: str,
    fallback_endpoint: str,
) -> tuple[str, int] | Response:
    """After a refused action: the case as it is now, rendered with the notice saying why
    (409); when the case has left the user's hands meanwhile, their list instead."""
    try:
        current = load()
    except NotFound:
        flash(notice, "warning")
        return redirect(url_for(fallback_endpoint), code=303)
    return render(current, notice=notice), 409
