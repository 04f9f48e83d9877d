"""Helpers every case page shares: the logged-in user, the posted version, the timeline,
firing a transition from its form, and what to show when an action meets a case that changed
meanwhile."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from shared.auth.principal import Principal
from shared.cases.case_type import CaseType
from shared.cases.disclosure import HistoryEntry
from shared.cases.machine import CaseMachine
from shared.cases.service import case_history, fire_transition, get_visible_case
from shared.errors import Conflict, NotFound, Unauthenticated, ValidationFailed, VersionConflict
from shared.web.forms import Field, FormState, form_body
from shared.web.registry import TimelineEntry, timeline_extras
from shared.web.session import session_principal

Case = TypeVar("Case")
MISSING_VERSION = "Version du dossier manquante : rechargez la page."
CHANGED = (
    "Ce dossier a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert. "
    "Votre action « {label} » n'a pas été enregistrée : voici l'état actuel du dossier. "
    "Vérifiez-le avant de recommencer."
)
# Shows a form again with its errors, after invalid input: (case id, transition, user, error).
Invalid = Callable[[uuid.UUID, str, Principal, ValidationFailed], ResponseReturnValue]


def page_principal() -> Principal:
    """The logged-in user of a page view (`@page` already redirected anonymous visitors)."""
    principal = session_principal()
    if principal is None:  # never trust `@page` alone: assertions vanish under -O
        raise Unauthenticated()
    return principal


def form_version(form: Mapping[str, str]) -> int:
    """The case version a form was rendered with (its If-Match); a French error if absent."""
    raw = form.get("version", "")
    if not raw.isdigit():
        raise ValidationFailed({"version": [MISSING_VERSION]})
    return int(raw)


def case_timeline(
    rows: Iterable[Any],
    reference: str,
    *,
    machine: CaseMachine,
    principal: Principal,
    transition_labels: Mapping[str, str],
    detail: Callable[[HistoryEntry], str | None] | None = None,
) -> list[TimelineEntry]:
    """History rows as `principal` may see them (the machine's disclosure rule, as in the API),
    plus other services' entries for the reference, oldest first; an entry's detail is its
    comment unless `detail` says otherwise."""
    detail = detail or (lambda entry: entry.comment)
    entries = []
    for row in machine.disclosure.visible(rows, principal):
        title = transition_labels.get(row.transition, row.transition).capitalize()
        if row.from_state != row.to_state:
            title += f" → {machine.labels.get(row.to_state, row.to_state)}"
        shown = detail(row) if row.revealed else None
        entries.append(TimelineEntry(at=row.at, title=title, detail=shown, by=row.by))
    entries.extend(timeline_extras(reference))
    return sorted(entries, key=lambda entry: entry.at)


def history_timeline(
    case_type: CaseType[Any],
    case: Any,
    *,
    principal: Principal,
    transition_labels: Mapping[str, str],
    detail: Callable[[HistoryEntry], str | None] | None = None,
) -> list[TimelineEntry]:
    """The timeline of `case`: its history as `principal` may see it (see `case_timeline`)."""
    return case_timeline(
        case_history(case_type, case),
        case.reference,
        machine=case_type.machine,
        principal=principal,
        transition_labels=transition_labels,
        detail=detail,
    )


def current_state(
    load: Callable[[], Case],
    render: Callable[..., str],
    *,
    notice: str,
    fallback_endpoint: str,
) -> tuple[str, int] | Response:
    """After a refused action: the case as it is now, rendered with the notice saying why
    (409); when the case has left the user's hands meanwhile, their list instead."""
    try:
        current = load()
    except NotFound:
        flash(notice, "warning")
        return redirect(url_for(fallback_endpoint), code=303)
    return render(current, notice=notice), 409


@dataclass(frozen=True)
class FormTransitions:
    """A case type's transitions as its pages fire them: one form per transition, carrying the
    case's version, so that a stale page never overwrites a newer state.

    A refused action (the case changed, or the action no longer applies) shows the case as it
    is now with a notice saying why (409), or the user's list when the case left their hands;
    invalid input shows the form again with its errors (422); a recorded action goes to the
    case's page, or the user's list once they no longer see the case.
    """

    case_type: CaseType[Any]
    # The form of each transition the pages offer; no other name may be posted.
    fields: Mapping[str, tuple[Field, ...]]
    # The endpoint of the user's list.
    home: Callable[[Principal], str]
    # The case page, `render(case, failed={name: FormState}, notice=...)`; None when the
    # case type has no page of its own (a refused action then goes back to the list).
    render: Callable[..., str] | None = None
    # The URL of a case's page (None: back to the list once an action is recorded).
    case_url: Callable[[Any], str] | None = None
    # The fields of a transition's form for one case (e.g. the choices suggested for it).
    fields_for: Callable[[str, Any], tuple[Field, ...]] | None = None
    # Another way to show a form again with its errors (e.g. in a list of cases).
    invalid: Invalid | None = None
    # The notices: the case changed since the page was rendered; the action is refused by the
    # case's state (`{message}` says why); the case is no longer the user's to see (None: 404).
    changed: str = CHANGED
    refused: str = "{message}"
    gone: str | None = None

    def fire(self, case_id: uuid.UUID, name: str) -> ResponseReturnValue:
        """Fire `name` with the body and the version its form posted."""
        principal = page_principal()
        if name not in self.fields:
            raise NotFound("Action inconnue.")
        label = self.case_type.machine.label(name)
        try:
            case = fire_transition(
                self.case_type,
                case_id=case_id,
                name=name,
                principal=principal,
                body=form_body(request.form, self.fields[name]),
                if_match=form_version(request.form),
            )
        except VersionConflict:
            return self.refuse(case_id, principal, self.changed.format(label=label))
        except Conflict as error:
            notice = self.refused.format(label=label, message=error.message)
            return self.refuse(case_id, principal, notice)
        except NotFound:
            if self.gone is None:
                raise
            return self.refuse(case_id, principal, self.gone.format(label=label))
        except ValidationFailed as error:
            return (self.invalid or self._invalid)(case_id, name, principal, error)
        flash(f"Action « {label} » enregistrée.", "success")
        if self.case_url is not None and self.case_type.can_see(case, principal):
            return redirect(self.case_url(case), code=303)
        return redirect(url_for(self.home(principal)), code=303)

    def _load(self, case_id: uuid.UUID, principal: Principal) -> Any:
        return get_visible_case(self.case_type, case_id=case_id, principal=principal)

    def refuse(self, case_id: uuid.UUID, principal: Principal, notice: str) -> ResponseReturnValue:
        """Nothing was recorded: the case as it is now, with `notice` saying why (409); the
        user's list, with the notice, when the case has no page or left their hands."""
        if self.render is None:
            flash(notice, "warning")
            return redirect(url_for(self.home(principal)), code=303)
        return current_state(
            lambda: self._load(case_id, principal),
            self.render,
            notice=notice,
            fallback_endpoint=self.home(principal),
        )

    def _invalid(
        self, case_id: uuid.UUID, name: str, principal: Principal, error: ValidationFailed
    ) -> ResponseReturnValue:
        if self.render is None:
            raise error
        current = self._load(case_id, principal)
        fields = self.fields_for(name, current) if self.fields_for else self.fields[name]
        if not fields:
            # Nothing to correct in a form (e.g. what a case still lacks): say it on the page.
            return self.render(current, notice=error.message), 422
        failed = FormState.failed(fields, request.form, error.fields, prefix=f"{name}-")
        return self.render(current, failed={name: failed}), 422
