"""Read and validate request bodies and query strings with marshmallow schemas.

Input that cannot be stored as text is refused here, once: a NUL character (PostgreSQL refuses
it in text), a lone UTF-16 surrogate (not encodable in UTF-8) or JSON nested deeper than any
request of the contract (Python's parser would recurse until it fails). The query string and a
page's form are checked before any view (`refuse_unreadable_form_and_query`, installed by
`shared.http.hardening`), a JSON body when a view reads it (`json_object`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from shared.errors import BadRequest, UnsupportedMediaType, ValidationFailed
from shared.schemas import QuerySchema, loading_for

# No request of the contract nests more than four levels; a generous bound for additions.
MAX_JSON_DEPTH = 32
UNREADABLE = re.compile("[\x00\ud800-\udfff]")
UNREADABLE_MESSAGE = "Texte invalide : caractère nul ou non Unicode refusé."
TOO_DEEP_MESSAGE = f"Le JSON de la requête est trop imbriqué ({MAX_JSON_DEPTH} niveaux au plus)."


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into the contract's dotted paths."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_schema"
            for sub_path, sub_messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, list):
        flat = {}
        for item in messages:
            for sub_path, sub_messages in flatten_errors(item, prefix).items():
                flat.setdefault(sub_path, []).extend(sub_messages)
        return flat
    return {prefix or "_schema": [str(messages)]}


def load(schema: Schema, data: Any, *, case: Any = None) -> dict[str, Any]:
    """Validate `data` with `schema` (against `case` when the body changes one), raising
    `ValidationFailed` with dotted French messages."""
    try:
        with loading_for(case):
            return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def _strings(document: Any) -> Iterator[tuple[str, str]]:
    """Every string of a decoded JSON document (keys included) with its dotted path, without
    recursion; `BadRequest` past `MAX_JSON_DEPTH` levels."""
    pending: list[tuple[Any, str, int]] = [(document, "", 0)]
    while pending:
        item, where, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(TOO_DEEP_MESSAGE)
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{where}.{key}" if where else key
                yield child_path, key
                pending.append((child, child_path, depth + 1))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                pending.append((child, f"{where}.{index}" if where else str(index), depth + 1))


def refuse_unreadable(strings: Iterable[tuple[str, str]]) -> None:
    """422 naming every field whose text holds a NUL character or a lone surrogate."""
    bad = {
        path or "_schema": [UNREADABLE_MESSAGE] for path, text in strings if UNREADABLE.search(text)
    }
    if bad:
        raise ValidationFailed(bad)


def _named_texts(values: MultiDict) -> Iterator[tuple[str, str]]:
    """Each name and value of a query string or a form, with the name it belongs to."""
    for name, items in values.lists():
        for text in (name, *items):
            yield name, text


def refuse_unreadable_form_and_query() -> None:
    """Before any view: the query string and the fields of a page's form must be storable text.

    A file upload (`multipart/form-data`) is left to its view, which may allow a larger body
    than the default before reading it (the imports do)."""
    refuse_unreadable(_named_texts(request.args))
    if request.mimetype == "application/x-www-form-urlencoded":
        refuse_unreadable(_named_texts(request.form))


def _decode_json() -> Any:
    """The body as JSON; 400 when it is not JSON (or not UTF-8) or nests too deep."""
    try:
        return json.loads(request.get_data(cache=True))
    except RecursionError as exc:
        raise BadRequest(TOO_DEEP_MESSAGE) from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise BadRequest() from exc


def json_object(*, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, unvalidated; 415 without a JSON content type, 400 if malformed,
    422 if a string cannot be stored as text.

    With `allow_empty`, a request without any body reads as `{}`.
    """
    if allow_empty and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise UnsupportedMediaType()
    payload = _decode_json()
    if payload is None:
        raise BadRequest()
    refuse_unreadable(_strings(payload))
    if not isinstance(payload, dict):
        raise ValidationFailed({"_schema": ["Un objet JSON est attendu."]})
    return payload


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, validated by `schema`."""
    return load(schema, json_object())


def query_args(schema: QuerySchema) -> dict[str, Any]:
    """The query string, validated by `schema` (a `QuerySchema`: query strings carry text
    only, so their booleans are read from `true`/`false`)."""
    return load(schema, request.args.to_dict())


def if_match_version() -> int | None:
    """The version given in `If-Match: "<version>"`, if any."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationFailed(
            {"If-Match": ["En-tête If-Match invalide : version entière attendue."]}
        )
    return int(value)
