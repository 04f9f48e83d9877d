"""Declare a case type's states and transitions once, as data, on top of `transitions`.

One `CaseMachine` (and so one `transitions.Machine`) serves every row of a case type: rows are
passed to the machine when a transition fires, never attached to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from transitions import Machine, MachineError

from shared.auth.principal import Principal
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.states import CaseStates
from shared.errors import Forbidden, InvalidTransition

# Decides whether a caller may fire a transition on one case.
Actor = Callable[[Any, Principal], bool]


def _needing(roles: frozenset[str], actor: Actor) -> Actor:
    """Tag `actor` with the roles a caller must hold for it ever to match, whatever the case."""
    actor.required_roles = roles  # type: ignore[attr-defined]
    return actor


def role(name: str) -> Actor:
    """Anyone holding the role `name`."""
    return _needing(frozenset({name}), lambda _case, principal: principal.has(name))


def party(role_name: str, attribute: str) -> Actor:
    """The holder of `role_name` whose directory entry is `case.<attribute>`."""

    def check(case: Any, principal: Principal) -> bool:
        return (
            principal.has(role_name)
            and principal.professional_id is not None
            and getattr(case, attribute) == principal.professional_id
        )

    return _needing(frozenset({role_name}), check)


def party_among(role_name: str, attribute: str) -> Actor:
    """The holder of `role_name` whose directory entry is one of `case.<attribute>` (a case
    proposed to several professionals at once)."""

    def check(case: Any, principal: Principal) -> bool:
        return (
            principal.has(role_name)
            and principal.professional_id is not None
            and principal.professional_id in getattr(case, attribute)
        )

    return _needing(frozenset({role_name}), check)


def submitter(*, while_in: Iterable[str]) -> Actor:
    """The user who created the case, while it is in one of `while_in`."""
    states = frozenset(while_in)
    return lambda case, principal: case.created_by == principal.user_id and case.state in states


SYSTEM_ACTOR: Actor = _needing(
    frozenset({"system"}), lambda _case, principal: principal.has("system")
)


def _may_ever_match(actor: Actor, principal: Principal) -> bool:
    # An actor without required roles (the submitter, say) may be anyone: decided per case.
    roles = getattr(actor, "required_roles", None)
    return roles is None or principal.has(*roles)


@dataclass(frozen=True)
class TransitionRule:
    """One named transition: where it may start, where it leads, who may fire it, its body."""

    name: str
    source: tuple[str, ...]
    dest: str
    actors: tuple[Actor, ...]
    schema: type[Schema] | None = None
    label: str = ""
    # Several rules may share a name (e.g. `resume` back to the state the case was held in);
    # `when` picks the one that applies to a given case. It is read once, before the
    # transition's effect changes the case (`check`, then `apply(..., rule=)`).
    when: Callable[[Any], bool] | None = None


@dataclass
class CaseMachine:
    """The state machine of one case type, and who sees what in its history."""

    case_states: CaseStates
    rules: tuple[TransitionRule, ...]
    disclosure: HistoryDisclosure

    def __post_init__(self) -> None:
        self._by_name: dict[str, list[TransitionRule]] = {}
        for rule in self.rules:
            self._by_name.setdefault(rule.name, []).append(rule)
        self._machine = Machine(
            model=None,
            states=list(self.states),
            initial=None,
            auto_transitions=False,
            send_event=True,
            transitions=[
                {
                    "trigger": r.name,
                    "source": list(r.source),
                    "dest": r.dest,
                    "conditions": [_condition(r)] if r.when else [],
                }
                for r in self.rules
            ],
        )

    def _applicable(self, case: Any, name: str) -> TransitionRule | None:
        for rule in self._by_name.get(name, ()):
            if case.state in rule.source and (rule.when is None or rule.when(case)):
                return rule
        return None

    @property
    def kind(self) -> str:
        """The case type's kind (events are named `<kind>.<transition>`)."""
        return self.case_states.kind

    @property
    def states(self) -> tuple[str, ...]:
        """Every state, open ones first."""
        return self.case_states.names

    @property
    def initial(self) -> str:
        """Where every case starts."""
        return self.case_states.initial

    @property
    def final(self) -> frozenset[str]:
        """States a case never leaves."""
        return frozenset(self.case_states.final)

    @property
    def labels(self) -> Mapping[str, str]:
        """The French label of each state."""
        return self.case_states.labels

    def label(self, name: str) -> str:
        """The French label of transition `name` (its name when it has none, or is unknown)."""
        rules = self._by_name.get(name)
        return (rules[0].label if rules else "") or name

    @property
    def transition_labels(self) -> dict[str, str]:
        """The French label of each transition, in declaration order."""
        return {name: self.label(name) for name in self._by_name}

    def names(self) -> list[str]:
        """Every transition name, in declaration order."""
        return list(self._by_name)

    def may(self, case: Any, principal: Principal, name: str) -> bool:
        """True when `principal` may fire `name` on `case` now."""
        rule = self._applicable(case, name)
        return rule is not None and any(actor(case, principal) for actor in rule.actors)

    def allowed_transitions(self, case: Any, principal: Principal) -> list[str]:
        """Names of the transitions the caller may fire from the case's current state."""
        return [
            name
            for name in dict.fromkeys(self._machine.get_triggers(case.state))
            if self.may(case, principal, name)
        ]

    def check_role(self, principal: Principal, name: str) -> None:
        """403 when no rule called `name` has an actor the caller's roles could ever match:
        such a caller learns nothing about the case's state or version. Unknown names pass
        (`check` refuses them with 409)."""
        rules = self._by_name.get(name)
        if not rules:
            return
        if not any(_may_ever_match(actor, principal) for r in rules for actor in r.actors):
            raise Forbidden(
                f"Vous ne pouvez pas effectuer l'action « {self.label(name)} » sur ce dossier."
            )

    def check(self, case: Any, principal: Principal, name: str) -> TransitionRule:
        """The rule for `name`, after checking the state (409) and the caller (403)."""
        if name not in self._by_name:
            raise InvalidTransition(f"Action inconnue : « {name} ».")
        rule = self._applicable(case, name)
        if rule is None:
            raise InvalidTransition(
                f"L'action « {self.label(name)} » n'est pas possible depuis l'état "
                f"« {self.labels.get(case.state, case.state)} ».",
                details={"state": case.state, "transition": name},
            )
        if not any(actor(case, principal) for actor in rule.actors):
            raise Forbidden(
                f"Vous ne pouvez pas effectuer l'action « {rule.label or name} » sur ce dossier."
            )
        return rule

    def apply(self, case: Any, name: str, rule: TransitionRule | None = None) -> tuple[str, str]:
        """Move `case` along `name`; returns (from, to). Callers check first; `rule` is the
        one `check` chose, before the effect ran (a decline that leaves other GPs asked stays
        `proposed` even though the effect has just removed one)."""
        before = case.state
        try:
            self._machine.events[name].trigger(case, chosen=rule)
        except MachineError as exc:
            raise InvalidTransition() from exc
        return before, case.state


def _condition(rule: TransitionRule) -> Callable[[Any], bool]:
    """Adapt a rule's `when` to a `transitions` condition (which receives EventData): the rule
    chosen by `check`, when given, else `when` read now."""
    assert rule.when is not None  # noqa: S101 - only rules with `when` get a condition
    when = rule.when

    def condition(event: Any) -> bool:
        chosen = event.kwargs.get("chosen")
        return chosen is rule if chosen is not None else when(event.model)

    return condition
