"""Read and validate request bodies and query strings with marshmallow schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from shared.errors import BadRequest, UnsupportedMediaType, ValidationFailed


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


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Validate `data` with `schema`, raising `ValidationFailed` with dotted French messages."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def json_object(*, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, unvalidated; 415 without a JSON content type, 400 if malformed.

    With `allow_empty`, a request without any body reads as `{}`.
    """
    if allow_empty and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise UnsupportedMediaType()
    payload = request.get_json(silent=True)
    if payload is None:
        raise BadRequest()
    if not isinstance(payload, dict):
        raise ValidationFailed({"_schema": ["Un objet JSON est attendu."]})
    return payload


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON body, validated by `schema`."""
    return load(schema, json_object())


def query_args(schema: Schema) -> dict[str, Any]:
    """The query string, validated by `schema`."""
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
