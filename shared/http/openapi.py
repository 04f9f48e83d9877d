"""OpenAPI documents generated from the marshmallow schemas declared on each view."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
_TYPED_CONVERTER = re.compile(r"<(?:([a-z]+):)?([a-zA-Z_]+)>")
_TEXT = {"type": "string"}
_PATH_TYPES = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}


def documented(
    *,
    summary: str,
    body: Any = None,
    query: Any = None,
    response: Any = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    file_types: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach the schemas of a view so the OpenAPI document can be built from them;
    `file_types` are the media types of the files the success comes as, besides the JSON
    `response` (an export) or instead of it (a template, a calendar feed)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.__relais_doc__ = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "errors": errors,
            "file_types": file_types,
        }
        return view

    return decorate


def _operation(
    doc: dict[str, Any], view: Callable[..., Any], path_params: list[tuple[str, str]]
) -> dict:
    content: dict[str, Any] = {media_type: {} for media_type in doc["file_types"]}
    if doc["response"] is not None:
        content = {"application/json": {"schema": doc["response"]}, **content}
    success: dict[str, Any] = {"description": "Succès"}
    if content:
        success["content"] = content
    responses: dict[str, Any] = {str(doc["status"]): success}
    error_statuses = {401, 403, *doc["errors"]}
    if path_params:
        error_statuses.add(404)  # an id that does not exist, or does not parse
    if doc["body"] is not None:
        error_statuses |= {400, 413, 415, 422}
    if doc["query"] is not None:
        error_statuses.add(422)
    for status in sorted(error_statuses):
        responses[str(status)] = {
            "description": "Erreur",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    operation: dict[str, Any] = {
        "summary": doc["summary"],
        "description": (view.__doc__ or "").strip(),
        "responses": responses,
        "parameters": [
            {"in": "path", "name": name, "required": True, "schema": _PATH_TYPES.get(kind, _TEXT)}
            for kind, name in path_params
        ],
        "security": [{"bearer": []}],
    }
    if doc["query"] is not None:
        operation["parameters"].append({"in": "query", "schema": doc["query"]})
    if doc["body"] is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": doc["body"]}},
        }
    if getattr(view, "__relais_public__", False):
        operation["security"] = []
    return operation


def build_spec(app: Flask, service: str, title: str) -> dict[str, Any]:
    """The OpenAPI 3 document of one service, from the documented views under its prefix."""
    spec = APISpec(
        title=title, version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()]
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    prefixes = (f"/api/{service}/", "/api/auth/")
    paths: dict[str, dict[str, Any]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefixes):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "__relais_doc__", None)
        if doc is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = _TYPED_CONVERTER.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(doc, view, params)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()
