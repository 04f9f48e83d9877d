"""The priority of a signalement: Assurance Maladie fragility criteria first, then the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from services.orientation.medecin_traitant.priority import age_on, compute_priority

TODAY = dt.date(2026, 6, 15)
YOUNG = dt.date(1990, 1, 1)


def _priority(**overrides):
    args = {
        "birth_date": YOUNG,
        "ald": False,
        "ald_label": None,
        "vulnerabilities": [],
        "reduced_mobility": False,
        "needs_home_visits": False,
        "today": TODAY,
    }
    args.update(overrides)
    return compute_priority(**args)


def test_no_criterion_is_priority_3_and_says_so():
    result = _priority()
    assert (result.level, result.score) == (3, 0)
    assert result.reasons == ["Aucun critère de fragilité déclaré"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"ald": True}, "Affection de longue durée (ALD)"),
        ({"vulnerabilities": ["c2s"]}, "Bénéficiaire de la Complémentaire santé solidaire (C2S)"),
        ({"birth_date": dt.date(1956, 6, 15)}, "70 ans ou plus (70 ans)"),
    ],
)
def test_one_assurance_maladie_criterion_alone_is_priority_2(overrides, reason):
    result = _priority(**overrides)
    assert (result.level, result.score) == (2, 3)
    assert result.reasons == [reason]


def test_ald_label_is_part_of_the_reason():
    result = _priority(ald=True, ald_label="Insuffisance cardiaque")
    assert result.reasons == ["Affection de longue durée (ALD) : Insuffisance cardiaque"]


def test_age_70_counts_from_the_birthday_itself():
    assert _priority(birth_date=dt.date(1956, 6, 16)).level == 3
    assert _priority(birth_date=dt.date(1956, 6, 15)).level == 2


def test_a_criterion_plus_one_other_vulnerability_is_priority_1():
    result = _priority(ald=True, vulnerabilities=["isolement"])
    assert (result.level, result.score) == (1, 4)
    assert result.reasons == ["Affection de longue durée (ALD)", "Isolement"]


def test_two_criteria_are_priority_1():
    result = _priority(ald=True, vulnerabilities=["c2s"])
    assert (result.level, result.score) == (1, 6)


def test_other_vulnerabilities_without_a_criterion_cap_at_priority_2():
    result = _priority(
        vulnerabilities=["isolement", "precarite", "handicap", "sans_domicile"],
        reduced_mobility=True,
        needs_home_visits=True,
    )
    assert (result.level, result.score) == (2, 6)
    assert result.reasons == [
        "Isolement",
        "Précarité",
        "Situation de handicap",
        "Sans domicile",
        "Mobilité réduite",
        "Besoin de visites à domicile",
    ]


def test_a_single_other_vulnerability_stays_priority_3():
    result = _priority(reduced_mobility=True)
    assert (result.level, result.score) == (3, 1)
    assert result.reasons == ["Mobilité réduite"]


def test_two_other_vulnerabilities_are_priority_2():
    assert _priority(vulnerabilities=["grossesse"], needs_home_visits=True).level == 2


def test_fragility_reasons_come_before_the_others():
    result = _priority(
        birth_date=dt.date(1940, 1, 1),
        ald=True,
        vulnerabilities=["troubles_cognitifs", "c2s"],
        reduced_mobility=True,
    )
    assert result.reasons[:3] == [
        "Affection de longue durée (ALD)",
        "Bénéficiaire de la Complémentaire santé solidaire (C2S)",
        "70 ans ou plus (86 ans)",
    ]
    assert result.reasons[3:] == ["Troubles cognitifs", "Mobilité réduite"]
    assert result.score == 3 * 3 + 2


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (dt.date(2000, 2, 29), dt.date(2026, 2, 28), 25),
        (dt.date(2000, 2, 29), dt.date(2026, 3, 1), 26),
        (dt.date(1956, 12, 31), dt.date(2026, 12, 30), 69),
    ],
)
def test_age_in_whole_years(born, on, age):
    assert age_on(born, on) == age


def test_the_api_shows_priority_and_reasons_and_the_coordinator_may_override(world):
    from tests.support import payloads

    body = payloads.signalement(ald=False, ald_label=None, vulnerabilities=["c2s"])
    payloads.changed_patient(body["patient"], birth_date="1990-05-05")
    case = world.submit(body)
    assert case["priority"] == 2
    assert case["priority_reasons"] == ["Bénéficiaire de la Complémentaire santé solidaire (C2S)"]
    assert case["priority_overridden"] is False
    triaged = world.fire(case["id"], "triage", body={"synthesis": "Urgent.", "priority": 1})
    result = triaged.get_json()
    assert (result["priority"], result["priority_overridden"]) == (1, True)
    assert result["priority_reasons"][-1] == "Priorité fixée à 1 par la coordination"
