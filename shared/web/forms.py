"""HTML forms described as data, read into the nested dicts the API's schemas validate.

Field names are the schema's dotted paths (`patient.address.postal_code`), so the French
messages of a `ValidationFailed` land next to the field they concern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from werkzeug.datastructures import MultiDict

from shared.http.parsing import load

KINDS = frozenset(
    {
        "text",
        "password",
        "textarea",
        "date",
        "tel",
        "email",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
    }
)


@dataclass(frozen=True)
class Field:
    """One form field: its dotted name in the schema, its French label, its widget."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    autocomplete: str | None = None
    # Rich option descriptions for radios (e.g. a GP's distance and reasons), by value.
    details: Mapping[str, Sequence[str]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    @property
    def id(self) -> str:
        """The HTML id of the input (and the prefix of its hint and error ids)."""
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    def with_choices(
        self,
        choices: Iterable[tuple[str, str]],
        details: Mapping[str, Sequence[str]] | None = None,
    ) -> Field:
        """A copy of this field with choices known only at request time."""
        return Field(
            self.name,
            self.label,
            self.kind,
            self.required,
            self.hint,
            tuple(choices),
            self.autocomplete,
            details,
        )


def _group(body: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    """The dict holding `dotted`'s last part in `body` (created as needed), and that part."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    return body, leaf


def form_body(form: MultiDict, fields: Iterable[Field]) -> dict[str, Any]:
    """The request body the API would receive for this form (empty inputs left out).

    Every group of fields is sent, even empty (`"patient": {"address": {}}`), so that each
    missing field is named by its own error rather than its group by one."""
    body: dict[str, Any] = {}
    for field in fields:
        group, leaf = _group(body, field.name)
        if field.kind == "checkbox":
            group[leaf] = form.get(field.name) in ("on", "true", "1")
        elif field.kind == "checkboxes":
            # None ticked: left out, so the schema's default applies (e.g. French only).
            chosen = [v for v in form.getlist(field.name) if v]
            if chosen:
                group[leaf] = chosen
        else:
            raw = (form.get(field.name) or "").strip()
            if raw:
                group[leaf] = raw
    return body


def validate_form(form: MultiDict, fields: Sequence[Field], schema: Schema) -> dict[str, Any]:
    """Validate the form with the API's schema; raises `ValidationFailed` with dotted paths."""
    return load(schema, form_body(form, fields))


def errors_by_field(
    errors: Mapping[str, Sequence[str]], fields: Iterable[Field]
) -> tuple[dict[str, list[str]], list[str]]:
    """Attach each dotted error path to its field: the longest name the path starts with, else
    (an error about a whole group, `pregnancy`) the group's first field. What concerns no field
    is returned apart, to be shown at the top of the form."""
    in_order = [f.name for f in fields]
    names = sorted(in_order, key=len, reverse=True)
    attached: dict[str, list[str]] = {}
    general: list[str] = []
    for path, messages in errors.items():
        owner = next((n for n in names if path == n or path.startswith(n + ".")), None)
        if owner is None:
            owner = next((n for n in in_order if n.startswith(path + ".")), None)
        if owner is None:
            general.extend(messages)
        else:
            attached.setdefault(owner, []).extend(messages)
    return attached, general


@dataclass
class FormState:
    """What a template needs to render a form: fields, submitted values, errors."""

    fields: Sequence[Field]
    values: MultiDict
    errors: dict[str, list[str]]
    general_errors: list[str]
    # Keeps ids unique when one page shows several forms with the same field names.
    prefix: str = ""

    @classmethod
    def blank(
        cls, fields: Sequence[Field], values: MultiDict | None = None, *, prefix: str = ""
    ) -> FormState:
        """A form shown for the first time."""
        return cls(fields, values or MultiDict(), {}, [], prefix)

    @classmethod
    def failed(
        cls,
        fields: Sequence[Field],
        values: MultiDict,
        errors: Mapping[str, Sequence[str]],
        *,
        prefix: str = "",
    ) -> FormState:
        """A form shown again with the French messages of a failed validation."""
        attached, general = errors_by_field(errors, fields)
        return cls(fields, values, attached, general, prefix)

    @property
    def has_errors(self) -> bool:
        """True when the form was refused."""
        return bool(self.errors or self.general_errors)

    def id_for(self, field: Field) -> str:
        """The HTML id of `field` in this form."""
        return self.prefix + field.id

    def field(self, name: str) -> Field:
        """The field called `name`."""
        return next(f for f in self.fields if f.name == name)
