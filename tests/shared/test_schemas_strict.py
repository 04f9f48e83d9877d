"""Strict types at the edge (issue 14): JSON booleans, `YYYY-MM-DD` dates, and a patient whose
NIR and commune agree with the rest, every error reported in the same answer."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError

from shared.schemas import BaseSchema, Boolean, Date, PatientSchema, QuerySchema
from tests.support import payloads


class Flags(BaseSchema):
    flag = Boolean(required=True)


class FlagQuery(QuerySchema):
    flag = Boolean(required=True)


class Day(BaseSchema):
    day = Date(required=True)


@pytest.mark.parametrize("value", [True, False])
def test_json_booleans_are_read(value):
    assert Flags().load({"flag": value}) == {"flag": value}


@pytest.mark.parametrize("value", [1, 0, "true", "yes", "on", "1", 1.0, None])
def test_anything_but_a_json_boolean_is_refused(value):
    with pytest.raises(ValidationError) as raised:
        Flags().load({"flag": value})
    assert "flag" in raised.value.messages


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("1", True)])
def test_a_query_string_spells_its_booleans(text, value):
    assert FlagQuery().load({"flag": text}) == {"flag": value}


def test_a_date_is_written_year_month_day():
    assert Day().load({"day": "1950-01-01"}) == {"day": dt.date(1950, 1, 1)}


@pytest.mark.parametrize("value", ["19500101", "1950-W01-1", "1950-1-1", "01/01/1950", 19500101])
def test_other_spellings_of_a_date_are_refused(value):
    with pytest.raises(ValidationError) as raised:
        Day().load({"day": value})
    assert raised.value.messages == {"day": ["Date attendue au format AAAA-MM-JJ."]}


def test_a_nir_of_another_sex_and_birth_month_is_refused_on_the_nir():
    patient = payloads.patient(sex="M", birth_date="1950-03-14", nir=payloads.make_nir(sex="2"))
    patient["birth_date"] = "1950-04-14"
    with pytest.raises(ValidationError) as raised:
        PatientSchema().load(patient)
    assert list(raised.value.messages) == ["nir"]
    assert len(raised.value.messages["nir"]) == 2  # sex and month


def test_a_commune_outside_its_postal_code_is_refused_on_the_city():
    patient = payloads.patient(
        address={"line": "1 rue des Essais", "postal_code": "75015", "city": "Lyon"}
    )
    with pytest.raises(ValidationError) as raised:
        PatientSchema().load(patient)
    assert raised.value.messages == {
        "address": {
            "city": [
                "Cette commune ne correspond pas au code postal 75015 (Paris 15e Arrondissement)."
            ]
        }
    }


def test_contradictions_are_reported_with_the_other_errors():
    patient = payloads.patient(
        sex="M",
        nir=payloads.make_nir(sex="2"),
        phone="12",
        last_name=" ",
        address={"line": "1 rue des Essais", "postal_code": "69003", "city": "Bron"},
    )
    with pytest.raises(ValidationError) as raised:
        PatientSchema().load(patient)
    messages = raised.value.messages
    assert {"nir", "phone", "last_name", "address"} == set(messages)
    assert list(messages["address"]) == ["city"]


def test_a_postal_code_is_stored_without_spaces():
    patient = payloads.patient(
        address={"line": "1 rue des Essais", "postal_code": " 69003 ", "city": "Lyon 3e"}
    )
    assert PatientSchema().load(patient)["address"]["postal_code"] == "69003"
