"""Validators of French identifiers: NIR/INS, RPPS, postal codes, phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.validators import (
    InvalidIdentifier,
    commune_disagreement,
    national_phone,
    nir_disagreements,
    validate_nir,
    validate_phone,
    validate_postal_code,
    validate_rpps,
)
from tests.support.payloads import make_nir, make_rpps


def test_a_nir_with_its_key_is_returned_compact():
    nir = make_nir()
    assert validate_nir(f" {nir[:5]} {nir[5:10]} {nir[10:]} ") == nir


@pytest.mark.parametrize("dept", ["2A", "2B", "2a"])
def test_corsican_nirs_are_accepted(dept):
    nir = make_nir(dept=dept.upper())
    assert validate_nir(nir.replace(dept.upper(), dept)) == nir


@pytest.mark.parametrize(("dept", "number"), [("2A", "19"), ("2B", "18")])
def test_corsica_keys_are_computed_with_19_and_18(dept, number):
    body = f"18501{dept}004007"
    key = 97 - int(body.replace(dept, number)) % 97
    assert validate_nir(f"{body}{key:02d}") == f"{body}{key:02d}"
    with pytest.raises(InvalidIdentifier):
        validate_nir(f"{body}{(key % 96) + 1:02d}")


@given(st.integers(min_value=1, max_value=999))
def test_every_generated_nir_is_valid(order):
    assert validate_nir(make_nir(order=order))


@given(st.integers(min_value=0, max_value=96))
def test_any_other_key_is_refused(key):
    nir = make_nir(order=1)
    if int(nir[-2:]) == key:
        return
    with pytest.raises(InvalidIdentifier, match="clé du NIR"):
        validate_nir(nir[:-2] + f"{key:02d}")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "15 caractères"),
        ("28504691230", "15 caractères"),
        ("2850469123001999", "15 caractères"),
        ("28504691230X199", "chiffres"),
    ],
)
def test_malformed_nirs_are_refused_in_french(value, message):
    with pytest.raises(InvalidIdentifier, match=message):
        validate_nir(value)


def test_an_rpps_with_its_luhn_key_is_accepted():
    rpps = make_rpps(42)
    assert validate_rpps(f"{rpps[:5]} {rpps[5:]}") == rpps


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234567890", "11 chiffres"),
        ("123456789012", "11 chiffres"),
        ("1000000004A", "11 chiffres"),
    ],
)
def test_malformed_rpps_are_refused(value, message):
    with pytest.raises(InvalidIdentifier, match=message):
        validate_rpps(value)


def test_an_rpps_with_a_wrong_key_is_refused():
    rpps = make_rpps(42)
    wrong = rpps[:-1] + str((int(rpps[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="clé du numéro RPPS"):
        validate_rpps(wrong)


@pytest.mark.parametrize("value", ["69003", " 20000 ", "97400"])
def test_five_digit_postal_codes_are_accepted(value):
    assert validate_postal_code(value) == value.strip()


@pytest.mark.parametrize("value", ["6900", "690031", "2A000", "69 03", "", None])
def test_other_postal_codes_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="5 chiffres"):
        validate_postal_code(value)


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33 4 78 00 00 00", "+33478000000"),
        ("0033612345678", "+33612345678"),
        ("+262 692 12 34 56", "+262692123456"),
    ],
)
def test_french_phone_numbers_are_normalised_to_e164(value, e164):
    assert validate_phone(value) == e164


@pytest.mark.parametrize("value", ["12", "not a phone", "+44 20 7946 0958", "06 12 34"])
def test_other_phone_numbers_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="téléphone"):
        validate_phone(value)


# --- issue 14: overseas numbers, the NIR against the person, postal codes and communes -------


@pytest.mark.parametrize(
    ("value", "e164", "national"),
    [
        ("0692 12 34 56", "+262692123456", "0692 12 34 56"),  # La Réunion, mobile
        ("0262 12 34 56", "+262262123456", "0262 12 34 56"),  # La Réunion, fixed
        ("0639 01 23 45", "+262639012345", "0639 01 23 45"),  # Mayotte, mobile
        ("0269 61 00 00", "+262269610000", "0269 61 00 00"),  # Mayotte, fixed
        ("0690 12 34 56", "+590690123456", "0690 12 34 56"),  # Guadeloupe, mobile
        ("0590 12 34 56", "+590590123456", "0590 12 34 56"),  # Guadeloupe, fixed
        ("0696 12 34 56", "+596696123456", "0696 12 34 56"),  # Martinique, mobile
        ("0694 12 34 56", "+594694123456", "0694 12 34 56"),  # Guyane, mobile
        ("06 12 34 56 78", "+33612345678", "06 12 34 56 78"),  # metropolitan mobile
        ("0800 00 00 00", "+33800000000", "0 800 00 00 00"),  # national freephone
        ("+596 696 12 34 56", "+596696123456", "0696 12 34 56"),
    ],
)
def test_overseas_numbers_in_national_form_are_stored_e164_and_shown_nationally(
    value, e164, national
):
    assert validate_phone(value) == e164
    assert national_phone(e164) == national


@pytest.mark.parametrize("value", ["0692 12", "0693 12 34 5", "+262 612 34 56 78"])
def test_impossible_overseas_numbers_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="outre-mer"):
        validate_phone(value)


@pytest.mark.parametrize(
    ("nir", "sex", "born"),
    [
        (make_nir(sex="1", year="62", month="11"), "M", dt.date(1962, 11, 3)),
        (make_nir(sex="2", year="05", month="01"), "F", dt.date(2005, 1, 30)),
        (make_nir(sex="7", year="62", month="11"), "F", dt.date(1962, 11, 3)),  # provisional
        (make_nir(sex="8", year="62", month="11"), "M", dt.date(1962, 11, 3)),  # provisional
        (make_nir(sex="2", year="62", month="11"), "X", dt.date(1962, 11, 3)),  # sex not checked
        (make_nir(sex="1", year="62", month="20"), "M", dt.date(1962, 11, 3)),  # month unknown
        (make_nir(sex="1", year="62", month="42"), "M", dt.date(1962, 11, 3)),
        (make_nir(sex="1", year="62", month="99"), "M", dt.date(1962, 11, 3)),
    ],
)
def test_a_nir_that_agrees_with_the_person_raises_nothing(nir, sex, born):
    assert nir_disagreements(nir, sex=sex, birth_date=born) == []


@pytest.mark.parametrize(
    ("nir", "sex", "born", "problem"),
    [
        (make_nir(sex="2", year="62", month="11"), "M", dt.date(1962, 11, 3), "sexe"),
        (make_nir(sex="1", year="62", month="11"), "F", dt.date(1962, 11, 3), "sexe"),
        (make_nir(sex="1", year="63", month="11"), "M", dt.date(1962, 11, 3), "l'année"),
        (make_nir(sex="1", year="62", month="10"), "M", dt.date(1962, 11, 3), "mois de la date"),
        (make_nir(sex="1", year="62", month="13"), "M", dt.date(1962, 11, 3), "n'existe pas"),
        (make_nir(sex="1", year="62", month="00"), "M", dt.date(1962, 11, 3), "n'existe pas"),
        (make_nir(sex="1", year="62", month="50"), "M", dt.date(1962, 11, 3), "n'existe pas"),
    ],
)
def test_a_nir_that_contradicts_the_person_is_explained(nir, sex, born, problem):
    (message,) = nir_disagreements(nir, sex=sex, birth_date=born)
    assert problem in message


def test_every_contradiction_of_a_nir_is_listed():
    nir = make_nir(sex="2", year="70", month="05")
    assert len(nir_disagreements(nir, sex="M", birth_date=dt.date(1962, 11, 3))) == 3


@pytest.mark.parametrize("value", ["99999", "00000", "69000", "75000"])
def test_postal_codes_no_commune_has_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="n'existe pas"):
        validate_postal_code(value)


@pytest.mark.parametrize("value", ["97133", "97150", "97500"])
def test_postal_codes_of_the_overseas_collectivities_exist(value):
    assert validate_postal_code(value) == value


@pytest.mark.parametrize(
    ("postal_code", "city"),
    [
        ("69003", "Lyon"),
        ("69003", "Lyon 3e"),
        ("69003", "LYON 3ème arrondissement"),
        ("69003", "Lyon 03"),
        ("75015", "Paris 15e"),
        ("75015", "paris XVe"),
        ("75116", "Paris"),
        ("13008", "Marseille 8e"),
        ("13008", "Marseille"),
        ("01400", "chanoz chatenay"),
        ("42000", "ST ETIENNE"),
        ("42000", "Saint-Étienne"),
        ("17000", "Rochelle"),
        ("97400", "Saint Denis"),
    ],
)
def test_a_commune_of_the_postal_code_is_recognised_however_it_is_typed(postal_code, city):
    assert commune_disagreement(postal_code, city) is None


@pytest.mark.parametrize(
    ("postal_code", "city", "named"),
    [
        ("69003", "Lyon 4e", "Lyon 3e Arrondissement"),
        ("69003", "Villeurbanne", "Lyon 3e Arrondissement"),
        ("75015", "Lyon", "Paris 15e Arrondissement"),
        ("93200", "Saint-Denis-de-la-Réunion", "Saint-Denis"),
        ("01400", "Nowhere-sur-Mer", "Châtillon-sur-Chalaronne, "),
    ],
)
def test_a_commune_of_another_postal_code_is_refused_naming_the_right_ones(
    postal_code, city, named
):
    message = commune_disagreement(postal_code, city)
    assert message is not None
    assert postal_code in message and named in message
