"""What the médecin-traitant pages read: the board, the counts per state, a GP's proposals,
the tasks."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from services.orientation.medecin_traitant.models import MedecinTraitantCase
from services.orientation.medecin_traitant.service import asked, list_query, visibility
from services.orientation.medecin_traitant.states import STATES
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, GP
from shared.cases.service import record_reads
from shared.extensions import db

BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class Board:
    """One page of the board, with the counts per state the caller may see."""

    items: list[MedecinTraitantCase]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]

    @property
    def pages(self) -> int:
        """How many pages the filtered list has."""
        return max(1, -(-self.total // self.per_page))

    @property
    def open_total(self) -> int:
        """Cases still in progress."""
        return sum(self.counts.get(state, 0) for state in STATES.open)


def state_counts(principal: Principal) -> dict[str, int]:
    """How many cases the caller may see in each state (counted once per request: the board
    and the top bar's task count both need them)."""
    cache = g.setdefault("mt_state_counts", {})
    if principal.user_id not in cache:
        rows = db.session.execute(
            select(MedecinTraitantCase.state, func.count())
            .where(visibility(principal))
            .group_by(MedecinTraitantCase.state)
        )
        cache[principal.user_id] = {state: count for state, count in rows.all()}
    return cache[principal.user_id]


def board(
    *,
    principal: Principal,
    state: str | None,
    priority: int | None,
    search: str | None,
    page: int,
    per_page: int = BOARD_PAGE_SIZE,
) -> Board:
    """Cases by priority then oldest first (open ones unless a state is asked); audited."""
    query = list_query(principal=principal, state=state, priority=priority)
    if state is None:
        query = query.where(MedecinTraitantCase.state.in_(STATES.open))
    if search and search.strip():
        term = search.strip()
        query = query.where(
            or_(
                MedecinTraitantCase.reference == term.upper(),
                func.lower(MedecinTraitantCase.patient_last_name).startswith(term.lower()),
            )
        )
    counts = state_counts(principal)
    if priority is None and not search:
        total = counts.get(state, 0) if state else sum(counts.get(s, 0) for s in STATES.open)
    else:
        subquery = query.order_by(None).subquery()
        total = db.session.scalar(select(func.count()).select_from(subquery)) or 0
    # Sort narrow rows (ids) first, then load the page's full rows: much less to sort.
    ids = list(
        db.session.scalars(
            query.with_only_columns(MedecinTraitantCase.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    rows = db.session.scalars(
        select(MedecinTraitantCase).where(MedecinTraitantCase.id.in_(ids))
    ).all()
    by_id = {case.id: case for case in rows}
    items = [by_id[case_id] for case_id in ids]
    record_reads(items)
    return Board(items, total, page, per_page, counts)


def proposals_to(principal: Principal) -> list[MedecinTraitantCase]:
    """Cases proposed to this GP and waiting for their answer, oldest proposal first; audited."""
    return _gp_cases(principal, "proposed")


def accepted_by(principal: Principal) -> list[MedecinTraitantCase]:
    """Patients this GP accepted whose orientation is still to confirm; audited."""
    return _gp_cases(principal, "accepted")


def _gp_cases(principal: Principal, state: str) -> list[MedecinTraitantCase]:
    """The cases in `state` waiting for this GP: `proposed` to them (alone or with others),
    or `accepted` by them, by when that happened; audited."""
    if not principal.has(GP) or principal.professional_id is None:
        return []
    mt = MedecinTraitantCase
    pid = principal.professional_id
    mine = asked(pid) if state == "proposed" else mt.accepted_professional_id == pid
    since = mt.proposed_at if state == "proposed" else mt.accepted_at
    items = list(
        db.session.scalars(
            select(mt)
            .where(mt.state == state, mine)
            .options(selectinload(mt.proposals))
            .order_by(since, mt.id)
        )
    )
    record_reads(items)
    return items


def gp_task_counts(principal: Principal) -> tuple[int, int]:
    """(proposals to answer, orientations to confirm) for a GP."""
    if not principal.has(GP) or principal.professional_id is None:
        return 0, 0
    pid = principal.professional_id
    rows = db.session.execute(
        select(MedecinTraitantCase.state, func.count())
        .where(
            or_(
                (MedecinTraitantCase.state == "proposed") & asked(pid),
                (MedecinTraitantCase.state == "accepted")
                & (MedecinTraitantCase.accepted_professional_id == pid),
            )
        )
        .group_by(MedecinTraitantCase.state)
    )
    counts = dict(rows.all())
    return counts.get("proposed", 0), counts.get("accepted", 0)


def coordinator_task_counts(principal: Principal) -> dict[str, int]:
    """Cases waiting for the coordination, by state."""
    if not principal.has(COORDINATOR):
        return {}
    return state_counts(principal)
