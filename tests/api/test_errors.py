from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from casesys.api import handlers
from casesys.api.exceptions import flatten_errors
from casesys.cases.exceptions import (
    ConcurrentUpdate,
    TransitionNotPermittedNow,
    TransitionPermissionDenied,
)
from tests.api.conftest import cases_url

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_malformed_json_is_400(org, client_for):
    r = client_for("intake").post(cases_url(), data='{"channel": ', content_type="application/json")
    assert_error_shape(r, 400)


def test_json_that_is_not_an_object_is_400(org, client_for):
    r = client_for("intake").post(cases_url(), data="[1, 2]", content_type="application/json")
    body = assert_error_shape(r, 400)
    assert body["errors"]


def test_unknown_api_path_is_json_404(org, client_for):
    assert_error_shape(client_for("admin").get("/api/v1/nothing-here/"), 404)
    assert_error_shape(client_for(None).get("/api/nope"), 404)


def test_pages_outside_the_api_keep_html_404(org, client_for):
    r = client_for(None).get("/definitely-not-a-page/")
    assert r.status_code == 404
    assert not r["Content-Type"].startswith("application/json")


def test_wrong_method_and_media_type(org, client_for):
    assert_error_shape(client_for("admin").delete(cases_url()), 405)
    r = client_for("admin").post(cases_url(), data="<xml/>", content_type="application/xml")
    assert_error_shape(r, 415)


def test_server_error_handler_answers_json_under_api():
    rf = RequestFactory()
    r = handlers.server_error(rf.get("/api/v1/cases/"))
    assert r.status_code == 500
    assert r["Content-Type"].startswith("application/json")
    assert handlers.server_error(rf.get("/somewhere/")).status_code == 500


def test_not_found_handler_answers_json_under_api():
    r = handlers.not_found(RequestFactory().get("/api/v1/x/"), Http404())
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")


class _Raiser(APIView):
    """Stands in for another contributor's DRF view: the global handler shapes its errors."""

    authentication_classes: list = []
    permission_classes: list = []
    exc: Exception | None = None

    def get(self, request):
        raise self.exc


@pytest.mark.parametrize(
    "exc, status, field",
    [
        (DjangoValidationError({"reply": ["請填寫答復內容"]}), 400, "reply"),
        (DjangoValidationError("整體錯誤"), 400, "non_field_errors"),
        (serializers.ValidationError({"a": {"b": ["壞"]}}), 400, "a.b"),
        (TransitionPermissionDenied(), 403, None),
        (TransitionNotPermittedNow(), 409, None),
        (ConcurrentUpdate(), 409, None),
        (Http404(), 404, None),
    ],
)
def test_global_handler_maps_exceptions(exc, status, field):
    view = _Raiser.as_view(exc=exc)
    response = view(APIRequestFactory().get("/api/v1/other/"))
    response.render()
    assert response.status_code == status
    assert set(response.data) == {"detail", "errors"}
    assert response.data["detail"]
    if field:
        assert field in response.data["errors"]
    else:
        assert response.data["errors"] == {}


def test_flatten_errors_names_nested_fields():
    assert flatten_errors({"petitioner": {"email": ["壞"]}, "items": [{"x": ["y"]}], "n": ["z"]}) == {
        "petitioner.email": ["壞"],
        "items.0.x": ["y"],
        "n": ["z"],
    }
    assert flatten_errors(["a", "b"]) == {"non_field_errors": ["a", "b"]}
