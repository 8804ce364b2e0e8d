"""The OpenAPI schema is valid, documents every endpoint with its errors, and a
schema-driven fuzzer (schemathesis) finds no 5xx and no undocumented responses: every
status code, content type and body it gets back conforms to the schema."""

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

from casesys.cases import services
from casesys.cases.models import Case
from casesys.cases.numbering import hash_case_password
from tests.api.conftest import case_at
from tests.factories import new_case

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
    "/api/v1/leads/": {"get"},
    "/api/v1/leads/{id}/convert/": {"post"},
    "/api/v1/leads/{id}/dismiss/": {"post"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/incidents/": {"get", "post"},
    "/api/v1/incidents/suggest/": {"get"},
    "/api/v1/incidents/{id}/": {"get"},
    "/api/v1/incidents/{id}/link/": {"post"},
    "/api/v1/incidents/{id}/unlink/": {"post"},
    "/api/v1/incidents/{id}/reply/": {"post"},
    "/api/v1/incidents/{id}/close-all/": {"post"},
    "/api/v1/cases/{number}/parts/": {"post"},
}
TRANSITIONS = [
    "dispatch", "accept", "assign", "submit_reply", "approve", "return_reply", "request_extension",
    "decide_extension", "return_to_intake", "transfer", "file", "merge", "reopen",
]
# Co-handling parts (casesys.cohandling): /cases/{number}/parts/{part}/transitions/{name}/
PART_TRANSITIONS = ["accept", "assign", "submit_reply", "approve", "return_reply", "return_to_lead", "decide_return", "withdraw"]


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
    for name in PART_TRANSITIONS:
        expected[f"/api/v1/cases/{{number}}/parts/{{part}}/transitions/{name}/"] = {"post"}
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


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body(schema: dict, operation: dict, code: str) -> dict:
    return _resolve(schema, operation["responses"][code]["content"]["application/json"]["schema"])


def test_schema_documents_leads_and_notifications_as_they_answer(client):
    schema = load_schema(client)
    paths = schema["paths"]
    # The lists are pages (limit/offset), not a bare item.
    for path, extra in (("/api/v1/leads/", set()), ("/api/v1/notifications/", {"unread"})):
        operation = paths[path]["get"]
        page = _body(schema, operation, "200")
        assert {"count", "next", "previous", "results"} | extra <= set(page["properties"]), path
        assert page["properties"]["results"]["type"] == "array", path
        assert {"limit", "offset"} <= {p["name"] for p in operation["parameters"]}, path
    assert {"status", "source", "group"} <= {p["name"] for p in paths["/api/v1/leads/"]["get"]["parameters"]}
    assert "unread" in {p["name"] for p in paths["/api/v1/notifications/"]["get"]["parameters"]}
    # Marking read takes no body; read-all answers how many it marked.
    read_all = paths["/api/v1/notifications/read-all/"]["post"]
    assert "requestBody" not in read_all
    assert set(_body(schema, read_all, "200")["properties"]) == {"marked", "unread"}
    assert "requestBody" not in paths["/api/v1/notifications/{id}/read/"]["post"]
    # The status codes each action can answer.
    codes = {path: set(paths[path]["post"]["responses"]) for path in OUR_PATHS if "post" in OUR_PATHS[path]}
    assert codes["/api/v1/leads/{id}/convert/"] == {"201", "400", "403", "404", "409"}
    assert codes["/api/v1/leads/{id}/dismiss/"] == {"200", "400", "403", "404", "409"}
    assert codes["/api/v1/notifications/{id}/read/"] == {"200", "403", "404"}
    assert codes["/api/v1/notifications/read-all/"] == {"200", "403"}
    convert = _body(schema, paths["/api/v1/leads/{id}/convert/"]["post"], "201")
    assert {"lead", "case", "password"} <= set(convert["properties"])
    # One error shape, as a component, for every error of every documented operation.
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "errors"}
    assert error["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


def test_filter_errors_and_404s_answer_the_one_error_shape(org):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.admin)
    for url in ("/api/v1/leads/?status=bogus", "/api/v1/notifications/?unread=maybe", "/api/v1/cases/?due_before=not-a-date"):
        response = api.get(url)
        assert response.status_code == 400, url
        body = response.json()
        assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str), url
        assert body["errors"] and all(isinstance(v, list) for v in body["errors"].values()), url
    for method, url in (
        ("post", "/api/v1/notifications/999999/read/"),
        ("post", "/api/v1/leads/999999/dismiss/"),
        ("post", "/api/v1/leads/999999/convert/"),
        ("get", "/api/v1/cases/NOPE-1/"),
        ("get", "/api/v1/no-such-thing/"),
    ):
        response = getattr(api, method)(url, {}, format="json") if method == "post" else api.get(url)
        assert response.status_code == 404, url
        assert set(response.json()) == {"detail", "errors"} and response.json()["errors"] == {}, url


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
    real_ids = {"/api/v1/leads/": _leads(), "/api/v1/notifications/": _notifications_for(org.admin)}
    token = Token.objects.create(user=org.admin)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.split("{")[0].rstrip("/") + "/" in _our_prefixes()]
    # cases/ and incidents/ have GET and POST
    assert len(operations) == len(OUR_PATHS) + 2 + len(TRANSITIONS) + len(PART_TRANSITIONS)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    seen_statuses: dict[str, set[int]] = {}

    def fuzz(operation):
        # Generated cases plus the documented examples (e.g. a valid intake body).
        strategy = st.one_of(operation.as_strategy(), *operation.get_strategies_from_examples())
        ids = next((v for prefix, v in real_ids.items() if operation.path.startswith(prefix)), [])

        @seed(int(os.environ.get("CASESYS_FUZZ_SEED", "1234")))
        @settings(
            max_examples=int(os.environ.get("CASESYS_FUZZ_EXAMPLES", "12")),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, real=st.sampled_from([None, *real_numbers]), real_id=st.sampled_from([None, *ids]))
        def run(case, real, real_id):
            # Half the time aim at a real case (lead, notification) so actions get past the 404.
            if real and case.path_parameters and "number" in case.path_parameters:
                case.path_parameters["number"] = real
            if real_id and case.path_parameters and "id" in case.path_parameters:
                case.path_parameters["id"] = real_id
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
    assert 200 in seen_statuses["GET /api/v1/leads/"], seen_statuses
    assert 201 in seen_statuses["POST /api/v1/leads/{id}/convert/"], seen_statuses  # the documented example
    assert 200 in seen_statuses["GET /api/v1/notifications/"], seen_statuses
    assert 200 in seen_statuses["POST /api/v1/notifications/{id}/read/"], seen_statuses


