"""Create cases and fire their transitions: one transaction, one history row, one event."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any

from sqlalchemy import or_, select

from shared.audit.service import record_audit, record_audits
from shared.auth.principal import Principal
from shared.cases.case_type import CaseT, CaseType
from shared.cases.machine import TransitionRule
from shared.cases.references import next_reference
from shared.db import for_update, unit_of_work
from shared.errors import (
    Duplicate,
    InvalidTransition,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from shared.extensions import db
from shared.http.parsing import load
from shared.outbox.emit import emit
from shared.timeutil import PARIS, utcnow
from shared.types import new_uuid


def announce(
    case_type: CaseType[Any],
    case: Any,
    name: str,
    *,
    before: str | None,
    principal: Principal,
    extra: dict[str, Any] | None = None,
) -> None:
    """Emit the event `<kind>.<name>` of a step of `case`, in the current unit of work."""
    emit(
        f"{case_type.kind}.{name}",
        reference=case.reference,
        payload={
            "case_id": str(case.id),
            "kind": case_type.kind,
            "transition": name,
            "from": before,
            "to": case.state,
            "actor_user_id": str(principal.user_id),
            "created_by": str(case.created_by),
            **(extra or {}),
        },
    )


def create_case(
    case_type: CaseType[CaseT],
    case: CaseT,
    *,
    principal: Principal,
    extra_event: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    announced: bool = True,
) -> CaseT:
    """Number, store and announce a new case inside the current unit of work.

    The case's creation instant and its first history row's are one and the same: the
    indicators rebuild past states from the history and ages from the case's columns. `at`
    dates a case received earlier (an imported waiting list); `announced=False` emits no
    event (the importer does not notify themselves once per row).

    Nothing is sent to the database here but the reference's counter (`next_reference`): the
    case, its history row and the event are inserted by the commit's one flush (the id is set
    here, so nothing needs the case inserted earlier), the audit entry just after it
    (`shared.audit.models.write_held_entries`), and the case's values are those written, never
    read back. A duplicate refused by a unique index thus surfaces at that commit."""
    now = at or utcnow()
    initial = case_type.machine.initial
    case.reference = next_reference(case_type.prefix)
    case.id = case.id or new_uuid()
    case.state = initial
    case.version = 1
    case.created_by = principal.user_id
    case.created_at = case.updated_at = now
    db.session.add(case)
    first = case_type.history(
        case_id=case.id,
        transition="submit",
        from_state=None,
        to_state=initial,
        by=principal.email,
        at=now,
    )
    db.session.add(first)
    case.loaded_history = [first]
    record_audit(action="create", reference=case.reference)
    if announced:
        announce(case_type, case, "submit", before=None, principal=principal, extra=extra_event)
    return case


def open_duplicate(case_type: CaseType[CaseT], case: CaseT) -> CaseT | None:
    """The open case of the same patient as `case` (same NIR, or same names and birth date),
    if any: the one a refused duplicate ran into."""
    model: Any = case_type.model
    patient: Any = case  # a `PatientMixin` row
    return db.session.scalar(
        select(model).where(
            model.state.in_(case_type.machine.case_states.open),
            or_(
                model.patient_key == patient.patient_key,
                model.patient_identity_hash == patient.patient_identity_hash,
            ),
        )
    )


def refuse_duplicate(
    case_type: CaseType[CaseT],
    case: CaseT,
    *,
    principal: Principal,
    named: str,
    unnamed: str,
) -> Duplicate:
    """The `409 duplicate` of a new case refused by the database: `named` (formatted with the
    existing case's `reference`) to a caller who may see that case; to anyone else `unnamed`,
    which reveals nothing more, and the coordination is told who tried (event
    `<kind>.duplicate_attempt`)."""
    existing = open_duplicate(case_type, case)
    if existing is None:
        # Closed between the refused insert and this look-up: nothing left to name or report.
        return Duplicate()
    if case_type.can_see(existing, principal):
        return Duplicate(
            named.format(reference=existing.reference),
            details={"reference": existing.reference},
        )
    with unit_of_work():
        emit(
            f"{case_type.kind}.duplicate_attempt",
            reference=existing.reference,
            payload={
                "case_id": str(existing.id),
                "kind": case_type.kind,
                "actor_user_id": str(principal.user_id),
                "actor_email": principal.email,
                "attempted_at": utcnow().astimezone(PARIS).strftime("%d/%m/%Y à %H:%M"),
            },
        )
    return Duplicate(unnamed)


def fire_transition(
    case_type: CaseType[CaseT],
    *,
    case_id: uuid.UUID,
    name: str,
    principal: Principal,
    body: dict[str, Any],
    if_match: int | None,
) -> CaseT:
    """Lock the case, check version, state and caller, apply the body, persist history.

    A transition with a lookup is first checked the same way without the lock, then its lookup
    runs with no transaction open: a slow service never holds a case row locked, and a caller
    who would be refused causes no call. The checks run again under the lock.

    The transition happens at one instant, `case.transition_at`, set before the effect runs
    and recorded on the history row: effects stamp the case with it (`oriented_at`, …), so a
    case's columns and its history agree to the microsecond."""
    check = functools.partial(
        _checked, case_type, name=name, principal=principal, body=body, if_match=if_match
    )
    lookup = case_type.lookups.get(name)
    found: dict[str, Any] = {}
    if lookup is not None:
        with unit_of_work() as session:
            _case, data, _rule = check(session.get(case_type.model, case_id))
        found = lookup(data, principal)
    with unit_of_work():
        case, data, rule = check(lock_case(case_type, case_id))
        # The history is read before anything is written: reading it after would flush the
        # writes first, one more flush while the case's row is locked.
        history = load_history(case, case_type.history)
        now = case.transition_at = case.updated_at = utcnow()
        effect = case_type.effects.get(name)
        extra = effect(case, {**data, **found}, principal) if effect else None
        before, _after = case_type.machine.apply(case, name, rule)
        step = record_step(
            case_type,
            case,
            name=name,
            before=before,
            principal=principal,
            comment=case_type.history_comment(data),
            data=_json_safe(data),
            at=now,
        )
        record_audit(action="transition", reference=case.reference)
        announce(case_type, case, name, before=before, principal=principal, extra=extra)
        case.loaded_history = sorted([*history, step], key=_history_order)
    return case


def lock_case(case_type: CaseType[CaseT], case_id: uuid.UUID) -> CaseT | None:
    """The case, its row locked until the current unit of work ends (None if there is none),
    with the relationships its response shows (`CaseType.presented_with`)."""
    model = case_type.model
    statement = select(model).where(model.id == case_id).options(*case_type.presented_loads())
    return db.session.scalar(for_update(statement))


def check_visible(case_type: CaseType[CaseT], case: CaseT | None, principal: Principal) -> CaseT:
    """`case` if the caller may see it; 404 otherwise, as if it did not exist."""
    if case is None or not case_type.can_see(case, principal):
        raise NotFound("Dossier introuvable.")
    return case


def check_version(case: Any, if_match: int | None) -> None:
    """409 when the caller changes a version of the case other than the current one."""
    if if_match is not None and case.version != if_match:
        raise VersionConflict(details={"current_version": case.version})


def record_step(
    case_type: CaseType[Any],
    case: Any,
    *,
    name: str,
    before: str | None,
    principal: Principal,
    comment: str | None,
    data: dict[str, Any] | None,
    at: dt.datetime | None = None,
) -> Any:
    """Count one more version of `case` and write the history row of the step that made it
    (a transition, or an edit that keeps the state); returns that row."""
    case.version += 1
    step = case_type.history(
        id=new_uuid(),
        case_id=case.id,
        transition=name,
        from_state=before,
        to_state=case.state,
        by=principal.email,
        comment=comment,
        data=data,
        at=at or utcnow(),
    )
    db.session.add(step)
    return step


def _checked(
    case_type: CaseType[CaseT],
    found: CaseT | None,
    *,
    name: str,
    principal: Principal,
    body: dict[str, Any],
    if_match: int | None,
) -> tuple[CaseT, dict[str, Any], TransitionRule]:
    """The case, the validated body and the rule that applies, once the case, the caller, the
    version and the state allow `name`; the contract's errors in the contract's order
    otherwise."""
    if found is not None and case_type.withdrawn is not None:
        # Asked a moment ago, no longer (another GP accepted first): 409 with the reason,
        # not the 404 of a case they never knew.
        reason = case_type.withdrawn(found, principal)
        if reason is not None:
            raise InvalidTransition(reason, details={"state": found.state, "transition": name})
    case = check_visible(case_type, found, principal)
    machine = case_type.machine
    # A caller who may never fire `name` gets 403 before any 409 (version or state).
    machine.check_role(principal, name)
    check_version(case, if_match)
    rule = machine.check(case, principal, name)
    data = load(_schema(rule.schema), body, case=case) if rule.schema else load_empty(body)
    return case, data, rule


def _history_order(row: Any) -> tuple[Any, Any]:
    """A history row's place, as `load_history` orders them (instant, then id)."""
    return row.at, row.id


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


def _json_safe(data: dict[str, Any]) -> dict[str, Any] | None:
    safe = {
        key: [str(item) for item in value]
        if isinstance(value, list)
        else value
        if isinstance(value, str | int | float | bool | None)
        else str(value)
        for key, value in data.items()
    }
    return safe or None


def get_visible_case(
    case_type: CaseType[CaseT], *, case_id: uuid.UUID, principal: Principal
) -> CaseT:
    """One case the caller may see, its read audited and its history loaded; 404 otherwise,
    so that a case the caller may not see is indistinguishable from one that does not exist."""
    with unit_of_work():
        case = db.session.get(case_type.model, case_id)
        if case is None or not case_type.can_see(case, principal):
            raise NotFound(case_type.not_found)
        record_audit(action="read", reference=case.reference)
        load_history(case, case_type.history)
    return case


def case_history(case_type: CaseType[Any], case: Any) -> list[Any]:
    """The case's history, oldest first: as read with the case, or read now."""
    if case.loaded_history is not None:
        return case.loaded_history
    return load_history(case, case_type.history)


def record_reads(cases: list[Any], history_model: Any = None) -> None:
    """Audit that these cases (with patient identities) were read, e.g. a page of a list; with
    `history_model`, load their histories in the same transaction with one query; nothing to
    write (no transaction) for an empty page."""
    if not cases:
        return
    with unit_of_work():
        record_audits(action="read", references=[case.reference for case in cases])
        if history_model is None:
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
