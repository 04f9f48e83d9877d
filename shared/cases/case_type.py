"""One declaration per case type, in its folder: what shared code needs to create its cases,
fire their transitions, decide who sees them, present them and erase their patient.

`create_case`, `fire_transition`, `get_visible_case` and `case_history` (shared/cases/service.py),
the API's presentation (shared/cases/presentation.py, endpoints.py), the pages' transition forms
(shared/web/case_pages.py) and the privacy registry all take it; its kind, states and final
states come from its machine, which reads them from the case type's `states.py`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from marshmallow import Schema
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from shared.auth.principal import Principal
from shared.cases.machine import CaseMachine
from shared.cases.models import CaseMixin
from shared.extensions import db

CaseT = TypeVar("CaseT", bound=CaseMixin)
# Applies a transition's body to the case (may raise ValidationFailed); returns extra event data.
Effect = Callable[[Any, dict[str, Any], Principal], dict[str, Any] | None]
# Fetches what a transition's effect needs from another service (the directory, over HTTP when
# the agenda runs apart) from the validated body, before the case is locked; what it returns
# is added to the body the effect receives (and never stored in the history).
Lookup = Callable[[dict[str, Any], Principal], dict[str, Any]]


@dataclass(frozen=True)
class Participants:
    """Who takes part in a case, to be told of a new message on it: holders of `roles` (every
    coordinator…), accounts by id (the submitter), and directory entries (the proposed GP, the
    city professionals), whose accounts are reached by the notifications service."""

    roles: tuple[str, ...] = ()
    user_ids: tuple[uuid.UUID, ...] = ()
    professional_ids: tuple[uuid.UUID, ...] = ()


def submitter_and(*roles: str) -> Callable[[Any], Participants]:
    """The participants of a case type whose parties are the submitter and `roles`."""
    return lambda case: Participants(roles=roles, user_ids=(case.created_by,))


# What a reference prefix may be: PostgreSQL numbers each one from a sequence named after it
# (`shared.cases.references`).
PREFIX = re.compile(r"[A-Z]{1,8}")


@dataclass(frozen=True)
class CaseType(Generic[CaseT]):
    """A case type: its tables, its machine, who may see a case, what each transition does to
    it, how the API shows it, and which of its columns an erasure blanks."""

    model: type[CaseT]
    history: Any
    machine: CaseMachine
    # References read `<prefix>-<year>-<number>` (`MT-2026-000123`); see `PREFIX`.
    prefix: str
    # Who may see a case, said twice: as SQL for lists, in Python for one case (a test checks
    # that both agree for every role and state).
    visibility: Callable[[Principal], ColumnElement[bool]]
    can_see: Callable[[Any, Principal], bool]
    # The case as the API returns it (`history` and `allowed_transitions` are added).
    schema: Schema
    # Free-text columns, which may describe the patient in prose: an erasure blanks them.
    free_text: tuple[str, ...] = ()
    effects: Mapping[str, Effect] = field(default_factory=dict)
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    # The body fields a history row keeps as its comment: the first one filled in.
    comment_fields: tuple[str, ...] = ("comment",)
    # How history entries are shown, when not as every other case type's (times in Paris…).
    history_schema: Schema | None = None
    not_found: str = "Dossier introuvable."
    # The web page of one case: its endpoint and the argument naming the case
    # (`("orientation_epp_pages.referral_page", "referral_id")`); the search links to it.
    page: tuple[str, str] | None = None
    # Who is told of a new message on a case (shared/cases/messages.py); the author is not.
    participants: Callable[[Any], Participants] = submitter_and()
    # Why a caller who was asked to act on a case no longer may (a GP whose proposal was
    # withdrawn when another accepted first), in French; None for anyone else. Their
    # transition then answers 409 with it rather than the 404 of an unknown case.
    withdrawn: Callable[[Any, Principal], str | None] | None = None
    # Relationships of the model that `schema` shows and that load lazily: a transition loads
    # them with the case, inside its transaction, instead of in another one after its commit.
    presented_with: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not PREFIX.fullmatch(self.prefix):
            raise ValueError(f"{self.kind}: a reference prefix is 1 to 8 capital letters")
        names = set(self.machine.names())
        unknown = sorted({*self.effects, *self.lookups} - names)
        if unknown:
            raise ValueError(f"{self.kind}: effects or lookups of unknown transitions {unknown}")
        # Its free-text columns are checked when it registers with the privacy registry.

    def presented_loads(self) -> list[Any]:
        """Loader options reading `presented_with` along with the case (one query each).

        Never joined to the locking statement: after waiting for the case's lock, PostgreSQL
        re-reads the locked row only; joined rows would come from the snapshot taken before the
        wait (a proposal withdrawn by the winner of a race would still look open)."""
        return [selectinload(getattr(self.model, name)) for name in self.presented_with]

    @property
    def kind(self) -> str:
        """The kind of the case type (events are named `<kind>.<transition>`)."""
        return self.machine.kind

    def closed(self, case: Any) -> bool:
        """Whether nobody works on `case` any more (its patient's identity may then be erased)."""
        return case.state in self.machine.final

    def find(self, reference: str) -> CaseT | None:
        """The case numbered `reference`, if any."""
        return db.session.scalar(select(self.model).where(self.model.reference == reference))

    def history_comment(self, data: Mapping[str, Any]) -> str | None:
        """What a transition's history row keeps as its comment, from the validated body."""
        return next((str(data[key]) for key in self.comment_fields if data.get(key)), None)
