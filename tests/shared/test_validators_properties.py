"""Property tests of the identifier validators: any input is either normalised or refused
with `InvalidIdentifier`, never crashes; single-digit typos are always caught."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from shared.validators import (
    InvalidIdentifier,
    validate_nir,
    validate_phone,
    validate_postal_code,
    validate_rpps,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
hostile = st.one_of(st.text(max_size=40), digits, st.text(alphabet="0123456789 AB.-+", max_size=20))


def _outcome(validator, value):
    try:
        return validator(value)
    except InvalidIdentifier as error:
        assert str(error)  # a French sentence for the person typing
        return None


@st.composite
def valid_nirs(draw) -> str:
    sex = draw(st.sampled_from("12"))
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    dept = draw(st.sampled_from([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]))
    rest = draw(st.integers(0, 999_999))
    body = f"{sex}{year:02d}{month:02d}{dept}{rest:06d}"
    return body + stdnum_nir.calc_check_digits(body + "00")


@given(hostile)
def test_any_text_is_a_nir_or_refused_in_french(value):
    result = _outcome(validate_nir, value)
    assert result is None or re.fullmatch(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}", result)


@given(valid_nirs())
def test_every_nir_with_a_good_key_is_accepted(nir):
    assert validate_nir(nir) == nir
    assert validate_nir(" ".join([nir[:1], nir[1:3], nir[3:]])) == nir


@given(valid_nirs(), st.integers(7, 12), st.integers(1, 9))
def test_a_nir_with_one_wrong_digit_is_refused(nir, position, shift):
    wrong = str((int(nir[position]) + shift) % 10)
    assert _outcome(validate_nir, nir[:position] + wrong + nir[position + 1 :]) is None


@st.composite
def valid_rpps(draw) -> str:
    body = f"{draw(st.integers(0, 10**10 - 1)):010d}"
    return body + luhn.calc_check_digit(body)


@given(hostile)
def test_any_text_is_an_rpps_or_refused(value):
    result = _outcome(validate_rpps, value)
    assert result is None or (re.fullmatch(r"\d{11}", result) and luhn.is_valid(result))


@given(valid_rpps(), st.integers(0, 10), st.integers(1, 9))
def test_an_rpps_with_one_wrong_digit_is_refused(rpps, position, shift):
    assert validate_rpps(rpps) == rpps
    wrong = str((int(rpps[position]) + shift) % 10)
    assert _outcome(validate_rpps, rpps[:position] + wrong + rpps[position + 1 :]) is None


@given(hostile)
def test_any_text_is_a_french_phone_number_or_refused(value):
    result = _outcome(validate_phone, value)
    assert result is None or re.fullmatch(r"\+\d{9,15}", result)


@given(hostile)
def test_any_text_is_a_postal_code_or_refused(value):
    result = _outcome(validate_postal_code, value)
    assert result is None or re.fullmatch(r"\d{5}", result)
