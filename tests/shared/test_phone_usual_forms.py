"""The usual forms of a French phone number are read from their first digits (a fast path for
imports): the same result as `parse_phone` for every number, in every form, valid or not."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata

from shared.validators import (
    OVERSEAS_COUNTRY_CODES,
    PLAN_DIGITS,
    USUAL_PHONE_FORM,
    InvalidIdentifier,
    validate_phone,
)
from tests.support.phones import through_phonenumbers, validated

DIGITS = frozenset("0123456789")
DESCRIPTIONS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


# --- the numbering plans read at most PLAN_DIGITS digits of a nine-digit number ------------


class _Pattern:
    """The national-number patterns of phonenumbers' metadata (digits, `\\d`, classes, `(?:…|…)`
    and fixed `{n}` repeats) expanded into the digit sets allowed at each position."""

    def __init__(self, text: str):
        self.text, self.at = text, 0

    def sequences(self) -> list[tuple[frozenset[str], ...]]:
        found = self._alternatives()
        assert self.at == len(self.text), f"unexpected {self.text[self.at :]!r} in {self.text}"
        return found

    def _alternatives(self) -> list[tuple[frozenset[str], ...]]:
        found = self._sequence()
        while self.text.startswith("|", self.at):
            self.at += 1
            found += self._sequence()
        return found

    def _sequence(self) -> list[tuple[frozenset[str], ...]]:
        found: list[tuple[frozenset[str], ...]] = [()]
        while self.at < len(self.text) and self.text[self.at] not in "|)":
            atom = self._atom()
            repeat = re.match(r"\{(\d+)(,(\d*))?\}", self.text[self.at :])
            times = 1
            if repeat:
                assert repeat.group(2) is None, f"variable repeat in {self.text}"
                times = int(repeat.group(1))
                self.at += repeat.end()
            assert self.text[self.at : self.at + 1] not in ("?", "*", "+"), self.text
            for _ in range(times):
                found = [head + tail for head in found for tail in atom]
        return found

    def _atom(self) -> list[tuple[frozenset[str], ...]]:
        char = self.text[self.at]
        if self.text.startswith("(?:", self.at):
            self.at += 3
            inner = self._alternatives()
            assert self.text[self.at] == ")", self.text
            self.at += 1
            return inner
        if self.text.startswith("\\d", self.at):
            self.at += 2
            return [(DIGITS,)]
        if char == "[":
            end = self.text.index("]", self.at)
            body, self.at = self.text[self.at + 1 : end], end + 1
            assert not body.startswith("^"), self.text
            allowed = {d for d in DIGITS if re.fullmatch(f"[{body}]", d)}
            return [(frozenset(allowed),)]
        assert char in DIGITS, f"unexpected {char!r} in {self.text}"
        self.at += 1
        return [(frozenset(char),)]


def french_plan_patterns() -> list[str]:
    regions = [
        region
        for code in (33, *OVERSEAS_COUNTRY_CODES)
        for region in phonenumbers.region_codes_for_country_code(code)
    ]
    assert {"FR", "RE", "YT", "GP", "BL", "MF", "MQ", "GF", "PM"} <= set(regions)
    patterns = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata.leading_digits is None  # regions told apart by their patterns only
        for name in DESCRIPTIONS:
            description = getattr(metadata, name)
            if description is not None and description.national_number_pattern:
                patterns.append(description.national_number_pattern)
    return patterns


def test_the_numbering_plans_tell_nine_digit_numbers_apart_by_their_first_digits():
    read = set()
    for pattern in french_plan_patterns():
        for sequence in _Pattern(pattern).sequences():
            if len(sequence) == 9:  # other lengths never match a nine-digit number
                constrained = [i for i, allowed in enumerate(sequence) if allowed != DIGITS]
                read.add(max(constrained, default=-1) + 1)
    assert max(read) <= PLAN_DIGITS
    assert PLAN_DIGITS in read  # the constant is not looser than it needs to be


def test_the_pattern_reader_expands_classes_groups_and_repeats():
    assert _Pattern("2(?:6[0-2]|7)\\d{2}").sequences() == [
        (frozenset("2"), frozenset("6"), frozenset("012"), DIGITS, DIGITS),
        (frozenset("2"), frozenset("7"), DIGITS, DIGITS),
    ]
    with pytest.raises(AssertionError):
        _Pattern("6\\d{2,3}").sequences()


# --- the same answers as phonenumbers, in every form ---------------------------------------

# First digits worth trying: each metropolitan zone, and the prefixes where the metropolitan
# and overseas plans meet (lines, mobiles, services, numbers nobody uses).
STARTS = (
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "26", "262", "263", "269", "2696", "2699",
    "590", "5902", "5908", "594", "596", "639", "6390", "6394", "690", "6912", "6913", "692",
    "693", "6931", "694", "6943", "696", "697", "698", "70", "708", "7084", "7085", "709",
    "7090", "7091", "7092", "7093", "73", "80", "806", "81", "836", "84", "89", "939", "947",
    "976", "9767",
)  # fmt: skip
USUAL_SEPARATORS = ("", " ", ".", "-")
USUAL_PREFIXES = ("0", "0", "0", "+33", "+33 ", "0033", "0033 ", "+262 ", "+590", "+596 ", "+508 ")
SEPARATORS = (*USUAL_SEPARATORS, "  ", "/", "\t", "\u00a0", " - ")
PREFIXES = (
    *USUAL_PREFIXES, "+33 (0)", "+330", "+594", "00262 ", "+44 ", "+1 ", "+687 ", "", "00", " 0",
    "(0)", "+ 33 ",
)  # fmt: skip


@st.composite
def written_numbers(draw) -> str:
    """A number as someone may type it: mostly in a usual form (the fast path), else with
    unusual prefixes, groupings and lengths, or stray characters."""
    usual = draw(st.integers(0, 9)) < 7
    start = draw(st.sampled_from(STARTS))
    length = 9 if usual else draw(st.sampled_from((9, 9, 8, 10, 6)))
    tail = draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    digits = (start + tail)[:length]
    cuts = draw(st.sampled_from(("pairs", "none", "random")))
    if cuts == "pairs":
        groups = [digits[:1], *(digits[i : i + 2] for i in range(1, len(digits), 2))]
    elif cuts == "none":
        groups = [digits]
    else:
        points = sorted(draw(st.sets(st.integers(1, max(1, len(digits) - 1)), max_size=5)))
        groups = [digits[a:b] for a, b in zip([0, *points], [*points, len(digits)], strict=True)]
    separators = USUAL_SEPARATORS if usual else SEPARATORS
    separator = draw(st.sampled_from(separators))
    mixed = draw(st.booleans())
    body = groups[0]
    for group in groups[1:]:
        body += (draw(st.sampled_from(separators)) if mixed else separator) + group
    text = draw(st.sampled_from(USUAL_PREFIXES if usual else PREFIXES)) + body
    return text if usual else text + draw(st.sampled_from(("", "", " ", "x12", "a")))


@settings(max_examples=3000, deadline=None)
@given(written_numbers())
def test_every_written_number_gets_the_answer_phonenumbers_gives(value):
    assert validated(value) == through_phonenumbers(value)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789 .-+", max_size=18))
def test_any_string_of_digits_and_separators_gets_the_answer_phonenumbers_gives(value):
    assert validated(value) == through_phonenumbers(value)


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("0164000000", "+33164000000"),
        ("01 64 00 00 00", "+33164000000"),
        ("01.64.00.00.00", "+33164000000"),
        ("01-64-00-00-00", "+33164000000"),
        ("+33 1 64 00 00 00", "+33164000000"),
        ("+33164000000", "+33164000000"),
        ("0033 1 64 00 00 00", "+33164000000"),
        ("0692 12 34 56", "+262692123456"),  # La Réunion, written nationally
        ("0639 01 23 45", "+262639012345"),  # Mayotte
        ("+596 696 12 34 56", "+596696123456"),
        ("0800 00 00 00", "+33800000000"),  # a national service number
    ],
)
def test_the_usual_forms_take_the_fast_path_and_are_normalised(value, e164):
    assert USUAL_PHONE_FORM.fullmatch(value)
    assert validate_phone(value) == e164 == through_phonenumbers(value)


@pytest.mark.parametrize(
    "value", ["06 12 34", "0691 00 00 00", "+33 0 12 34 56 78", "+262 612 34 56 78", "06 ½"]
)
def test_numbers_outside_the_plans_are_refused_in_french_either_way(value):
    assert through_phonenumbers(value) is None
    with pytest.raises(InvalidIdentifier, match="numéro français valide"):
        validate_phone(value)
