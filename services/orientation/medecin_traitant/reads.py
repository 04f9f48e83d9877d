"""What the médecin-traitant pages read: the board, the counts per state, a GP's proposals,
the tasks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import g
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from services.orientation.directory_client import directory
from services.orientation.medecin_traitant.intake.sources import (
    HOSPITAL,
    PARTNER_SOURCE,
    PROFESSIONAL,
)
from services.orientation.medecin_traitant.models import (
    MedecinTraitantCase,
    MedecinTraitantHistory,
)
from services.orientation.medecin_traitant.service import asked, list_query, visibility
from services.orientation.medecin_traitant.states import STATES
from shared.auth.models import User
from shared.auth.principal import Principal
from shared.auth.roles import COORDINATOR, GP
from shared.cases.service import record_reads
from shared.extensions import db
from shared.web.listing import DEFAULT_PER_PAGE, ListPage, Sorts

BOARD_PAGE_SIZE = DEFAULT_PER_PAGE
# Sources whose case was submitted by a person's account (not a self-registration, an import).
REPORTED_BY_AN_ACCOUNT = (PROFESSIONAL, PARTNER_SOURCE, HOSPITAL)
_CASE = MedecinTraitantCase
# The board's orders (the `sort` argument); each ends on the id so that pages never overlap.
BOARD_SORTS: Sorts = {
    "priorite": ("Priorité, puis les plus anciens", (_CASE.priority, _CASE.created_at)),
    "anciens": ("Les plus anciens d'abord", (_CASE.created_at,)),
    "recents": ("Les plus récents d'abord", (_CASE.created_at.desc(),)),
    "modifies": ("Dernière modification", (_CASE.updated_at.desc(),)),
    "nom": ("Nom du patient", (_CASE.patient_last_name, _CASE.patient_first_name)),
    "reference": ("Référence", (_CASE.reference,)),
}


@dataclass(frozen=True)
class Board(ListPage[MedecinTraitantCase]):
    """One page of the board, with the counts per state the caller may see."""

    counts: dict[str, int]

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
    sort: str = "priorite",
) -> Board:
    """Cases in `sort` order (by default by priority then oldest first): open ones unless a
    state is asked; a search looks through every state, closed cases included, so that an
    oriented patient is still found; audited."""
    query = list_query(principal=principal, state=state, priority=priority)
    query = query.order_by(None).order_by(*BOARD_SORTS[sort][1], MedecinTraitantCase.id)
    term = (search or "").strip()
    if state is None and not term:
        query = query.where(MedecinTraitantCase.state.in_(STATES.open))
    if term:
        query = query.where(
            or_(
                MedecinTraitantCase.reference == term.upper(),
                func.lower(MedecinTraitantCase.patient_last_name).startswith(
                    term.lower(), autoescape=True
                ),
            )
        )
    counts = state_counts(principal)
    if priority is None and not term:
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
    return Board(items, total, page, per_page, counts=counts)


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


@dataclass(frozen=True)
class Contact:
    """How to reach a professional named on a case."""

    name: str
    profession: str | None
    phone: str | None
    email: str | None


def referrer(case: MedecinTraitantCase) -> Contact | None:
    """Who reported the patient, with their phone: their directory entry when their account
    has one, else their account's e-mail; None for self-registrations and imports."""
    if case.source not in REPORTED_BY_AN_ACCOUNT:
        return None
    user = db.session.get(User, case.created_by)
    if user is None:
        return None
    entry = None
    if user.professional_id is not None:
        entry = next(iter(directory().professionals(ids=[user.professional_id])), None)
    if entry is None:
        return Contact(name=user.email, profession=None, phone=None, email=user.email)
    return Contact(
        name=f"{entry['first_name']} {entry['last_name']}",
        profession=entry["profession"],
        phone=entry.get("phone"),
        email=entry.get("mssante_email") or user.email,
    )


def proposal_messages(cases: list[MedecinTraitantCase]) -> dict[uuid.UUID, str]:
    """The coordinator's message with the latest proposal of each case (when there is one):
    what the proposed GP reads on their card."""
    if not cases:
        return {}
    rows = db.session.execute(
        select(MedecinTraitantHistory.case_id, MedecinTraitantHistory.comment)
        .where(
            MedecinTraitantHistory.case_id.in_([case.id for case in cases]),
            MedecinTraitantHistory.transition == "propose",
        )
        .order_by(MedecinTraitantHistory.at)
    )
    return {case_id: comment for case_id, comment in rows.all() if comment}
