"""What the discharge pages and the API read: the DAC worklist and the task counts of the top
bar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import lazyload

from services.orientation.discharges.models import DischargeCase
from services.orientation.discharges.readiness import ITEMS, MissingItem, lacks_something
from services.orientation.discharges.service import visibility
from services.orientation.discharges.states import EDITABLE_STATES, STATES
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, DAC
from shared.cases.service import record_reads
from shared.extensions import db
from shared.timeutil import today_paris
from shared.web.listing import ListPage, OrderBy, Sorts, page_of


def task_queries(principal: Principal) -> tuple[Select[int], Select[int]] | None:
    """The counts of (discharges due today or overdue not yet done, preparations still missing
    something); None for whoever has no such task."""
    if not principal.has(DAC, COORDINATOR):
        return None
    due = (
        select(func.count())
        .select_from(DischargeCase)
        .where(
            visibility(principal),
            DischargeCase.state.in_(EDITABLE_STATES),
            DischargeCase.planned_discharge_date <= today_paris(),
        )
    )
    # Stuck = preparing and still missing something the city professionals need.
    stuck = (
        select(func.count())
        .select_from(DischargeCase)
        .where(visibility(principal), DischargeCase.state == "preparing", lacks_something())
    )
    return due, stuck


@dataclass
class Worklist:
    """Open discharges grouped by planned date (Europe/Paris), and what needs chasing; each
    group holds at most the worklist's limit of rows, `totals` says how many it has."""

    date: dt.date
    overdue: list[DischargeCase] = field(default_factory=list)
    today: list[DischargeCase] = field(default_factory=list)
    tomorrow: list[DischargeCase] = field(default_factory=list)
    this_week: list[DischargeCase] = field(default_factory=list)
    later: list[DischargeCase] = field(default_factory=list)
    undated: list[DischargeCase] = field(default_factory=list)
    stuck_preparing: list[DischargeCase] = field(default_factory=list)
    to_follow_up: list[DischargeCase] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    # What each case listed still lacks (`readiness.missing_items`, judged in SQL), by id.
    missing: dict[Any, list[MissingItem]] = field(default_factory=dict)


# The worklist's groups, in the order of the page; a case may be in two (stuck and dated).
GROUPS = (
    "stuck_preparing",
    "overdue",
    "today",
    "tomorrow",
    "this_week",
    "later",
    "undated",
    "to_follow_up",
)


def group_condition(group: str, today: dt.date) -> ColumnElement[bool]:
    """SQL: the open discharges of one worklist group on `today` (Europe/Paris)."""
    planned = DischargeCase.planned_discharge_date
    not_done = DischargeCase.state.in_(EDITABLE_STATES)
    conditions: dict[str, ColumnElement[bool]] = {
        "stuck_preparing": and_(DischargeCase.state == "preparing", lacks_something()),
        "overdue": and_(not_done, planned < today),
        "today": and_(not_done, planned == today),
        "tomorrow": and_(not_done, planned == today + dt.timedelta(days=1)),
        "this_week": and_(
            not_done,
            planned > today + dt.timedelta(days=1),
            planned <= today + dt.timedelta(days=6),
        ),
        "later": and_(not_done, planned > today + dt.timedelta(days=6)),
        "undated": and_(not_done, planned.is_(None)),
        "to_follow_up": DischargeCase.state == "discharged",
    }
    return conditions[group]


def _group_order(group: str) -> OrderBy:
    planned = DischargeCase.planned_discharge_date
    if group == "stuck_preparing":  # longest-stuck first among cases equally urgent
        return (
            planned.is_(None),
            planned,
            func.coalesce(DischargeCase.preparing_at, DischargeCase.created_at),
            DischargeCase.reference,
        )
    if group == "to_follow_up":
        return (DischargeCase.actual_discharge_date, DischargeCase.reference)
    return (planned, DischargeCase.reference)


def worklist(*, principal: Principal, limit: int | None = None) -> Worklist:
    """The DAC's week: discharges not yet done by planned date, incomplete preparations, and
    discharges still waiting for their follow-up call, at most `limit` of each group (the
    page's; the list view pages through the rest); audited (patient names are shown)."""
    today = today_paris()
    result = Worklist(date=today)
    seen: dict[Any, DischargeCase] = {}
    for group in GROUPS:
        condition = and_(visibility(principal), group_condition(group, today))
        query = (
            select(DischargeCase)
            .where(condition)
            .order_by(*_group_order(group))
            .options(lazyload(DischargeCase.professionals))  # `missing_of` stands for them
        )
        rows = list(db.session.scalars(query if limit is None else query.limit(limit)))
        setattr(result, group, rows)
        if limit is None or len(rows) < limit:
            result.totals[group] = len(rows)
        else:
            counted = select(func.count()).select_from(DischargeCase).where(condition)
            result.totals[group] = db.session.scalar(counted) or 0
        seen.update((case.id, case) for case in rows)
    result.missing = missing_of(list(seen.values()))
    record_reads(list(seen.values()))
    return result


def missing_of(cases: list[DischargeCase]) -> dict[Any, list[MissingItem]]:
    """What each of `cases` still lacks (`readiness.missing_items`), by id: the readiness rules
    judged in SQL, one query for them all instead of a query per case for its documents."""
    if not cases:
        return {}
    query = select(DischargeCase.id, *(item.lacks_in_sql() for item in ITEMS)).where(
        DischargeCase.id.in_([case.id for case in cases])
    )
    return {
        case_id: [item for item, lacks in zip(ITEMS, flags, strict=True) if lacks]
        for case_id, *flags in db.session.execute(query)
    }


# The list view (`/orientation/discharges/liste`): which cases, in which order.
VIEWS = {
    "ouvertes": ("En cours", STATES.open),
    "cloturees": ("Clôturées", STATES.final),
    "toutes": ("Toutes", STATES.names),
}
SORTS: Sorts = {
    "sortie": (
        "Date de sortie prévue",
        (
            DischargeCase.planned_discharge_date.is_(None),
            DischargeCase.planned_discharge_date,
        ),
    ),
    "sortie_desc": (
        "Date de sortie prévue, la plus récente d'abord",
        (
            DischargeCase.planned_discharge_date.is_(None),
            DischargeCase.planned_discharge_date.desc(),
        ),
    ),
    "recentes": ("Annonces les plus récentes", (DischargeCase.created_at.desc(),)),
    "modifiees": ("Dernière modification", (DischargeCase.updated_at.desc(),)),
    "nom": ("Nom du patient", (DischargeCase.patient_last_name, DischargeCase.patient_first_name)),
    "reference": ("Référence", (DischargeCase.reference,)),
}


def discharge_list(
    *,
    principal: Principal,
    view: str,
    state: str | None,
    group: str | None,
    sort: str,
    page: int,
    per_page: int,
) -> ListPage[DischargeCase]:
    """One page of the discharges the caller may see, open, closed or all (`view`), in one
    state or one worklist group if asked, in `sort` order; audited."""
    query = select(DischargeCase).where(
        visibility(principal), DischargeCase.state.in_(VIEWS[view][1])
    )
    if state:
        query = query.where(DischargeCase.state == state)
    if group:
        query = query.where(group_condition(group, today_paris()))
    query = query.order_by(*SORTS[sort][1], DischargeCase.id)
    found = page_of(query, page=page, per_page=per_page)
    record_reads(found.items)
    return found
