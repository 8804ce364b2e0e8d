"""The OpenAPI schema is valid, documents every endpoint with its errors, and a
schema-driven fuzzer (schemathesis) finds no 5xx and no undocumented responses."""

from __future__ import annotations

import json
import os

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.api.conftest import case_at

pytestmark = pytest.mark.django_db

OUR_PATHS = {
    "/api/v1/cases/": {"get", "post"},
    "/api/v1/cases/{number}/": {"get"},
    "/api/v1/cases/{number}/reveal/": {"post"},
    "/api/v1/categories/": {"get"},
    "/api/v1/departments/": {"get"},
    "/api/v1/calendar/": {"get"},
    "/api/v1/track/": {"post"},
    "/api/v1/auth/token/": {"post"},
    "/api/v1/follow-ups/": {"get"},
    "/api/v1/cases/{number}/follow-ups/{follow_up}/callback/": {"post"},
    "/api/v1/cases/{number}/follow-ups/{follow_up}/second-reply/": {"post"},
}
TRANSITIONS = [
    "dispatch", "accept", "assign", "submit_reply", "approve", "return_reply", "request_extension",
    "decide_extension", "return_to_intake", "transfer", "file", "merge", "reopen",
]


def load_schema(client) -> dict:
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    return json.loads(r.content)


def test_schema_is_valid_openapi_3(client):
    schema = load_schema(client)
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_endpoint_and_its_errors(client):
    paths = load_schema(client)["paths"]
    expected = dict(OUR_PATHS)
    for name in TRANSITIONS:
        expected[f"/api/v1/cases/{{number}}/transitions/{name}/"] = {"post"}
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            codes = set(paths[path][method]["responses"])
            assert codes & {"200", "201"}, (path, method)
            assert codes & {"400", "403", "404"}, (path, method)
            for code in codes - {"200", "201"}:
                ref = paths[path][method]["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), (path, method, code)
    for name in TRANSITIONS:
        codes = set(paths[f"/api/v1/cases/{{number}}/transitions/{name}/"]["post"]["responses"])
        assert {"200", "400", "403", "404", "409"} <= codes
    assert "429" in paths["/api/v1/track/"]["post"]["responses"]


def test_interactive_docs_page_needs_no_cdn_or_inline_script(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "<script>" not in html  # CSP script-src 'self'
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


@pytest.fixture
def wsgi_app():
    """The real Django WSGI app, called in-process so it shares the test transaction.

    Like Django's test client, keep the request signals from closing the connection
    (which would end the test's transaction)."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_errors_or_undocumented_responses(org, wsgi_app):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    real_numbers = [case_at(org, state).number for state in ("received", "dispatched", "in_progress", "pending_approval", "closed")]
    token = Token.objects.create(user=org.admin)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.split("{")[0].rstrip("/") + "/" in _our_prefixes()]
    assert len(operations) == len(OUR_PATHS) + 1 + len(TRANSITIONS)  # cases/ has GET and POST
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    seen_statuses: dict[str, set[int]] = {}

    def fuzz(operation):
        # Generated cases plus the documented examples (e.g. a valid intake body).
        strategy = st.one_of(operation.as_strategy(), *operation.get_strategies_from_examples())

        @seed(int(os.environ.get("CASESYS_FUZZ_SEED", "1234")))
        @settings(
            max_examples=int(os.environ.get("CASESYS_FUZZ_EXAMPLES", "12")),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, real=st.sampled_from([None, *real_numbers]))
        def run(case, real):
            # Half the time aim at a real case so transitions get past the 404.
            if real and case.path_parameters and "number" in case.path_parameters:
                case.path_parameters["number"] = real
            response = case.call(headers=headers)
            seen_statuses.setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=checks, headers=headers)

        run()

    for operation in operations:
        fuzz(operation)

    assert all(code < 500 for codes in seen_statuses.values() for code in codes)
    # The fuzzer did reach real behaviour, not only 400s.
    assert 201 in seen_statuses["POST /api/v1/cases/"], seen_statuses
    assert 200 in seen_statuses["GET /api/v1/cases/{number}/"], seen_statuses


def _our_prefixes() -> set[str]:
    return {p.split("{")[0].rstrip("/") + "/" for p in OUR_PATHS} | {"/api/v1/cases/"}
