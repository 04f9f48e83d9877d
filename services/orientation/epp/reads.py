"""What the EPP pages read: the referrals a user sees, sorted into their lists, and the counts
of the top bar's tasks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select

from services.orientation.epp.machine import assigned_midwife
from services.orientation.epp.models import EppReferral
from services.orientation.epp.service import list_query
from shared.auth.principal import Principal
from shared.cases.service import record_reads
from shared.extensions import db

LIST_LIMIT = 200


@dataclass
class ReferralLists:
    """The referrals of the list page: a midwife's to answer and to complete, then the rest."""

    to_answer: list[EppReferral] = field(default_factory=list)
    to_complete: list[EppReferral] = field(default_factory=list)
    others: list[EppReferral] = field(default_factory=list)


def referral_lists(*, principal: Principal, state: str | None) -> ReferralLists:
    """The referrals the user sees (in `state`, if given), late ones first; audited."""
    rows = list(
        db.session.scalars(
            list_query(principal=principal, state=state, late=None).limit(LIST_LIMIT)
        )
    )
    record_reads(rows)
    lists = ReferralLists()
    for referral in rows:
        assigned_to_me = assigned_midwife(referral, principal)
        if assigned_to_me and referral.state == "assigned":
            lists.to_answer.append(referral)
        elif assigned_to_me and referral.state == "accepted":
            lists.to_complete.append(referral)
        else:
            lists.others.append(referral)
    return lists


def count_in(state: str, *, assigned_to: uuid.UUID | None = None) -> int:
    """How many referrals are in `state` (assigned to that midwife, when given)."""
    query = select(func.count()).select_from(EppReferral).where(EppReferral.state == state)
    if assigned_to is not None:
        query = query.where(EppReferral.assigned_professional_id == assigned_to)
    return db.session.scalar(query) or 0
