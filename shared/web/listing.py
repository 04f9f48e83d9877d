"""The list pages' shared pagination: one page of rows at a time (never more than
`MAX_PER_PAGE`), and the list's filters, sort and page kept in the URL's query string, so that a
link, a reload or the back button shows the same list.

A list page declares its query-string arguments as a `ListQuerySchema` subclass (its filters
and its `sort` choices), reads one page with `page_of` in its `reads.py`, and renders
`web/listing.html`'s macros with a `ListView` of the validated arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import request, url_for
from marshmallow import validate
from sqlalchemy import Select, func, select

from shared.errors import ValidationFailed
from shared.extensions import db
from shared.http.parsing import load
from shared.schemas import MAX_PAGE, Integer, QuerySchema

T = TypeVar("T")
# What a list orders by (columns or expressions, as `Select.order_by` takes them), and a list's
# orders: `sort` value → (French label, order).
OrderBy = tuple[Any, ...]
Sorts = dict[str, tuple[str, OrderBy]]
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


class ListQuerySchema(QuerySchema):
    """A list page's query string: `page` and `per_page` (≤ 100); subclasses add their filters
    and a `sort` field. Unknown arguments are refused (422), like a wrong value."""

    page = Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE, error=f"Page entre 1 et {MAX_PAGE}."),
    )
    per_page = Integer(
        load_default=DEFAULT_PER_PAGE,
        validate=validate.Range(
            min=1, max=MAX_PER_PAGE, error=f"Entre 1 et {MAX_PER_PAGE} lignes par page."
        ),
    )


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list, with what the pagination needs."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the filtered list has (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The rank (from 1) of the page's first row, 0 when empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The rank of the page's last row."""
        return self.first + len(self.items) - 1 if self.items else 0


def page_of(
    query: Select[Any], *, page: int, per_page: int, total: int | None = None
) -> ListPage[Any]:
    """Rows `query` yields on page `page` (offset pagination: the lists are counted for their
    "page N of M", so the count is read anyway); `total` when the caller already knows it."""
    per_page = min(per_page, MAX_PER_PAGE)
    if total is None:
        counted = select(func.count()).select_from(query.order_by(None).subquery())
        total = db.session.scalar(counted) or 0
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return ListPage(rows, total, page, per_page)


def list_args(schema: ListQuerySchema, raw: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The list's arguments from the query string (empty values ignored), validated: a wrong
    value is a French 422 whose message names each wrong argument (the error page shows it)."""
    source = request.args if raw is None else raw
    try:
        return load(schema, {key: value for key, value in source.items() if value.strip()})
    except ValidationFailed as error:
        problems = " ".join(
            f"« {name} » : {' '.join(messages)}" for name, messages in error.fields.items()
        )
        raise ValidationFailed(error.fields, f"Adresse de la liste invalide. {problems}") from error


def sort_choices(sorts: Mapping[str, tuple[str, Any]]) -> list[tuple[str, str]]:
    """A list's orders (`sort` value → (French label, order)) as the sort field's options:
    (value, label) pairs, in the mapping's order."""
    return [(key, label) for key, (label, _) in sorts.items()]


@dataclass(frozen=True)
class ListView:
    """A list's state as its URL carries it: the endpoint and the arguments that differ from
    their defaults; `url(...)` links to the same list with some arguments changed."""

    endpoint: str
    args: dict[str, Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Arguments of the endpoint's path (e.g. a case id), never in the query string.
    path_args: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, endpoint: str, schema: ListQuerySchema, args: Mapping[str, Any]) -> ListView:
        """The view of `args` (loaded with `schema`), keeping only non-default values."""
        defaults = {
            name: f.load_default
            for name, f in schema.fields.items()
            if not callable(f.load_default)
        }
        kept = {
            key: value
            for key, value in args.items()
            if value is not None and value != defaults.get(key) and key in schema.fields
        }
        return cls(endpoint, kept, defaults)

    def get(self, name: str) -> Any:
        """The current value of an argument (its default when absent)."""
        return self.args.get(name, self.defaults.get(name))

    def url(self, **changes: Any) -> str:
        """This list with `changes` applied (None removes an argument); changing anything but
        the page goes back to the first page."""
        args = dict(self.args)
        if any(key != "page" for key in changes):
            args.pop("page", None)
        for key, value in changes.items():
            if value is None or value == self.defaults.get(key):
                args.pop(key, None)
            else:
                args[key] = value
        return url_for(self.endpoint, **self.path_args, **{k: _text(v) for k, v in args.items()})

    def hidden(self, *, without: Sequence[str] = ()) -> list[tuple[str, Any]]:
        """The arguments a GET filter form must carry along, except `without` and the page."""
        return [
            (key, _text(value))
            for key, value in self.args.items()
            if key not in without and key != "page"
        ]


def _text(value: Any) -> Any:
    """A value as the query string spells it (booleans as `true`/`false`, like the API)."""
    return ("true" if value else "false") if isinstance(value, bool) else value
