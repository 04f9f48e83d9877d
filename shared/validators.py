"""Validators for French identifiers and contact data; each returns the normalised value
or raises `InvalidIdentifier` with a French message."""

from __future__ import annotations

import re

import phonenumbers
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import nir as stdnum_nir

POSTAL_CODE = re.compile(r"^\d{5}$")
RPPS = re.compile(r"^\d{11}$")


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `str(error)` is a French sentence."""


def validate_nir(value: str) -> str:
    """A NIR/INS: 15 characters, Corsica 2A/2B accepted, key = 97 − (13 digits mod 97)."""
    compact = stdnum_nir.compact(value or "").upper()
    if len(compact) != 15:
        # Checked first: stdnum reports a short all-digit value as a format error.
        raise InvalidIdentifier("Le NIR doit comporter 15 caractères (13 chiffres et la clé).")
    try:
        return stdnum_nir.validate(compact)
    except InvalidLength as exc:
        raise InvalidIdentifier(
            "Le NIR doit comporter 15 caractères (13 chiffres et la clé)."
        ) from exc
    except InvalidChecksum as exc:
        raise InvalidIdentifier("La clé du NIR ne correspond pas : vérifiez le numéro.") from exc
    except ValidationError as exc:
        raise InvalidIdentifier(
            "Le NIR ne doit contenir que des chiffres (2A ou 2B pour la Corse)."
        ) from exc


def validate_rpps(value: str) -> str:
    """An RPPS number: 11 digits with a valid Luhn key."""
    compact = re.sub(r"\s", "", value or "")
    if not RPPS.match(compact):
        raise InvalidIdentifier("Le numéro RPPS doit comporter 11 chiffres.")
    if not luhn.is_valid(compact):
        raise InvalidIdentifier("La clé du numéro RPPS est invalide : vérifiez le numéro.")
    return compact


def validate_postal_code(value: str) -> str:
    """A French postal code: exactly five digits."""
    compact = (value or "").strip()
    if not POSTAL_CODE.match(compact):
        raise InvalidIdentifier("Le code postal doit comporter 5 chiffres.")
    return compact


def validate_phone(value: str) -> str:
    """A French phone number (metropolitan or overseas), returned in E.164 form."""
    try:
        parsed = phonenumbers.parse(value or "", "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier("Le numéro de téléphone n'est pas un numéro valide.") from exc
    if not phonenumbers.is_valid_number(parsed) or parsed.country_code not in (
        33,
        262,
        508,
        590,
        594,
        596,
        687,
        689,
    ):
        raise InvalidIdentifier("Le numéro de téléphone doit être un numéro français valide.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
