"""Create cases and fire their transitions: one transaction, one history row, one event."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select

from shared.audit.service import record_audit
from shared.auth.principal import Principal
from shared.cases.machine import CaseMachine
from shared.cases.models import CaseMixin
from shared.cases.references import next_reference
from shared.db import for_update, unit_of_work
from shared.errors import NotFound, ValidationFailed, VersionConflict
from shared.extensions import db
from shared.http.parsing import load
from shared.outbox.emit import emit
from shared.timeutil import utcnow

CaseT = TypeVar("CaseT", bound=CaseMixin)
# Applies a transition's body to the case (may raise ValidationFailed); returns extra event data.
Effect = Callable[[Any, dict[str, Any], Principal], dict[str, Any] | None]
# Fetches what a transition's effect needs from another service (the directory, over HTTP when
# the agenda runs apart) from the validated body, before the case is locked; what it returns
# is added to the body the effect receives (and never stored in the history).
Lookup = Callable[[dict[str, Any], Principal], dict[str, Any]]


def _event_payload(
    case: Any,
    transition: str,
    before: str | None,
    principal: Principal,
    extra: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "case_id": str(case.id),
        "kind": case.kind,
        "transition": transition,
        "from": before,
        "to": case.state,
        "actor_user_id": str(principal.user_id),
        "created_by": str(case.created_by),
        **(extra or {}),
    }


def create_case(
    *,
    case: CaseT,
    machine: CaseMachine,
    history_model: type,
    prefix: str,
    principal: Principal,
    extra_event: dict[str, Any] | None = None,
) -> CaseT:
    """Number, store and announce a new case inside the current unit of work.

    The case's creation instant and its first history row's are one and the same: the
    indicators rebuild past states from the history and ages from the case's columns."""
    now = utcnow()
    case.reference = next_reference(prefix)
    case.state = machine.initial
    case.version = 1
    case.created_by = principal.user_id
    case.created_at = case.updated_at = now
    db.session.add(case)
    db.session.flush()
    first = history_model(
        case_id=case.id,
        transition="submit",
        from_state=None,
        to_state=machine.initial,
        by=principal.email,
        at=now,
    )
    db.session.add(first)
    case.loaded_history = [first]
    record_audit(action="create", reference=case.reference)
    emit(
        f"{machine.kind}.submit",
        reference=case.reference,
        payload=_event_payload(case, "submit", None, principal, extra_event),
    )
    return case


def fire_transition(
    *,
    model: type[CaseT],
    history_model: type,
    machine: CaseMachine,
    case_id: uuid.UUID,
    name: str,
    principal: Principal,
    body: dict[str, Any],
    if_match: int | None,
    can_see: Callable[[Any, Principal], bool],
    effects: Mapping[str, Effect] | None = None,
    lookups: Mapping[str, Lookup] | None = None,
    comment_field: str | None = None,
) -> CaseT:
    """Lock the case, check version, state and caller, apply the body, persist history.

    A transition with a lookup is first checked the same way without the lock, then its lookup
    runs with no transaction open: a slow service never holds a case row locked, and a caller
    who would be refused causes no call. The checks run again under the lock.

    The transition happens at one instant, `case.transition_at`, set before the effect runs
    and recorded on the history row: effects stamp the case with it (`oriented_at`, …), so a
    case's columns and its history agree to the microsecond."""
    check = functools.partial(
        _checked,
        machine=machine,
        name=name,
        principal=principal,
        body=body,
        if_match=if_match,
        can_see=can_see,
    )
    lookup = (lookups or {}).get(name)
    found: dict[str, Any] = {}
    if lookup is not None:
        with unit_of_work() as session:
            data = check(session.get(model, case_id))
        found = lookup(data, principal)
    with unit_of_work() as session:
        case = session.scalar(for_update(select(model).where(model.id == case_id)))
        data = check(case)
        now = case.transition_at = case.updated_at = utcnow()
        effect = (effects or {}).get(name)
        extra = effect(case, {**data, **found}, principal) if effect else None
        before, _after = machine.apply(case, name)
        case.version += 1
        comment = _comment(data, comment_field)
        session.add(
            history_model(
                case_id=case.id,
                transition=name,
                from_state=before,
                to_state=case.state,
                by=principal.email,
                comment=comment,
                data=_json_safe(data),
                at=now,
            )
        )
        record_audit(action="transition", reference=case.reference)
        emit(
            f"{machine.kind}.{name}",
            reference=case.reference,
            payload=_event_payload(case, name, before, principal, extra),
        )
        load_history(case, history_model)
    return case


