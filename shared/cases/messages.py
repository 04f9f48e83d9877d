"""Messages on a case: one thread per case of any type, read and written by whoever may see
the case; each message tells the case's other participants (its case type says who) through
the outbox, naming the reference but never the message or the patient.

A message's body is stored encrypted (it may describe the patient). Who read the thread up to
when is kept per user (`case_thread_reads`): messages posted since are unread for them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.auth.roles import ALL_ROLES
from shared.cases.case_type import CaseType
from shared.cases.models import CaseMessage, ThreadRead
from shared.db import unit_of_work
from shared.errors import NotFound
from shared.extensions import db
from shared.outbox.emit import emit
from shared.timeutil import utcnow

MAX_BODY = 4000
# The role a message's author is shown with, when they hold several: the first they hold.
AUTHOR_ROLE_ORDER = ("coordinator", "dac", "gp", "midwife", "nurse", "professional", "partner")


@dataclass(frozen=True)
class Thread:
    """A case's messages, oldest first, and which of them the reader had not read yet."""

    messages: list[CaseMessage]
    unread: frozenset[uuid.UUID]


def author_role(principal: Principal) -> str:
    """The role an author is shown with."""
    held = [role for role in AUTHOR_ROLE_ORDER if principal.has(role)]
    return held[0] if held else next((r for r in ALL_ROLES if principal.has(r)), "professional")


def visible_case(case_type: CaseType[Any], case_id: uuid.UUID, principal: Principal) -> Any:
    """The case, if `principal` may see it; 404 otherwise (as for the case itself)."""
    case = db.session.get(case_type.model, case_id)
    if case is None or not case_type.can_see(case, principal):
        raise NotFound(case_type.not_found)
    return case


def ensure_visible(case_type: CaseType[Any], case_id: uuid.UUID, principal: Principal) -> None:
    """404 unless the case exists and `principal` may see it (checked before the body)."""
    with unit_of_work():
        visible_case(case_type, case_id, principal)


def read_thread(case_type: CaseType[Any], *, case_id: uuid.UUID, principal: Principal) -> Thread:
    """The case's messages; the read is audited and the thread marked read for the caller."""
    with unit_of_work():
        case = visible_case(case_type, case_id, principal)
        messages = list(
            db.session.scalars(
                select(CaseMessage)
                .where(CaseMessage.case_kind == case_type.kind, CaseMessage.case_id == case.id)
                .order_by(CaseMessage.created_at, CaseMessage.id)
            )
        )
        marker = _marker(case_type.kind, case.id, principal.user_id)
        since = marker.read_at if marker else None
        unread = frozenset(
            m.id
            for m in messages
            if m.author_user_id != principal.user_id and (since is None or m.created_at > since)
        )
        if messages:
            _mark_read(case_type.kind, case.id, principal.user_id, messages[-1].created_at)
        record_audit(action="read", reference=case.reference)
    return Thread(messages, unread)


def post_message(
    case_type: CaseType[Any], *, case_id: uuid.UUID, body: str, principal: Principal
) -> CaseMessage:
    """Add a message (`body` already validated) and tell the other participants."""
    with unit_of_work():
        case = visible_case(case_type, case_id, principal)
        now = utcnow()
        message = CaseMessage(
            case_kind=case_type.kind,
            case_id=case.id,
            reference=case.reference,
            author_user_id=principal.user_id,
            author_name=principal.email,
            author_role=author_role(principal),
            body=body,
            created_at=now,
        )
        db.session.add(message)
        # The author has read their own thread up to their message.
        _mark_read(case_type.kind, case.id, principal.user_id, now)
        record_audit(action="update", reference=case.reference)
        parties = case_type.participants(case)
        # Ids and roles only: the notification names the reference, never the message.
        emit(
            f"{case_type.kind}.message",
            reference=case.reference,
            payload={
                "case_id": str(case.id),
                "kind": case_type.kind,
                "message_id": str(message.id),
                "actor_user_id": str(principal.user_id),
                "roles": list(parties.roles),
                "user_ids": [str(u) for u in parties.user_ids if u],
                "professional_ids": [str(p) for p in parties.professional_ids if p],
            },
        )
    return message


def message_dict(message: CaseMessage, *, unread: bool = False) -> dict[str, Any]:
    """A message as the API returns it."""
    return {
        "id": str(message.id),
        "author": {"name": message.author_name, "role": message.author_role},
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "unread": unread,
    }


def _mark_read(kind: str, case_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime) -> None:
    """Move the user's marker forward to `at` (never back). Two first reads at once (two
    tabs) both try to insert it: the loser's savepoint rolls back and it moves the winner's."""
    marker = _marker(kind, case_id, user_id)
    if marker is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ThreadRead(case_kind=kind, case_id=case_id, user_id=user_id, read_at=at)
                )
            return
        except IntegrityError:
            marker = _marker(kind, case_id, user_id)
            if marker is None:
                raise
    if marker.read_at < at:
        marker.read_at = at


def _marker(kind: str, case_id: uuid.UUID, user_id: uuid.UUID) -> ThreadRead | None:
    return db.session.scalar(
        select(ThreadRead).where(
            ThreadRead.case_kind == kind,
            ThreadRead.case_id == case_id,
            ThreadRead.user_id == user_id,
        )
    )
