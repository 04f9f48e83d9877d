"""How the indicators read the agenda's block: in process when the agenda runs here, over HTTP
(`AGENDA_URL`) otherwise, as `directory_client` does for the directory."""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import requests
from flask import current_app

from services.orientation.indicators.period import Period
from services.orientation.indicators.sources import (
    Figures,
    Monthly,
    Source,
    by_month,
    module_present,
)
from shared.auth.permissions import current_principal
from shared.errors import ServiceUnavailable

TIMEOUT = (2.0, 10.0)  # connect, read (seconds): the agenda aggregates a year of slots
# The agenda's own function behind `GET /api/agenda/indicators`, called with the keywords
# `start` and `end` (Paris dates, inclusive) and returning the same document
# `{"agenda": {...}, "by_month": [{"month": "YYYY-MM", ...}]}`; absent until the agenda's
# indicators land, in which case the block reads 0.
IN_PROCESS_FUNCTION = ("services.agenda.indicators.service", "agenda_indicators")


class AgendaIndicators(Protocol):
    def fetch(self, period: Period) -> dict[str, Any] | None: ...


class InProcessAgenda:
    """The agenda's indicators service, called directly (embedded server)."""

    def fetch(self, period: Period) -> dict[str, Any] | None:
        """The agenda's document, or None while its code is not there yet."""
        module, function = IN_PROCESS_FUNCTION
        if not module_present(module):
            return None
        indicators = getattr(importlib.import_module(module), function)
        return indicators(start=period.first_day, end=period.last_day)


class HttpAgenda:
    """`GET {AGENDA_URL}/api/agenda/indicators` with the caller's token and timeouts."""

    def __init__(self, base_url: str, token: str | None):
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def fetch(self, period: Period) -> dict[str, Any] | None:
        """The agenda's document; 503 when the agenda is down or answers with an error."""
        try:
            response = requests.get(
                self.base_url + "/api/agenda/indicators",
                params={"from": period.first_day.isoformat(), "to": period.last_day.isoformat()},
                headers=self.headers,
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise ServiceUnavailable("Le service agenda ne répond pas.") from exc
        if response.status_code >= 400:
            raise ServiceUnavailable("Le service agenda est indisponible.")
        return response.json()


def agenda() -> AgendaIndicators:
    """The agenda reachable from this process."""
    settings = current_app.config["RELAIS_SETTINGS"]
    if "agenda" in settings.service_urls:
        return HttpAgenda(settings.service_urls["agenda"], current_principal().token)
    if "agenda" in current_app.config["RELAIS_SERVICES"]:
        return InProcessAgenda()
    raise ServiceUnavailable("Le service agenda n'est pas configuré : définissez AGENDA_URL.")


def agenda_source(zero: Figures) -> Source:
    """The `agenda` block's source for the registry."""

    def source(period: Period) -> tuple[Figures, Monthly]:
        document = agenda().fetch(period)
        if document is None:
            return dict(zero), {}
        return dict(document.get("agenda", {})), by_month(document.get("by_month"), "agenda")

    return source