def _checked(
    case: Any,
    *,
    machine: CaseMachine,
    name: str,
    principal: Principal,
    body: dict[str, Any],
    if_match: int | None,
    can_see: Callable[[Any, Principal], bool],
) -> dict[str, Any]:
    """The validated body, once the case, the caller, the version and the state allow `name`;
    the contract's errors in the contract's order otherwise."""
    if case is None or not can_see(case, principal):
        raise NotFound("Dossier introuvable.")
    # A caller who may never fire `name` gets 403 before any 409 (version or state).
    machine.check_role(principal, name)
    if if_match is not None and case.version != if_match:
        raise VersionConflict(details={"current_version": case.version})
    rule = machine.check(case, principal, name)
    return load(_schema(rule.schema), body) if rule.schema else load_empty(body)


def load_history(case: Any, history_model: Any) -> list[Any]:
    """Read the case's history (oldest first) in the current transaction and keep it on the
    case: the response is then built without opening another transaction."""
    rows: list[Any] = list(
        db.session.scalars(
            select(history_model)
            .where(history_model.case_id == case.id)
            .order_by(history_model.at, history_model.id)
        )
    )
    case.loaded_history = rows
    return rows


@functools.cache
def _schema(schema_class: type) -> Any:
    """One instance per body schema, built once (marshmallow schemas load thread-safely)."""
    return schema_class()


def load_empty(body: dict[str, Any]) -> dict[str, Any]:
    """Transitions without a body schema accept `{}` and nothing else."""
    if body:
        raise ValidationFailed({key: ["Champ inconnu."] for key in body})
    return {}


def _comment(data: dict[str, Any], field: str | None) -> str | None:
    for key in (field, "comment", "reason", "synthesis", "outcome"):
        if key and data.get(key):
            return str(data[key])
    return None


def _json_safe(data: dict[str, Any]) -> dict[str, Any] | None:
    safe = {
        key: value if isinstance(value, str | int | float | bool | None) else str(value)
        for key, value in data.items()
    }
    return safe or None


def get_visible_case(
    *,
    model: type[CaseT],
    history_model: type,
    case_id: Any,
    principal: Principal,
    can_see: Callable[[Any, Principal], bool],
    not_found: str = "Dossier introuvable.",
) -> CaseT:
    """One case the caller may see, its read audited and its history loaded; 404 otherwise,
    so that a case the caller may not see is indistinguishable from one that does not exist."""
    with unit_of_work():
        case = db.session.get(model, case_id)
        if case is None or not can_see(case, principal):
            raise NotFound(not_found)
        record_audit(action="read", reference=case.reference)
        load_history(case, history_model)
    return case


def case_history(case: Any, history_model: Any) -> list[Any]:
    """The case's history, oldest first: as read with the case, or read now."""
    if case.loaded_history is not None:
        return case.loaded_history
    return load_history(case, history_model)


def record_reads(cases: list[Any], history_model: Any = None) -> None:
    """Audit that these cases (with patient identities) were read, e.g. a page of a list; with
    `history_model`, load their histories in the same transaction with one query."""
    with unit_of_work():
        for case in cases:
            record_audit(action="read", reference=case.reference)
        if not cases or history_model is None:
            return
        by_case: dict[Any, list[Any]] = {case.id: [] for case in cases}
        rows = db.session.scalars(
            select(history_model)
            .where(history_model.case_id.in_(list(by_case)))
            .order_by(history_model.at, history_model.id)
        )
        for row in rows:
            by_case[row.case_id].append(row)
        for case in cases:
            case.loaded_history = by_case[case.id]
