"""Notification pages: the user's inbox (mark read); deliveries on case timelines (coordinator)."""

from __future__ import annotations

import uuid

from flask import Flask, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from services.notifications import reads, service
from shared.auth.principal import Principal
from shared.auth.roles import ADMIN, ALL_ROLES, COORDINATOR
from shared.schemas import Boolean, String, one_of
from shared.web.case_pages import page_principal
from shared.web.listing import ListQuerySchema, ListView, list_args
from shared.web.pages import page, page_blueprint
from shared.web.registry import (
    CountedTask,
    TimelineEntry,
    add_nav_link,
    add_task_counter,
    add_timeline_source,
)
from shared.web.session import session_principal

blueprint = page_blueprint(
    "notifications_pages", __name__, url_prefix="/notifications", templates="templates"
)
CHANNEL_LABELS = {"email": "E-mail", "inbox": "Messagerie Relais"}
STATUS_LABELS = {
    "pending": "en attente",
    "sent": "envoyée",
    "failed": "échec, nouvel essai prévu",
    "dead": "abandonnée",
}


def register_pages(app: Flask) -> None:
    """Mount the inbox, its top-bar link, the unread count and the timeline entries."""
    app.register_blueprint(blueprint)
    add_nav_link(app, "Notifications", f"{blueprint.name}.inbox", order=90)
    add_task_counter(app, tasks)
    add_timeline_source(app, deliveries_timeline)


def tasks(principal: Principal) -> list[CountedTask]:
    """Unread notifications."""
    unread = reads.unread_query(user_id=principal.user_id)
    return [CountedTask("Notifications non lues", unread, url_for(f"{blueprint.name}.inbox"))]


def deliveries_timeline(reference: str) -> list[TimelineEntry]:
    """Who was told what about a case, for the coordination only (recipients are people)."""
    principal = session_principal()
    if principal is None or not principal.has(COORDINATOR, ADMIN):
        return []
    return [
        TimelineEntry(
            at=row.created_at,
            title=f"Notification ({CHANNEL_LABELS.get(row.channel, row.channel)}) à "
            f"{row.recipient} : {STATUS_LABELS.get(row.status, row.status)}",
            detail=row.subject,
            by=None,
        )
        for row in reads.deliveries_for(reference=reference)
    ]


class InboxQuerySchema(ListQuerySchema):
    """The inbox's query string: unread only, the order, the page."""

    unread = Boolean(load_default=False)
    sort = String(load_default="recentes", validate=one_of(tuple(reads.INBOX_SORTS)))


@blueprint.get("/")
@page(*ALL_ROLES)
def inbox() -> ResponseReturnValue:
    """The user's notifications, newest first; unread ones highlighted; a page at a time."""
    principal = page_principal()
    schema = InboxQuerySchema()
    args = list_args(schema)
    found = reads.inbox_page(
        user_id=principal.user_id,
        unread=args["unread"],
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return render_template(
        "notifications/pages/inbox.html",
        items=found.items,
        result=found,
        view=ListView.of(f"{blueprint.name}.inbox", schema, args),
        sorts=list(reads.INBOX_SORTS.items()),
        unread=reads.unread_count(user_id=principal.user_id),
        unread_only=args["unread"],
    )


@blueprint.post("/<uuid:item_id>/read")
@page(*ALL_ROLES)
def mark_read(item_id: uuid.UUID) -> ResponseReturnValue:
    """Mark one notification read (someone else's is a 404)."""
    service.mark_read(item_id=item_id, user_id=page_principal().user_id)
    flash("Notification marquée comme lue.", "success")
    return redirect(url_for(".inbox"), code=303)


@blueprint.post("/read-all")
@page(*ALL_ROLES)
def mark_all_read() -> ResponseReturnValue:
    """Mark every unread notification of the user read."""
    service.mark_all_read(user_id=page_principal().user_id)
    flash("Toutes les notifications sont marquées comme lues.", "success")
    return redirect(url_for(".inbox"), code=303)
