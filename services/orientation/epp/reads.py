"""What the EPP pages read: the referrals a user sees, sorted into their lists, and the counts
of the top bar's tasks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from services.orientation.epp.models import EppReferral
from services.orientation.epp.service import list_query
from shared.auth.principal import Principal
from shared.auth.roles import MIDWIFE
from shared.cases.service import record_reads
from shared.extensions import db
from shared.web.listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, ListPage, OrderBy, page_of

# A midwife's own sections ("à accepter ou refuser", "à réaliser") show this many rows each;
# the table below gives up as many rows so that the page never holds more than 100.
SECTION_LIMIT = 10
SORTS: dict[str, tuple[str, OrderBy | None]] = {
    # None: the service's order, late referrals first (most advanced pregnancy first).
    "retard": ("En retard d'abord", None),
    "recentes": ("Les plus récentes d'abord", (EppReferral.created_at.desc(),)),
    "anciennes": ("Les plus anciennes d'abord", (EppReferral.created_at,)),
    "terme": ("Grossesse la plus avancée", (EppReferral.pregnancy_start_date,)),
    "nom": ("Nom de la patiente", (EppReferral.patient_last_name, EppReferral.patient_first_name)),
    "reference": ("Référence", (EppReferral.reference,)),
}


@dataclass
class ReferralLists:
    """The referrals of the list page: a midwife's to answer and to complete (the first
    `SECTION_LIMIT` of each, with their totals), then one page of the rest."""

    others: ListPage[EppReferral]
    to_answer: list[EppReferral] = field(default_factory=list)
    to_complete: list[EppReferral] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _mine(principal: Principal, state: str) -> ColumnElement[bool] | None:
    """SQL: referrals in `state` assigned to this midwife (None: the user is no midwife)."""
    if not principal.has(MIDWIFE) or principal.professional_id is None:
        return None
    return and_(
        EppReferral.state == state,
        EppReferral.assigned_professional_id == principal.professional_id,
    )


def referral_lists(
    *,
    principal: Principal,
    state: str | None,
    late: bool | None = None,
    sort: str = "retard",
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> ReferralLists:
    """The referrals the user sees (in `state`, late or not, if asked), in `sort` order (late
    ones first by default), a page at a time; audited."""
    query = list_query(principal=principal, state=state, late=late)
    order = SORTS[sort][1]
    if order is not None:
        query = query.order_by(None).order_by(*order, EppReferral.id)
    sections: dict[str, list[EppReferral]] = {}
    totals: dict[str, int] = {}
    for name, section_state in (("to_answer", "assigned"), ("to_complete", "accepted")):
        mine = _mine(principal, section_state)
        if mine is None:
            continue
        sections[name] = list(db.session.scalars(query.where(mine).limit(SECTION_LIMIT)))
        totals[name] = _count(query.where(mine))
        query = query.where(~mine)
    shown = sum(len(rows) for rows in sections.values())
    others = page_of(query, page=page, per_page=min(per_page, MAX_PER_PAGE - shown))
    record_reads([*others.items, *(row for rows in sections.values() for row in rows)])
    return ReferralLists(others=others, totals=totals, **sections)


def _count(query: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def in_state_query(state: str, *, assigned_to: uuid.UUID | None = None) -> Select[int]:
    """The count of the referrals in `state` (assigned to that midwife, when given)."""
    query = select(func.count()).select_from(EppReferral).where(EppReferral.state == state)
    if assigned_to is not None:
        query = query.where(EppReferral.assigned_professional_id == assigned_to)
    return query
