"""Database outage → 503 with a clear bilingual message; oversized body → 413."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from casesys.ops.responses import DB_UNAVAILABLE_MESSAGE

pytestmark = pytest.mark.urls("tests.ops.failing_urls")

BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def _client() -> Client:
    return Client(raise_request_exception=False)


def test_api_request_during_database_outage_gets_json_503_with_retry_after():
    response = _client().post("/api/v1/db-gone/", data={}, content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "15"
    body = response.json()
    assert body["detail"] == DB_UNAVAILABLE_MESSAGE
    assert body["code"] == "database_unavailable"
    assert "資料庫" in body["detail"] and "database is temporarily unavailable" in body["detail"]


def test_browser_during_database_outage_gets_a_bilingual_html_page():
    response = _client().get("/db-gone/", **BROWSER)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "系統暫時無法連線資料庫" in page and "The database is temporarily unavailable" in page
    # The raw driver message (host, port) is never shown to the user.
    assert "5432" not in page


def test_closed_connection_is_treated_like_an_outage():
    assert _client().get("/db-closed/").status_code == 503


@pytest.mark.parametrize("path", ["/api/v1/save-session-fails/", "/save-session-fails/"])
def test_outage_raised_inside_a_middleware_is_also_503(settings, path):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.ops.failing_urls.FailingSessionSaveMiddleware"]
    response = _client().get(path)
    assert response.status_code == 503
    assert "系統暫時無法連線資料庫" in response.content.decode()


def test_ordinary_bugs_stay_500():
    assert _client().get("/boom/").status_code == 500
    assert _client().get("/api/v1/boom/").status_code == 500


def test_outages_are_counted_in_metrics():
    before = _client().get("/metrics").content.decode()
    _client().get("/db-gone/")
    after = _client().get("/metrics").content.decode()

    def value(text: str) -> float:
        line = next(line for line in text.splitlines() if line.startswith("casesys_database_unavailable_total "))
        return float(line.split()[1])

    assert value(after) == value(before) + 1


def test_oversized_json_body_is_413_before_anything_reads_it(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"description": "路燈" * 1000})
    response = _client().post("/api/v1/read-body/", data=body, content_type="application/json")
    assert response.status_code == 413
    payload = response.json()
    assert payload["code"] == "request_too_large" and payload["limit_bytes"] == 1000
    assert "請求內容過大" in payload["detail"] and "Request body too large" in payload["detail"]
    # Small enough to drain: the connection stays usable.
    assert not response.has_header("Connection")


def test_absurd_body_is_refused_without_reading_it(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.CASESYS_MAX_DRAIN_BYTES = 5000
    response = _client().post("/api/v1/read-body/", data="x" * 20_000, content_type="application/json")
    assert response.status_code == 413 and response["Connection"] == "close"


def test_body_within_the_limit_passes(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _client().post("/api/v1/read-body/", data=json.dumps({"a": "b"}), content_type="application/json")
    assert response.status_code == 200


def test_multipart_upload_has_its_own_limit(settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.CASESYS_MAX_UPLOAD_REQUEST_BYTES = 50_000
    photo = SimpleUploadedFile("pothole.jpg", b"\xff\xd8" + b"0" * 20_000, content_type="image/jpeg")
    assert _client().post("/read-form/", data={"note": "坑洞", "file": photo}).status_code == 200
    huge = SimpleUploadedFile("pothole.jpg", b"\xff\xd8" + b"0" * 60_000, content_type="image/jpeg")
    assert _client().post("/read-form/", data={"file": huge}, **BROWSER).status_code == 413


def test_oversized_form_fields_inside_an_allowed_upload_are_413_not_400(settings):
    # Within the upload limit but the non-file fields exceed DATA_UPLOAD_MAX_MEMORY_SIZE:
    # Django raises RequestDataTooBig while parsing, which would otherwise be a 400.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.CASESYS_MAX_UPLOAD_REQUEST_BYTES = 50_000
    response = _client().post("/read-form/", data={"note": "x" * 5000})
    assert response.status_code == 413


def test_invalid_content_length_is_400():
    response = _client().generic("POST", "/api/v1/read-body/", data=b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400
