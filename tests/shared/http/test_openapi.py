"""What `documented` says of a view's success: its JSON schema, its files, or both."""

from __future__ import annotations

from flask import Flask

from shared.http.openapi import build_spec, documented
from shared.schemas import OutputSchema, String

CSV = "text/csv; charset=utf-8"


class Greeting(OutputSchema):
    text = String()


def _successes(**documentation) -> dict:
    app = Flask(__name__)

    @app.get("/api/demo/thing")
    @documented(summary="Démonstration", **documentation)
    def thing():
        return {}

    return build_spec(app, "demo", "Démo")["paths"]["/api/demo/thing"]["get"]["responses"]["200"]


def test_a_json_answer_has_its_schema():
    assert list(_successes(response=Greeting)["content"]) == ["application/json"]


def test_an_export_is_json_then_its_files():
    content = _successes(response=Greeting, file_types=(CSV, "text/calendar"))["content"]
    assert list(content) == ["application/json", CSV, "text/calendar"]
    assert content[CSV] == {}


def test_a_file_only_answer_names_its_media_type():
    assert _successes(file_types=("text/calendar",)) == {
        "description": "Succès",
        "content": {"text/calendar": {}},
    }


def test_an_answer_without_body_has_no_content():
    assert _successes() == {"description": "Succès"}
