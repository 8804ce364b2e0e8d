"""Bodies the API cannot use are a 400 in the usual error shape, never a 500."""

from __future__ import annotations

import pytest

from tests.api.conftest import cases_url

pytestmark = pytest.mark.django_db

DEEP_LIST = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a": ' * 100_000 + "1" + "}" * 100_000
# Parses, but nests far deeper than any API body (serializers and JSON columns recurse).
MIDDLING = '{"subject": ' + "[" * 500 + "]" * 500 + "}"
LONG_EMAIL = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "tw"  # 312 characters


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return body


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT, MIDDLING], ids=["list", "object", "middling"])
@pytest.mark.parametrize("url", [cases_url(), "/api/v1/track/"])
def test_deeply_nested_json_is_a_400(org, client_for, url, body):
    response = client_for("intake").post(url, data=body, content_type="application/json")
    assert "nested too deeply" in assert_error_shape(response, 400)["detail"]


def test_an_email_longer_than_its_column_is_a_field_error(org, client_for):
    response = client_for("intake").post(
        cases_url(),
        data={
            "channel": "phone",
            "category": "ROAD-POTHOLE",
            "subject": "坑洞",
            "description": "路面坑洞",
            "petitioner": {"name": "王小明", "email": LONG_EMAIL},
        },
        format="json",
    )
    assert "petitioner.email" in assert_error_shape(response, 400)["errors"]
