"""HTTP edge of the SAS search: `GET /fhir/sas/Slot`, `GET /fhir/sas/metadata`, and the page
the SAS sends a regulator to (`/agenda/creneaux/<id>`).

The SAS authenticates with the bearer `SAS_API_TOKEN` (behind the mutual-TLS reverse proxy of
docs/sas.md), not with a Relais account: the FHIR routes are `public` for the permission matrix
and check the token themselves. Every refusal there is a FHIR `OperationOutcome`.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from services.agenda.sas.errors import FhirError, Issue
from services.agenda.sas.schemas import SlotSearch, parse_search
from services.agenda.sas.search import offered_slots
from shared.auth.permissions import public, record_rule
from shared.auth.roles import CLINICAL_ROLES
from shared.settings import Settings
from shared.timeutil import utcnow
from shared.web.pages import page, page_blueprint

if TYPE_CHECKING:
    from services.agenda.sas.bundle import Cpts

log = logging.getLogger(__name__)
blueprint = Blueprint("agenda_sas", __name__)
# The page the SAS sends a regulator to, among the agenda's pages (login, HTML errors).
pages = page_blueprint("agenda_sas_pages", __name__, url_prefix="/agenda", templates="templates")
FHIR_JSON = "application/fhir+json"
# The guide writes the older `application/json+fhir`: both are accepted.
JSON_TYPES = (FHIR_JSON, "application/json+fhir", "application/json")
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _settings() -> Settings:
    return current_app.config["RELAIS_SETTINGS"]


def _fhir(data: dict[str, Any], status: int) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")


def _outcome(status: int, issues: list[Issue]) -> Response:
    from services.agenda.sas.bundle import operation_outcome

    response = _fhir(operation_outcome(issues), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sas"'
    return response


def _authorise(settings: Settings) -> None:
    """The SAS's bearer token; without one configured, only outside production."""
    expected = settings.sas_api_token
    if expected is None:
        if settings.env == "production":
            raise FhirError.one(
                503, "exception", "Le point d'accès SAS n'est pas configuré (SAS_API_TOKEN)."
            )
        return
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented.strip().encode(), expected.encode()
    ):
        raise FhirError.one(401, "login", "Jeton du SAS absent ou invalide.")


def _cpts(settings: Settings) -> Cpts:
    # fhir.resources, pydantic and fhirpathpy (tens of MB) load with the first SAS request,
    # not when the application starts.
    from services.agenda.sas.bundle import Cpts

    if not (settings.cpts_name and settings.cpts_finess):
        raise FhirError.one(
            503,
            "exception",
            "Le point d'accès SAS n'est pas configuré (CPTS_NAME et CPTS_FINESS).",
        )
    return Cpts(name=settings.cpts_name, finess=settings.cpts_finess, phone=settings.cpts_phone)


def _negotiate() -> None:
    """Only JSON is served; `_format` or `Accept` asking for anything else gets 406."""
    wanted = request.args.get("_format")
    accept = request.accept_mimetypes
    if (wanted and wanted not in ("json", *JSON_TYPES)) or (
        accept and accept.best_match(JSON_TYPES) is None
    ):
        raise FhirError.one(406, "not-supported", f"Seul le JSON est servi ({FHIR_JSON}).")


def _strict() -> bool:
    """`Prefer: handling=strict`: unknown parameters are refused instead of ignored."""
    return "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")


def _self_url(settings: Settings, search: SlotSearch) -> str:
    query = urlencode(search.applied, safe=":|,", quote_via=quote)
    return f"{settings.public_url}/fhir/sas/Slot?{query}"


@blueprint.get("/fhir/sas/Slot")
@public
@record_rule("the SAS platform only: bearer SAS_API_TOKEN, not a Relais account (docs/sas.md)")
def search_slots() -> ResponseReturnValue:
    """The SAS's search: free SNP slots of 1 to 25 professionals over up to 7 days."""
    settings = _settings()
    _authorise(settings)
    cpts = _cpts(settings)
    _negotiate()
    search = parse_search(request.args, strict=_strict())
    from services.agenda.sas.bundle import search_bundle
    from services.agenda.sas.invariants import violations

    answer = search_bundle(
        offered_slots(search, now=utcnow()),
        search,
        cpts=cpts,
        public_url=settings.public_url,
        self_url=_self_url(settings, search),
    )
    broken = violations(answer)
    if broken:
        log.error("sas: the answer breaks the guide's invariants %s", sorted(set(broken)))
        raise FhirError.one(
            500, "exception", "La réponse ne respecte pas le guide du SAS : rien n'est envoyé."
        )
    return _fhir(answer, 200)


@blueprint.get("/fhir/sas/metadata")
@public
def metadata() -> ResponseReturnValue:
    """The CapabilityStatement of the endpoint."""
    from services.agenda.sas.bundle import capability_statement

    settings = _settings()
    return _fhir(capability_statement(public_url=settings.public_url, published=utcnow()), 200)


@blueprint.route("/fhir/sas/Slot", methods=OTHER_METHODS)
@public
def slot_other_methods() -> ResponseReturnValue:
    """Slots are only searched here."""
    response = _outcome(405, [Issue("not-supported", "Seule la recherche (GET) est possible.")])
    response.headers["Allow"] = "GET, HEAD"
    return response


@blueprint.route("/fhir/sas/<path:anything>", methods=("GET", *OTHER_METHODS))
@public
def unknown_resource(anything: str) -> ResponseReturnValue:
    """Nothing but Slot searches and the CapabilityStatement."""
    return _outcome(404, [Issue("not-found", "Seule la ressource Slot est servie ici.")])


@pages.get("/creneaux/<uuid:slot_id>")
@page(*CLINICAL_ROLES)
def slot_page(slot_id: uuid.UUID) -> ResponseReturnValue:
    """The page a Slot's `comment` names: the slot's booking form (after the login)."""
    return redirect(url_for("agenda_pages.book_form", slot_id=slot_id), code=303)


@blueprint.errorhandler(FhirError)
def _refused(error: FhirError) -> Response:
    return _outcome(error.status, error.issues)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _outcome(error.code or 500, [Issue("processing", error.description or "Erreur.")])


@blueprint.errorhandler(OperationalError)
def _database_unavailable(_error: OperationalError) -> Response:
    log.warning("sas: database unavailable")
    return _outcome(503, [Issue("transient", "Base de données momentanément indisponible.")])


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception) -> Response:
    # The type only, as everywhere in Relais.
    log.error("sas: unexpected error %s", type(error).__name__)
    return _outcome(
        500, [Issue("exception", "Erreur inattendue ; l'équipe technique est prévenue.")]
    )
