"""Reading the indicators as a reporting user would, through the API."""

from __future__ import annotations

from typing import Any

ORIENTATION_INDICATORS = "/api/orientation/indicators"


def indicators_document(
    client: Any, headers: dict, start: str, end: str, *, url: str = ORIENTATION_INDICATORS
) -> dict[str, Any]:
    """The indicators document of `start`..`end` (ISO dates) read with `headers` (a 200)."""
    response = client.get(url, query_string={"from": start, "to": end}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
