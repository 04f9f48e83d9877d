"""The contract's list envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, select

from shared.extensions import db
from shared.schemas import Integer, List, OutputSchema, Raw


def paginate(
    query: Select[Any],
    *,
    page: int,
    per_page: int,
    dump: Callable[[list[Any]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """Run `query` for one page and wrap the dumped rows as `{items, page, per_page, total}`."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return {"items": dump(rows), "page": page, "per_page": per_page, "total": total or 0}


def page_schema(item_schema: type) -> type:
    """An output schema for a page of `item_schema` (for the OpenAPI document)."""
    return type(
        f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
        (OutputSchema,),
        {
            "items": List(Raw(), required=True),
            "page": Integer(required=True),
            "per_page": Integer(required=True),
            "total": Integer(required=True),
        },
    )
