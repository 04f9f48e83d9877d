"""Health checks and the OpenAPI documents of every service."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from services.bootstrap import SERVICES, create_app


def test_healthz_answers_without_a_token(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_is_503_when_the_database_is_unreachable(settings):
    from dataclasses import replace

    broken = replace(settings, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = create_app(("orientation",), broken).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "indisponible"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_publishes_a_valid_openapi_document(client, service):
    response = client.get(f"/api/{service}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert "/api/auth/token" in document["paths"]
    assert f"/api/{service}/audit" in document["paths"]


def test_the_orientation_document_describes_the_medecin_traitant_endpoints(client):
    document = client.get("/api/orientation/openapi.json").get_json()
    paths = document["paths"]
    signalement = paths["/api/orientation/signalements"]["post"]
    assert set(signalement["responses"]) >= {"201", "400", "401", "403", "409", "413", "415", "422"}
    assert "requestBody" in signalement
    transition = paths["/api/orientation/cases/{case_id}/transitions/{name}"]["post"]
    assert set(transition["responses"]) >= {"200", "404", "409", "422"}
    # A case the caller may not see answers 404: the contract asks the service to say so.
    assert "404" in transition["description"]
    assert "404" in paths["/api/orientation/cases/{case_id}"]["get"]["description"]
    assert "Signalement" in document["components"]["schemas"]


def test_a_service_alone_documents_only_its_own_paths(settings):
    document = create_app(("agenda",), settings).test_client().get("/api/agenda/openapi.json")
    paths = document.get_json()["paths"]
    assert "/api/agenda/professionals" in paths
    assert not any(path.startswith("/api/orientation") for path in paths)


def test_unknown_api_paths_answer_the_json_error_shape(client):
    response = client.get("/api/orientation/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert client.delete("/api/orientation/signalements").status_code == 405
