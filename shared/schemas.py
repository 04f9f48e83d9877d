"""Marshmallow base schemas with French messages, and the contract's common shapes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)
from marshmallow.experimental.context import Context

from shared.timeutil import today_paris
from shared.validators import (
    InvalidIdentifier,
    commune_disagreement,
    nir_disagreements,
    validate_nir,
    validate_phone,
    validate_postal_code,
)

REQUIRED = "Ce champ est obligatoire."
NULL = "Ce champ ne peut pas être vide."


class String(fields.String):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Texte attendu.",
        "invalid_utf8": "Texte UTF-8 attendu.",
        "validator_failed": "Valeur invalide.",
    }


class OptionalText(String):
    """Free text stored without surrounding white space; blank (spaces, line breaks,
    non-breaking spaces…) means absent and is stored as null, so "is it missing?" has one
    answer, in Python (`.strip()`) and in SQL (`IS NULL`) alike."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    # marshmallow types `_deserialize` as returning `str`; a field may return None at run time
    # (`allow_none` fields do), which is the point here.
    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.strip() or None  # null never reaches here: `allow_none` returns it first

    def _validate(self, value: Any) -> None:
        if value is not None:  # blank became None: nothing left to check
            super()._validate(value)


class Integer(fields.Integer):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Nombre entier attendu.",
        "too_large": "Nombre trop grand.",
        "validator_failed": "Valeur invalide.",
    }


class Float(fields.Float):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Nombre attendu.",
        "too_large": "Nombre trop grand.",
        "special": "Valeur numérique spéciale refusée.",
        "validator_failed": "Valeur invalide.",
    }


class Boolean(fields.Boolean):
    """JSON `true` or `false` only: marshmallow would also take `1`, `"yes"` or `"on"`.

    A query string has no booleans, only text: in a `QuerySchema`, `true`/`false` (and the
    usual spellings, `1`/`0`…) are read."""

    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Valeur vrai/faux attendue (true ou false).",
        "validator_failed": "Valeur invalide.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and isinstance(self.root, QuerySchema):
            return super()._deserialize(value, attr, data, **kwargs)
        raise self.make_error("invalid")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Date(fields.Date):
    """A calendar date written `YYYY-MM-DD`, nothing else (Python would also read `19500101`
    or `1950-W01-1`)."""

    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Date attendue au format AAAA-MM-JJ.",
        "format": "Date attendue au format AAAA-MM-JJ.",
        "validator_failed": "Date invalide.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class AwareDateTime(fields.AwareDateTime):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Date et heure attendues au format ISO 8601.",
        "invalid_awareness": "Précisez le fuseau horaire (par ex. +01:00).",
        "format": "Date et heure attendues au format ISO 8601.",
        "validator_failed": "Date invalide.",
        "out_of_range": "Date et heure entre 1900 et 2999 attendues.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        # Stored in UTC: an instant at the ends of Python's calendar (year 1 at +01:00, year
        # 9999 at -05:00) cannot be converted, and no appointment or period lies there anyway.
        try:
            year = moment.astimezone(dt.UTC).year
        except OverflowError:
            year = 0
        if not 1900 <= year <= 2999:
            raise self.make_error("out_of_range")
        return moment


class Email(fields.Email):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Adresse e-mail invalide.",
        "validator_failed": "Adresse e-mail invalide.",
    }


class UUID(fields.UUID):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid_uuid": "Identifiant invalide.",
        "validator_failed": "Identifiant invalide.",
    }


Raw = fields.Raw
Dict = fields.Dict


class List(fields.List):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "invalid": "Liste attendue.",
        "validator_failed": "Liste invalide.",
    }


class Nested(fields.Nested):
    default_error_messages = {
        "required": REQUIRED,
        "null": NULL,
        "type": "Objet attendu.",
        "validator_failed": "Valeur invalide.",
    }


# Dates a report or a search may name: far enough for any history or plan, and away from the
# ends of Python's calendar, where turning a Paris midnight into UTC overflows.
REPORTING_DATES = validate.Range(
    min=dt.date(1900, 1, 1),
    max=dt.date(2999, 12, 31),
    error="Date entre le 01/01/1900 et le 31/12/2999 attendue.",
)


def one_of(choices: tuple[str, ...] | list[str]) -> validate.OneOf:
    """A OneOf validator whose message lists the accepted values in French."""
    return validate.OneOf(choices, error="Valeur inconnue : choisissez parmi {choices}.")


