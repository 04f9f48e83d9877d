"""How orientation reads the directory of the agenda service: over HTTP when the agenda runs
apart (`AGENDA_URL`), through its service layer when both run in one process."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from shared.auth.permissions import current_principal
from shared.errors import ServiceUnavailable
from shared.ops.logs import current_request_id

TIMEOUT = (2.0, 5.0)  # connect, read (seconds)
PAGE_SIZE = 100
log = logging.getLogger(__name__)


class Directory(Protocol):
    def professionals(
        self,
        *,
        profession: str | None = None,
        accepting_new_patients: bool | None = None,
        ids: list[uuid.UUID] | None = None,
    ) -> list[dict[str, Any]]: ...


class InProcessDirectory:
    """The agenda's directory service, called directly (embedded server)."""

    def professionals(
        self,
        *,
        profession: str | None = None,
        accepting_new_patients: bool | None = None,
        ids: list[uuid.UUID] | None = None,
    ) -> list[dict[str, Any]]:
        """Directory entries matching the filters, as the API would return them."""
        # Imported here: orientation running apart never loads the agenda's code.
        from services.agenda.directory.schemas import ProfessionalSchema
        from services.agenda.directory.service import search_query
        from shared.extensions import db

        query = search_query(
            profession=profession, accepting_new_patients=accepting_new_patients, ids=ids
        )
        return ProfessionalSchema().dump(db.session.scalars(query), many=True)


class HttpDirectory:
    """The agenda's directory over HTTP, with timeouts and retries on these idempotent GETs."""

    def __init__(self, base_url: str, token: str | None, request_id: str | None = None):
        self.base_url = base_url
        self.session = requests.Session()
        retry = Retry(
            total=3,
            backoff_factor=0.2,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if request_id:
            # The agenda's log lines for this call share the caller's request id.
            self.session.headers["X-Request-Id"] = request_id

    def professionals(
        self,
        *,
        profession: str | None = None,
        accepting_new_patients: bool | None = None,
        ids: list[uuid.UUID] | None = None,
    ) -> list[dict[str, Any]]:
        """Every page of the directory search."""
        params: dict[str, Any] = {"per_page": PAGE_SIZE}
        if profession:
            params["profession"] = profession
        if accepting_new_patients is not None:
            params["accepting_new_patients"] = str(accepting_new_patients).lower()
        if ids is not None:
            params["ids"] = ",".join(str(i) for i in ids)
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._get("/api/agenda/professionals", {**params, "page": page})
            items.extend(body["items"])
            if page * PAGE_SIZE >= body["total"]:
                return items
            page += 1

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.session.get(self.base_url + path, params=params, timeout=TIMEOUT)
        except requests.RequestException as exc:
            log.warning(
                "directory unreachable", extra={"dependency": "agenda", "error": type(exc).__name__}
            )
            raise ServiceUnavailable("L'annuaire (service agenda) ne répond pas.") from exc
        if not response.ok:
            # Whatever went wrong on the other side, our caller gets a clear 503, not a 500.
            log.warning(
                "directory call failed",
                extra={"dependency": "agenda", "status": response.status_code},
            )
            raise ServiceUnavailable("L'annuaire (service agenda) est indisponible.")
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceUnavailable(
                "L'annuaire (service agenda) a répondu de façon illisible."
            ) from exc


def directory() -> Directory:
    """The directory reachable from this process."""
    settings = current_app.config["RELAIS_SETTINGS"]
    if "agenda" in settings.service_urls:
        principal = current_principal()
        return HttpDirectory(
            settings.service_urls["agenda"], principal.token, request_id=current_request_id()
        )
    if "agenda" in current_app.config["RELAIS_SERVICES"]:
        return InProcessDirectory()
    raise ServiceUnavailable("L'annuaire n'est pas configuré : définissez AGENDA_URL.")
