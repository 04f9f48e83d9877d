"""What the teleconsultation pages read: one page of the list a user sees, who the nurse and
the GP of each case are, and a nurse's requests still to schedule."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Select, case, func, select

from services.agenda.directory.models import Professional
from services.agenda.teleconsultation.models import TeleconsultationCase
from services.agenda.teleconsultation.service import list_query
from services.agenda.teleconsultation.states import STATES
from shared.auth.principal import Principal
from shared.cases.service import record_reads
from shared.extensions import db
from shared.web.listing import ListPage, Sorts, page_of

_CASE = TeleconsultationCase
# Cards of the list page: each carries its actions, so a page holds fewer than a table.
PAGE_SIZE = 20
VIEWS = {
    "toutes": ("Toutes", STATES.names),
    "en_cours": ("En cours", STATES.open),
    "terminees": ("Terminées", STATES.final),
}
SORTS: Sorts = {
    "en_cours": (
        "En cours d'abord, puis les plus récentes",
        (case((_CASE.state.in_(STATES.open), 0), else_=1), _CASE.created_at.desc()),
    ),
    "recentes": ("Les plus récentes d'abord", (_CASE.created_at.desc(),)),
    "fenetre": ("Fenêtre demandée, la plus proche d'abord", (_CASE.window_from,)),
    "programmee": (
        "Date programmée",
        (_CASE.scheduled_start.is_(None), _CASE.scheduled_start),
    ),
}


def teleconsultations(
    *,
    principal: Principal,
    view: str = "toutes",
    state: str | None = None,
    sort: str = "en_cours",
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> ListPage[TeleconsultationCase]:
    """One page of the teleconsultations the user sees (all, open or finished, in one state
    if asked), open ones first by default; audited."""
    query = list_query(principal=principal, state=state).where(_CASE.state.in_(VIEWS[view][1]))
    query = query.order_by(None).order_by(*SORTS[sort][1], _CASE.id)
    found = page_of(query, page=page, per_page=per_page)
    record_reads(found.items)
    return found


def professionals_of(cases: Iterable[TeleconsultationCase]) -> dict[uuid.UUID, Professional]:
    """The directory entries of the nurses and GPs of `cases`, by id: each side of a
    teleconsultation sees who the other is and how to reach them."""
    ids = {pid for c in cases for pid in (c.nurse_professional_id, c.professional_id) if pid}
    if not ids:
        return {}
    rows = db.session.scalars(select(Professional).where(Professional.id.in_(ids)))
    return {row.id: row for row in rows}


def to_schedule_query(*, nurse_professional_id: uuid.UUID) -> Select[int]:
    """The count of a nurse's teleconsultation requests still waiting for a slot."""
    return (
        select(func.count())
        .select_from(TeleconsultationCase)
        .where(
            TeleconsultationCase.nurse_professional_id == nurse_professional_id,
            TeleconsultationCase.state == "requested",
        )
    )
