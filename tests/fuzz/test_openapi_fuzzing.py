"""Schemathesis against each service's own OpenAPI document, in-process: no 500, no answer
that contradicts the document. Bounded so that it fits in `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from services.bootstrap import SERVICES

MAX_EXAMPLES = 15
# Not checked: "schema-valid data is accepted". NIR keys, RPPS Luhn keys, French phone numbers,
# consent that must be true… are checked by our validators and cannot all be said in JSON
# Schema, so schema-valid bodies are often (rightly) refused with 422. Nor "schema-violating
# requests are refused": list queries ignore unknown parameters on purpose (cache busters);
# bodies do refuse unknown fields, which the 422 tests of each service check.
NOT_CHECKED = [positive_data_acceptance, negative_data_rejection]
# Logout would revoke the token the other operations use; it has its own tests.
SKIPPED = {("POST", "/api/auth/logout")}


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_the_api_answers_hostile_input_as_its_document_says(app, accounts, service):
    headers = {"Authorization": accounts.create("coordinator", "admin")["Authorization"]}
    schema = schemathesis.openapi.from_wsgi(f"/api/{service}/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{service} documents no operation"
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(headers=headers)
                case.validate_response(response, headers=headers, excluded_checks=NOT_CHECKED)

            check()
