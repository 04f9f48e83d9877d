"""Reading notifications: the user's inbox and unread count, a case's deliveries, preferences."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select

from services.notifications.models import Delivery, InboxItem, Preference
from shared.extensions import db
from shared.web.listing import ListPage, page_of


def inbox_query(*, user_id: uuid.UUID, unread: bool) -> Select[Any]:
    """The caller's inbox, newest first."""
    query = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread:
        query = query.where(InboxItem.read_at.is_(None))
    return query.order_by(InboxItem.created_at.desc(), InboxItem.id)


INBOX_SORTS = {"recentes": "Les plus récentes d'abord", "anciennes": "Les plus anciennes d'abord"}


def inbox_page(
    *, user_id: uuid.UUID, unread: bool, sort: str, page: int, per_page: int
) -> ListPage[InboxItem]:
    """One page of the user's inbox (only unread entries if `unread`), newest or oldest first."""
    query = inbox_query(user_id=user_id, unread=unread)
    if sort == "anciennes":
        query = query.order_by(None).order_by(InboxItem.created_at, InboxItem.id)
    return page_of(query, page=page, per_page=per_page)


def unread_query(*, user_id: uuid.UUID) -> Select[int]:
    """The count of the inbox entries the user has not read."""
    return (
        select(func.count())
        .select_from(InboxItem)
        .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
    )


def unread_count(*, user_id: uuid.UUID) -> int:
    """How many inbox entries the user has not read."""
    return db.session.scalar(unread_query(user_id=user_id)) or 0


def deliveries_for(*, reference: str) -> list[Delivery]:
    """Every delivery about one case, oldest first (coordination's view of who was told)."""
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.reference == reference)
            .order_by(Delivery.created_at, Delivery.channel, Delivery.recipient)
        )
    )


def preferences_of(*, user_id: uuid.UUID) -> Preference:
    """The user's preferences (the defaults when never changed)."""
    return db.session.get(Preference, user_id) or Preference(
        user_id=user_id, email_enabled=True, daily_digest=False
    )