def length(maximum: int, minimum: int | None = None) -> validate.Length:
    """A Length validator with a French message."""
    return validate.Length(
        min=minimum,
        max=maximum,
        error=f"Entre {minimum or 0} et {maximum} caractères."
        if minimum
        else f"{maximum} caractères au maximum.",
    )


def not_blank(value: str) -> None:
    """Refuse strings made only of white space."""
    if not value or not value.strip():
        raise ValidationError("Ce champ ne peut pas être vide.")


def identifier(validator: Any) -> Any:
    """Adapt a `shared.validators` function into a marshmallow validator."""

    def _validate(value: str) -> None:
        try:
            validator(value)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc)) from exc

    return _validate


class NormalisedIdentifier(String):
    """A string checked and normalised by a `shared.validators` function, in one pass."""

    def __init__(self, normalise: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.normalise = normalise

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.normalise(text)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc)) from exc


class BaseSchema(Schema):
    """Strict input schema: unknown fields are refused with a French message."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Champ inconnu.", "type": "Objet JSON attendu."}


class QuerySchema(BaseSchema):
    """Arguments of a query string, where every value is text (booleans read from `true`)."""


class OutputSchema(Schema):
    """Schema used only to serialise responses."""

    class Meta:
        unknown = EXCLUDE


# What a body is validated against besides itself: the case a transition changes.
_LOADING = Context[dict[str, Any]]


@contextmanager
def loading_for(case: Any) -> Iterator[None]:
    """Let the schemas loaded in this block check the body against `case` (e.g. a date that
    may not precede the case's creation), with the body's other errors."""
    with _LOADING({"case": case}):
        yield


def case_being_changed() -> Any | None:
    """The case a body is loaded for (see `loading_for`), or None."""
    return _LOADING.get({}).get("case")


def not_in_future(value: dt.date) -> None:
    """Refuse dates after today (Paris)."""
    if value > today_paris():
        raise ValidationError("La date ne peut pas être dans le futur.")


def past_date(earliest: dt.date = dt.date(1900, 1, 1)) -> Any:
    """A validator for dates between `earliest` and today (Paris)."""

    def _validate(value: dt.date) -> None:
        not_in_future(value)
        if value < earliest:
            raise ValidationError(f"La date ne peut pas être antérieure au {earliest:%d/%m/%Y}.")

    return _validate


class AddressSchema(BaseSchema):
    line = String(required=True, validate=[not_blank, length(200)])
    postal_code = NormalisedIdentifier(validate_postal_code, required=True)
    city = String(required=True, validate=[not_blank, length(100)])

    @validates_schema(skip_on_field_errors=False)
    def _commune_of_the_postal_code(self, data: dict[str, Any], **_: Any) -> None:
        postal_code, city = data.get("postal_code"), data.get("city")
        if postal_code and city:  # each valid by itself: now, together
            problem = commune_disagreement(postal_code, city)
            if problem:
                raise ValidationError(problem, field_name="city")


class PatientSchema(BaseSchema):
    """The contract's `patient` object."""

    last_name = String(required=True, validate=[not_blank, length(100)])
    first_name = String(required=True, validate=[not_blank, length(100)])
    birth_date = Date(required=True, validate=past_date())
    sex = String(required=True, validate=one_of(("F", "M", "X")))
    # Normalised while validated (compact NIR, E.164 phone): each is parsed once.
    nir = NormalisedIdentifier(validate_nir, load_default=None, allow_none=True)
    phone = NormalisedIdentifier(validate_phone, required=True)
    email = Email(load_default=None, allow_none=True)
    address = Nested(AddressSchema, required=True)

    @validates_schema(skip_on_field_errors=False)
    def _nir_of_this_person(self, data: dict[str, Any], **_: Any) -> None:
        nir, sex, born = data.get("nir"), data.get("sex"), data.get("birth_date")
        if nir and sex and born:  # each valid by itself: now, together
            problems = nir_disagreements(nir, sex=sex, birth_date=born)
            if problems:
                raise ValidationError(problems, field_name="nir")

    @post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["last_name"] = data["last_name"].strip()
        data["first_name"] = data["first_name"].strip()
        return data


MAX_PAGE = 1_000_000


class PageQuerySchema(QuerySchema):
    """Pagination arguments shared by every list."""

    class Meta:
        unknown = EXCLUDE

    # Bounded so that the offset fits any database's integer (a huge page is a hostile input).
    page = Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error=f"Page entre 1 et {MAX_PAGE}."),
    )
    per_page = Integer(
        load_default=20,
        validate=validate.Range(min=1, max=100, error="Entre 1 et 100 éléments par page."),
    )
