"""HTTP endpoints of notifications: the caller's inbox and preferences, deliveries per case."""

from __future__ import annotations

import uuid

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.notifications import reads, service
from services.notifications.models import InboxItem
from services.notifications.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    InboxItemSchema,
    InboxQuerySchema,
    PreferencesSchema,
    PreferencesUpdateSchema,
)
from shared.auth.permissions import ANY_ROLE, allow, current_principal
from shared.auth.roles import ADMIN, COORDINATOR
from shared.http.openapi import documented
from shared.http.pagination import page_schema, paginate
from shared.http.parsing import json_body, query_args

blueprint = Blueprint("notifications", __name__, url_prefix="/api/notifications")
inbox_item_schema = InboxItemSchema()
delivery_schema = DeliverySchema()
preferences_schema = PreferencesSchema()


def present_item(item: InboxItem) -> dict:
    """An inbox entry as the API returns it."""
    return inbox_item_schema.dump(item) | {"read": item.read_at is not None}


@blueprint.get("/inbox")
@allow(*ANY_ROLE)
@documented(
    summary="Mes notifications", query=InboxQuerySchema, response=page_schema(InboxItemSchema)
)
def inbox() -> ResponseReturnValue:
    """The caller's notifications, newest first (`unread=true`: only those not read yet)."""
    args = query_args(InboxQuerySchema())
    query = reads.inbox_query(user_id=current_principal().user_id, unread=args["unread"])
    page = paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        dump=lambda rows: [present_item(item) for item in rows],
    )
    page["unread"] = reads.unread_count(user_id=current_principal().user_id)
    return page


@blueprint.post("/inbox/<uuid:item_id>/read")
@allow(*ANY_ROLE)
@documented(summary="Marquer une notification comme lue", response=InboxItemSchema, errors=(404,))
def mark_read(item_id: uuid.UUID) -> ResponseReturnValue:
    """Mark one of the caller's notifications as read; 404 for anyone else's."""
    item = service.mark_read(item_id=item_id, user_id=current_principal().user_id)
    return present_item(item)


@blueprint.get("/deliveries")
@allow(COORDINATOR, ADMIN)
@documented(
    summary="Envois d'un dossier",
    query=DeliveryQuerySchema,
    response=DeliverySchema(many=True),
    errors=(422,),
)
def deliveries() -> ResponseReturnValue:
    """Who was told what about one case, through which channel, and with which outcome."""
    args = query_args(DeliveryQuerySchema())
    return delivery_schema.dump(reads.deliveries_for(reference=args["reference"]), many=True)


@blueprint.get("/preferences")
@allow(*ANY_ROLE)
@documented(summary="Mes préférences de notification", response=PreferencesSchema)
def get_preferences() -> ResponseReturnValue:
    """Whether the caller receives e-mails, and as a daily digest or at once."""
    return preferences_schema.dump(reads.preferences_of(user_id=current_principal().user_id))


@blueprint.patch("/preferences")
@allow(*ANY_ROLE)
@documented(
    summary="Modifier mes préférences",
    body=PreferencesUpdateSchema,
    response=PreferencesSchema,
    errors=(422,),
)
def update_preferences() -> ResponseReturnValue:
    """Turn e-mails on or off, or gather them in one daily digest."""
    changes = json_body(PreferencesUpdateSchema())
    preference = service.update_preferences(user_id=current_principal().user_id, changes=changes)
    return preferences_schema.dump(preference)
