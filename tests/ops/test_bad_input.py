"""Bad input is a 4xx everywhere, in the format of the place it was sent to: a NUL byte in
any path or query value, an Open311 date that is not a real date, an open-data month that
does not exist. Never a 500."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from casesys.open311.services import partner_app_create
from tests.factories import new_case

pytestmark = pytest.mark.django_db

NUL_API = [
    "/api/v1/cases/?q=%00",
    "/api/v1/cases/?state=received%00",
    "/api/v1/cases/?department=PWD%00",
    "/api/v1/calendar/?year=2026%00",
    "/api/v1/cases/?ordering=due_at&%00=1",
]


@pytest.fixture
def staff(org):
    client = Client(raise_request_exception=False)
    client.force_login(org.admin)
    return client


@pytest.mark.parametrize("url", NUL_API)
def test_nul_in_an_api_query_is_a_json_400(staff, url):
    response = staff.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert "NUL" in body["detail"] and body["errors"]


@pytest.mark.parametrize("url", ["/api/v1/cases/CS-1151122-00001%00/", "/api/v1/cases/%00/reveal/", "/api/v1/%00"])
def test_nul_in_an_api_path_is_a_json_404(staff, url):
    response = staff.get(url)
    assert response.status_code == 404, response.content
    assert response.json()["detail"] == "找不到資料 / Not found."


NUL_OPEN311 = [
    ("/open311/v2/requests/CS-1151122-00001%00.json", 404),
    ("/open311/v2/requests.json?service_request_id=CS%00", 400),
    ("/open311/v2/requests.json?service_code=ROAD%00", 400),
    ("/open311/v2/services/ROAD%00.json", 404),
    ("/open311/v2/tokens/abc%00.json", 404),
]


@pytest.mark.parametrize("url,status", NUL_OPEN311)
def test_nul_in_open311_is_a_4xx_in_open311_format(client, org, url, status):
    response = client.get(url)
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert body[0]["code"] == status

    xml = client.get(url.replace(".json", ".xml"))
    assert xml.status_code == status
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


def test_nul_in_an_open311_post_is_a_400_and_creates_nothing(client, org):
    org.pothole.public = True
    org.pothole.save()
    _app, key = partner_app_create(name="報修 App")
    form = {"api_key": key, "service_code": "ROAD-POTHOLE", "lat": "25.04", "long": "121.51", "description": "坑洞\x00"}
    response = client.post("/open311/v2/requests.json", form)
    assert response.status_code == 400, response.content
    assert json.loads(response.content)[0]["code"] == 400
    # Multipart bodies are not read by the middleware: the view refuses them itself.
    from django.test.client import MULTIPART_CONTENT

    response = client.post("/open311/v2/requests.json", form, content_type=MULTIPART_CONTENT)
    assert response.status_code == 400, response.content
    assert "NUL" in json.loads(response.content)[0]["description"]
    from casesys.cases.models import Case

    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "url,status,text",
    [
        ("/desk/cases/%00/", 404, "找不到資料"),
        ("/desk/cases/CS-1151122-00001%00/reveal/", 404, "找不到資料"),
        ("/status/%00/", 404, "找不到資料"),
        ("/open-data/cases-2025-01%00.csv", 404, "找不到資料"),
        ("/desk/queue/?q=%00", 400, "NUL"),
        ("/status/?number=%00", 400, "NUL"),
        ("/open-data/cases-2025-01.csv?x=%00", 400, "NUL"),
    ],
)
def test_nul_in_desk_status_and_open_data_urls_is_an_html_4xx(staff, url, status, text):
    response = staff.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/html")
    assert text in response.content.decode()


def test_a_form_post_with_nul_is_a_400_not_a_500(org):
    c = Client(raise_request_exception=False)
    response = c.post("/status/", {"number": "CS\x00", "password": "x"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 400


def test_the_real_case_url_still_works(staff, org):
    case, _ = new_case(org)
    assert staff.get(f"/desk/cases/{case.number}/").status_code == 200


# --- Open311 dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2026-02-30",
        "start_date=garbage",
        "end_date=2026-13-01",
        "start_date=2026-01-01T25:00:00",
        "start_date=2026-01-01T00:00:00%2B99:00",
        "start_date=2026-03-01&end_date=2026-02-01",
        "end_date=0000-01-01",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_date_filters_that_are_not_real_dates_are_a_400(client, org, query, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400, response.content
    if fmt == "json":
        body = json.loads(response.content)
        assert body[0]["code"] == 400 and "date" in body[0]["description"]
    else:
        assert ET.fromstring(response.content).find("error/code").text == "400"


@pytest.mark.parametrize("query", ["start_date=0001-01-01T00:00:00%2B14:00", "end_date=9999-12-31T23:59:59-12:00"])
def test_open311_extreme_but_real_dates_answer_normally(client, org, query):
    assert client.get(f"/open311/v2/requests.json?{query}").status_code == 200


# --- open data months ------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["2025-13", "2025-00", "0000-01", "9999-12"])
def test_an_open_data_month_that_does_not_exist_is_a_404(client, org, month):
    response = client.get(f"/open-data/cases-{month}.csv")
    assert response.status_code == 404


def test_the_earliest_month_streams_an_empty_file(client, org):
    response = client.get("/open-data/cases-0001-01.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("案件編號")
