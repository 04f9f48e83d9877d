"""The agenda's part of a search (its teleconsultations): over HTTP when the agenda runs apart
(`AGENDA_URL`), through its code when both run in one process; nothing when it does not run."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from flask import current_app

from shared.auth.principal import Principal
from shared.cases.search import SearchTerms, search_cases, search_item
from shared.errors import ServiceUnavailable
from shared.ops.logs import current_request_id

TIMEOUT = (2.0, 5.0)  # connect, read (seconds)
PATH = "/api/agenda/teleconsultations/search"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgendaPart:
    """The agenda's search items, and whether their reads are audited already (by the agenda
    itself, over HTTP) or are left to the caller with its own (in one process)."""

    items: list[dict[str, Any]]
    audited: bool


def agenda_items(terms: SearchTerms, principal: Principal) -> AgendaPart:
    """The teleconsultations `terms` finds that `principal` may see, as search items."""
    settings = current_app.config["RELAIS_SETTINGS"]
    if "agenda" in settings.service_urls:
        return AgendaPart(_over_http(settings.service_urls["agenda"], terms, principal), True)
    if "agenda" in current_app.config["RELAIS_SERVICES"]:
        # Imported here: orientation running apart never loads the agenda's code.
        from services.agenda.teleconsultation.service import TELECONSULTATION

        found = search_cases([TELECONSULTATION], terms, principal, audit=False)
        return AgendaPart([search_item(case_type, case) for case_type, case in found], False)
    return AgendaPart([], True)


def _over_http(base_url: str, terms: SearchTerms, principal: Principal) -> list[dict[str, Any]]:
    params = {"patient": ",".join(terms.patient)} if terms.patient else {"q": terms.text}
    headers = {"Authorization": f"Bearer {principal.token}"} if principal.token else {}
    request_id = current_request_id()
    if request_id:
        headers["X-Request-Id"] = request_id
    try:
        response = requests.get(base_url + PATH, params=params, headers=headers, timeout=TIMEOUT)
        response.raise_for_status()
        return list(response.json()["items"])
    except (requests.RequestException, ValueError, KeyError) as exc:
        log.warning(
            "agenda search failed", extra={"dependency": "agenda", "error": type(exc).__name__}
        )
        raise ServiceUnavailable(
            "La recherche dans les téléconsultations (service agenda) ne répond pas."
        ) from exc