def test_real_answers_conform_to_the_schema(org, wsgi_app):
    """What the fuzzer cannot guess (a case password, a closed or merged case) still answers
    as documented: a citizen lookup of open, closed and merged cases, a lead conversion."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    headers = {"Authorization": f"Token {Token.objects.create(user=org.admin).key}"}
    open_case, open_password = new_case(org)
    closed = case_at(org, "closed")
    closed_password = "closed-pw-1"
    carrier = case_at(org, "in_progress")
    merged, merged_password = new_case(org)
    services.case_merge(case=merged, into=carrier, by=org.intake)
    Case.objects.filter(pk=closed.pk).update(password_hash=hash_case_password(closed_password))

    track = schema["/api/v1/track/"]["POST"]
    for number, password in ((open_case.number, open_password), (closed.number, closed_password), (merged.number, merged_password)):
        case = track.Case(body={"number": number, "password": password}, media_type="application/json")
        response = case.call()
        assert response.status_code == 200, response.text
        case.validate_response(response, checks=checks)
    convert = schema["/api/v1/leads/{id}/convert/"]["POST"]
    case = convert.Case(path_parameters={"id": _leads()[0]}, body={"category": "LIGHT-OUT"}, media_type="application/json")
    response = case.call(headers=headers)
    assert response.status_code == 201, response.text
    case.validate_response(response, checks=checks, headers=headers)


def _leads() -> list[int]:
    from casesys.inbound.models import ChatGroup
    from casesys.inbound.services import lead_record

    group = ChatGroup.objects.create(provider="line", group_id="Cfuzz0000000000000000000000000001", name="福和里里民群組")
    return [
        lead_record(source="line", external_id=f"fuzz-{i}", text=f"福和橋下路燈不亮 {i}", reason="mention", group=group)[0].pk
        for i in range(4)
    ]


def _notifications_for(user) -> list[int]:
    from casesys.notifications.models import Notification

    return [
        Notification.objects.create(channel="inapp", recipient_user=user, template="t", subject=f"新案件 {i}", status="sent").pk
        for i in range(3)
    ]


def _our_prefixes() -> set[str]:
    return {p.split("{")[0].rstrip("/") + "/" for p in OUR_PATHS} | {"/api/v1/cases/"}
