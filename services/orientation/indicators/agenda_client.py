"""How the indicators read the agenda's block: in process when the agenda runs here, over HTTP
(`AGENDA_URL`) otherwise, as `directory_client` does for the directory."""

from __future__ import annotations

from typing import Any, Protocol

import requests
from flask import current_app, g

from services.orientation.indicators.sources import Figures, Monthly
from shared.auth.permissions import current_principal
from shared.errors import ServiceUnavailable
from shared.periods import Period

TIMEOUT = (2.0, 10.0)  # connect, read (seconds): the agenda aggregates a year of slots


class AgendaIndicators(Protocol):
    def fetch(self, period: Period) -> dict[str, Any]: ...


class InProcessAgenda:
    """The agenda's indicators service, called directly (embedded server)."""

    def fetch(self, period: Period) -> dict[str, Any]:
        """The document of `GET /api/agenda/indicators` for the period."""
        # Imported here: orientation running apart never loads the agenda's code.
        from services.agenda.indicators.service import agenda_indicators

        return agenda_indicators(start=period.first_day, end=period.last_day)


class HttpAgenda:
    """`GET {AGENDA_URL}/api/agenda/indicators` with the caller's token and timeouts."""

    def __init__(self, base_url: str, token: str | None):
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def fetch(self, period: Period) -> dict[str, Any]:
        """The agenda's document; 503 when the agenda is down or answers with an error."""
        try:
            response = requests.get(
                self.base_url + "/api/agenda/indicators",
                params=period.as_dict(),
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


def agenda_document(period: Period) -> dict[str, Any]:
    """The agenda's indicators document for the period, fetched once per request however many
    blocks read it (`agenda`, `teleconsultation`, `directory`)."""
    fetched: dict[Any, dict[str, Any]] = g.setdefault("agenda_indicators", {})
    key = (period.first_day, period.last_day)
    if key not in fetched:
        fetched[key] = agenda().fetch(period)
    return fetched[key]


def agenda_block(period: Period) -> tuple[Figures, Monthly]:
    """The `agenda` block's source for the registry: the scalar figures of each month."""
    document = agenda_document(period)
    monthly = {
        row["month"]: {
            key: value
            for key, value in row.items()
            if key != "month" and isinstance(value, int | float)
        }
        for row in document.get("by_month", [])
    }
    return dict(document.get("agenda", {})), monthly


def teleconsultation_block(period: Period) -> tuple[Figures, Monthly]:
    """The `teleconsultation` block: distinct nurses and GPs, completed teleconsultations."""
    document = agenda_document(period)
    monthly = {
        row["month"]: dict(row.get("teleconsultation", {})) for row in document.get("by_month", [])
    }
    return dict(document.get("teleconsultation", {})), monthly


def directory_block(period: Period) -> tuple[Figures, Monthly]:
    """The `directory` block: volunteer GPs and their places now (no history: no months)."""
    return dict(agenda_document(period).get("directory", {})), {}
