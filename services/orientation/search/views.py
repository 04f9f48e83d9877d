"""`GET /api/orientation/search?q=`: every case of every service that the caller may see."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.orientation.search import reads
from shared.auth.permissions import allow, current_principal
from shared.auth.roles import ALL_ROLES
from shared.cases.search import parse_terms
from shared.cases.search_schemas import SearchQuerySchema, SearchResultSchema
from shared.http.openapi import documented
from shared.http.parsing import query_args

blueprint = Blueprint("orientation_search", __name__, url_prefix="/api/orientation")


@blueprint.get("/search")
@allow(*ALL_ROLES)
@documented(
    summary="Rechercher un patient dans tous les dossiers",
    query=SearchQuerySchema,
    response=SearchResultSchema,
    errors=(422,),
)
def search() -> ResponseReturnValue:
    """Names in any order (case and accents ignored), a reference or its digits, a whole NIR
    or a phone number; open and closed cases of every type, only those the caller may see."""
    terms = parse_terms(query_args(SearchQuerySchema())["q"])
    return {"items": reads.search(terms, current_principal())}
