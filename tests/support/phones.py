"""Phone numbers in tests: what `validate_phone` answers, and what it answered before its fast
path for the usual forms (`parse_phone` through `phonenumbers`), both as E.164 or None."""

from __future__ import annotations

import phonenumbers

from shared.validators import InvalidIdentifier, parse_phone, validate_phone


def through_phonenumbers(value: str) -> str | None:
    """`parse_phone`'s reading of `value` in E.164 form, None when it refuses it."""
    try:
        return phonenumbers.format_number(parse_phone(value), phonenumbers.PhoneNumberFormat.E164)
    except InvalidIdentifier:
        return None


def validated(value: str) -> str | None:
    """`validate_phone(value)`, None when it refuses it (with a French sentence)."""
    try:
        return validate_phone(value)
    except InvalidIdentifier as error:
        assert "numéro de téléphone" in str(error)
        return None
