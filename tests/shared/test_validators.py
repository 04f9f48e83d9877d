"""Validators of French identifiers: NIR/INS, RPPS, postal codes, phone numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.validators import (
    InvalidIdentifier,
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
