"""HTTP endpoints of calendar feeds: manage the secret address, serve the feed."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, url_for
from flask.typing import ResponseReturnValue

from services.agenda.calendar import service
from shared.auth.permissions import allow, current_principal, public, record_rule
from shared.auth.roles import CLINICAL_ROLES
from shared.http.openapi import documented
from shared.schemas import OutputSchema, String

blueprint = Blueprint("agenda_calendar", __name__, url_prefix="/api/agenda")


class FeedAddressSchema(OutputSchema):
    url = String(required=True)


def _absolute(path: str) -> str:
    base = current_app.config["RELAIS_SETTINGS"].public_url.rstrip("/")
    return f"{base}{path}"


@blueprint.post("/calendar/feed")
@allow(*CLINICAL_ROLES)
@documented(
    summary="Créer l'adresse secrète de mon calendrier", response=FeedAddressSchema, status=201
)
def issue_feed() -> ResponseReturnValue:
    """A new secret feed address for the caller (the previous one is revoked)."""
    token = service.issue_feed(principal=current_principal())
    return {"url": _absolute(url_for("agenda_calendar.calendar_feed", token=token))}, 201


@blueprint.delete("/calendar/feed")
@allow(*CLINICAL_ROLES)
@documented(summary="Révoquer l'adresse de mon calendrier", status=204, errors=(404,))
def revoke_feed() -> ResponseReturnValue:
    """Revoke the caller's feed address."""
    service.revoke_feed(principal=current_principal())
    return "", 204


@blueprint.get("/calendar/<uuid:token>.ics")
@public
@record_rule(
    "secret token: the unguessable address is the credential (calendar apps send no header); "
    "only the hash is stored, revocable; the feed carries no patient identity"
)
@documented(
    summary="Flux iCalendar (adresse secrète)", file_types=("text/calendar",), errors=(404,)
)
def calendar_feed(token: uuid.UUID) -> ResponseReturnValue:
    """The caller's slots and bookings as iCalendar; the secret address is the credential."""
    feed = service.feed_for_token(str(token))
    return Response(service.render_feed(feed), mimetype="text/calendar")
