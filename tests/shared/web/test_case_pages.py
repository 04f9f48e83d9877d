"""Helpers shared by the case pages: posted version, timeline, stale-action response."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from shared.auth.principal import Principal
from shared.cases.disclosure import HistoryDisclosure
from shared.cases.machine import CaseMachine
from shared.cases.states import CaseStates
from shared.errors import NotFound, ValidationFailed
from shared.web.case_pages import MISSING_VERSION, case_timeline, current_state, form_version


@pytest.mark.parametrize("raw", ["", "v1", "-1", "1.5"])
def test_a_missing_or_malformed_version_is_a_french_field_error(raw):
    with pytest.raises(ValidationFailed) as caught:
        form_version({"version": raw})
    assert caught.value.fields == {"version": [MISSING_VERSION]}


def test_the_posted_version_is_read_as_an_integer():
    assert form_version({"version": "12"}) == 12


MACHINE = CaseMachine(
    CaseStates(kind="essai", open=("ready",), final=(), labels={"ready": "prêt"}),
    rules=(),
    disclosure=HistoryDisclosure(full_view=frozenset({"coordinator"})),
)
COORDINATION = "coordination@relais.test"


def _row(minutes, transition, from_state, to_state, comment=None):
    at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return SimpleNamespace(
        at=at,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        by=COORDINATION,
        data=None,
    )


ROWS = [
    _row(5, "edit", "ready", "ready", "Compte rendu corrigé"),
    _row(0, "submit", None, "ready"),
]


def _timeline(app, *roles):
    reader = Principal(user_id=uuid.uuid4(), email="lecteur@relais.test", roles=frozenset(roles))
    with app.test_request_context():
        return case_timeline(
            ROWS,
            "XX-2026-000001",
            machine=MACHINE,
            principal=reader,
            transition_labels={"submit": "signalement", "edit": "modification"},
        )


def test_timeline_is_oldest_first_and_shows_the_new_state_only_when_it_changed(app):
    assert [(e.title, e.detail, e.by) for e in _timeline(app, "coordinator")] == [
        ("Signalement → prêt", None, COORDINATION),
        ("Modification", "Compte rendu corrigé", COORDINATION),
    ]


def test_timeline_shows_others_the_steps_without_actor_nor_comment(app):
    assert [(e.title, e.detail, e.by) for e in _timeline(app, "professional")] == [
        ("Signalement → prêt", None, None),
        ("Modification", None, None),
    ]


def test_a_case_gone_from_the_users_hands_sends_back_to_their_list(app):
    def gone():
        raise NotFound("Dossier introuvable.")

    with app.test_request_context():
        response = current_state(
            gone, lambda case, notice: "", notice="Déjà traité.", fallback_endpoint="web.home"
        )
        shown = current_state(
            lambda: "le dossier",
            lambda case, notice: f"{case} / {notice}",
            notice="Déjà traité.",
            fallback_endpoint="web.home",
        )
    assert response.status_code == 303
    assert shown == ("le dossier / Déjà traité.", 409)
