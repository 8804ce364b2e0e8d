"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML, errors included."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from casesys.cases.models import Case, Channel, State
from casesys.cases.services import case_accept, case_approve, case_submit_reply
from casesys.cases.signals import case_event_recorded
from casesys.notifications.models import Notification
from casesys.open311.models import PartnerApp
from casesys.open311.services import partner_app_create
from tests.factories import CategoryFactory, new_case

BASE = "/open311/v2"
FORMATS = ["json", "xml"]


def parse(response):
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def xml_rows(root, item):
    return [{child.tag: (child.text or "") for child in row} for row in root.findall(item)]


def assert_error(response, fmt, status, contains=""):
    assert response.status_code == status
    body = parse(response)
    if fmt == "json":
        assert body[0]["code"] == status
        description = body[0]["description"]
    else:
        assert body.tag == "errors"
        assert body.find("error/code").text == str(status)
        description = body.find("error/description").text
    assert contains in description


@pytest.fixture
def partner(db):
    app, key = partner_app_create(name="示範報修 App", organisation="示範科技")
    return app, key


# --- discovery and services ------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_v2_endpoint(client, db, fmt):
    body = parse(client.get(f"{BASE}/discovery.{fmt}"))
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert body.tag == "discovery"
        assert body.find("endpoints/endpoint/url").text == "http://testserver/open311/v2/"
        assert [f.text for f in body.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_public_categories(client, org, fmt):
    parent = CategoryFactory(code="ROAD", name="道路")
    CategoryFactory(code="ROAD-SIGN", name="號誌故障", parent=parent)
    CategoryFactory(code="INTERNAL", name="內部案件", public=False)
    CategoryFactory(code="OLD", name="停用類別", active=False)

    body = parse(client.get(f"{BASE}/services.{fmt}"))

    rows = body if fmt == "json" else xml_rows(body, "service")
    codes = [r["service_code"] for r in rows]
    # Leaves only: the group ROAD is not itself a service; hidden and retired ones are left out.
    assert codes == ["GEN-MAILBOX", "LIGHT-OUT", "ROAD-POTHOLE", "ROAD-SIGN"]
    sign = rows[-1]
    assert sign["service_name"] == "號誌故障" and sign["group"] == "道路" and sign["type"] == "realtime"
    assert sign["metadata"] in (False, "false")


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_and_unknown_service(client, org, fmt):
    body = parse(client.get(f"{BASE}/services/ROAD-POTHOLE.{fmt}"))
    if fmt == "json":
        assert body == {"service_code": "ROAD-POTHOLE", "attributes": []}
    else:
        assert body.tag == "service_definition" and body.find("service_code").text == "ROAD-POTHOLE"
        assert body.find("attributes") is not None
    assert_error(client.get(f"{BASE}/services/NOPE.{fmt}"), fmt, 404, "service_code not found")


# --- reading requests -----------------------------------------------------------------------


def _closed_case(org):
    case, _ = new_case(org, category=org.pothole, subject="中正路坑洞", petitioner={"name": "王小明", "phone": "0912345678"})
    case_accept(case=case, by=org.officer)
    case_submit_reply(case=case, reply="王小明先生您好，坑洞已於今日修補完成。", by=org.officer)
    case_approve(case=case, by=org.supervisor)
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_shows_public_fields_and_no_personal_data(client, org, fmt):
    case, _ = new_case(
        org,
        category=org.lights,
        subject="中山路路燈不亮，請回電 0912-345-678 或 wang@example.invalid",
        petitioner={"name": "王小明", "phone": "0912345678", "email": "wang@example.invalid"},
        location={"address": "中山區中山路二段10號", "district": "中山區", "lat": "25.0525", "lng": "121.5200"},
    )

    response = client.get(f"{BASE}/requests/{case.number}.{fmt}")

    assert response.status_code == 200
    text = response.content.decode()
    for secret in ("王小明", "0912", "345-678", "wang@example.invalid", "路燈已經三天不亮"):
        assert secret not in text
    body = parse(response)
    row = body[0] if fmt == "json" else xml_rows(body, "request")[0]
    assert row["service_request_id"] == case.number
    assert row["status"] == "open"
    assert row["service_code"] == "LIGHT-OUT" and row["service_name"] == "路燈不亮"
    assert row["agency_responsible"] == "路燈科"
    assert row["status_notes"] == "已分派承辦單位：路燈科 / Assigned to 路燈科"
    assert row["description"].startswith("中山路路燈不亮")
    assert row["address"] == "中山區中山路二段10號"
    assert float(row["lat"]) == 25.0525 and float(row["long"]) == 121.52
    expected = timezone.localtime(case.due_at).replace(microsecond=0).isoformat()
    assert row["expected_datetime"] == expected and expected.endswith("+08:00")
    assert row["requested_datetime"].endswith("+08:00") and row["updated_datetime"].endswith("+08:00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_closed_request_carries_the_reply_with_names_masked(client, org, fmt):
    case = _closed_case(org)
    body = parse(client.get(f"{BASE}/requests/{case.number}.{fmt}"))
    row = body[0] if fmt == "json" else xml_rows(body, "request")[0]
    assert row["status"] == "closed"
    assert row["status_notes"] == "○○○先生您好，坑洞已於今日修補完成。"


def test_confidential_request_hides_description_and_exact_place(client, org):
    case, _ = new_case(
        org, confidential=True, location={"address": "中山區中山路二段10號", "district": "中山區", "lat": "25.05", "lng": "121.52"}
    )
    row = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert row["description"] == "" and row["lat"] is None and row["long"] is None
    assert row["address"] == "中山區○○○"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_non_public_request_is_a_404(client, org, fmt):
    hidden = CategoryFactory(code="INTERNAL", name="內部案件", public=False)
    case, _ = new_case(org, category=hidden)
    assert_error(client.get(f"{BASE}/requests/CS-0000000-00000.{fmt}"), fmt, 404, "service_request_id not found")
    assert_error(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_list_filters(client, org, fmt):
    light, _ = new_case(org, category=org.lights)
    mailbox, _ = new_case(org)
    closed = _closed_case(org)

    def ids(**params):
        response = client.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 200
        body = parse(response)
        rows = body if fmt == "json" else xml_rows(body, "request")
        return {r["service_request_id"] for r in rows}

    assert ids() == {light.number, mailbox.number, closed.number}
    assert ids(status="closed") == {closed.number}
    assert ids(status="open") == {light.number, mailbox.number}
    assert ids(status="open,closed") == {light.number, mailbox.number, closed.number}
    assert ids(service_code="LIGHT-OUT,GEN-MAILBOX") == {light.number, mailbox.number}
    assert ids(service_request_id=f"{light.number},{closed.number}", status="open") == {light.number, closed.number}
    today = timezone.localdate()
    assert ids(start_date=f"{today}T00:00:00+08:00", end_date=f"{today}T23:59:59+08:00") == {
        light.number, mailbox.number, closed.number
    }
    assert ids(end_date="2020-01-01T00:00:00Z") == set()
    assert ids(jurisdiction_id="demo.city") == {light.number, mailbox.number, closed.number}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "pending"}, "status must be open or closed"),
        ({"start_date": "yesterday"}, "start_date must be an ISO 8601"),
        ({"start_date": "2025-11-02T00:00:00Z", "end_date": "2025-11-01T00:00:00Z"}, "start_date is after end_date"),
    ],
)
def test_request_list_rejects_bad_parameters(client, db, fmt, params, message):
    assert_error(client.get(f"{BASE}/requests.{fmt}", params), fmt, 400, message)


def test_other_jurisdiction_is_a_404_when_one_is_configured(client, db, settings):
    settings.OPEN311_JURISDICTION_ID = "demo.city"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "demo.city"}).status_code == 200
    assert_error(client.get(f"{BASE}/services.json", {"jurisdiction_id": "other.city"}), "json", 404, "jurisdiction_id")


def test_unknown_resource_and_method(client, db):
    assert_error(client.get(f"{BASE}/nothing.xml"), "xml", 404)
    assert_error(client.delete(f"{BASE}/services.json"), "json", 405)


# --- creating requests --------------------------------------------------------------------


def _form(**overrides):
    data = {
        "service_code": "ROAD-POTHOLE",
        "lat": "25.047675",
        "long": "121.517055",
        "address_string": "臺北市中正區重慶南路一段122號",
        "description": "總統府前路面有大坑洞\n機車經過很危險",
        "email": "citizen@example.invalid",
        "first_name": "小明",
        "last_name": "王",
        "phone": "0912345678",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_partner_app_creates_a_request_that_enters_the_workflow(client, org, partner, fmt):
    app, key = partner
    created_events = []

    def receiver(sender, case, event, context, **kwargs):
        created_events.append((event.kind, context.get("password")))

    case_event_recorded.connect(receiver)
    try:
        response = client.post(f"{BASE}/requests.{fmt}", _form(api_key=key))
    finally:
        case_event_recorded.disconnect(receiver)

    assert response.status_code == 201
    body = parse(response)
    row = body[0] if fmt == "json" else xml_rows(body, "request")[0]
    case = Case.objects.get(number=row["service_request_id"])
    assert row["token"]
    assert case.channel == Channel.OPEN311 and case.external_ref == f"open311:{app.pk}"
    assert case.subject == "總統府前路面有大坑洞"
    assert case.district == "中正區" and str(case.lat) == "25.047675"
    assert case.petitioner.name == "王小明" and case.petitioner.email == "citizen@example.invalid"
    # The normal workflow: routed by category, acknowledged through the `created` event.
    assert case.state == State.DISPATCHED and case.department == org.road
    assert created_events[0][0] == "created" and created_events[0][1]
    ack = Notification.objects.get(case=case, template="case_acknowledged")
    assert (ack.channel, ack.recipient_address) == ("email", "citizen@example.invalid")
    app.refresh_from_db()
    assert app.requests_created == 1 and app.last_used_at is not None

    token_body = parse(client.get(f"{BASE}/tokens/{row['token']}.{fmt}"))
    token_row = token_body[0] if fmt == "json" else xml_rows(token_body, "request")[0]
    assert token_row == {"service_request_id": case.number, "token": row["token"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token_is_a_404(client, db, fmt):
    assert_error(client.get(f"{BASE}/tokens/nope.{fmt}"), fmt, 404, "token not found")


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_without_a_valid_api_key_is_a_403(client, org, partner, fmt):
    app, key = partner
    assert_error(client.post(f"{BASE}/requests.{fmt}", _form()), fmt, 403, "api_key was not provided")
    assert_error(client.post(f"{BASE}/requests.{fmt}", _form(api_key="o311_wrong")), fmt, 403, "Invalid api_key")
    PartnerApp.objects.filter(pk=app.pk).update(active=False)
    assert_error(client.post(f"{BASE}/requests.{fmt}", _form(api_key=key)), fmt, 403, "Invalid api_key")
    assert not Case.objects.exists()


def test_guessing_api_keys_is_refused_with_429_after_the_failure_limit(client, org, partner, settings):
    settings.OPEN311_KEY_MAX_FAILURES = 3
    app, key = partner
    for _ in range(3):
        assert_error(client.post(f"{BASE}/requests.json", _form(api_key="o311_guess")), "json", 403, "Invalid api_key")
    # From then on even the right key waits: the address is refused, not the key.
    response = client.post(f"{BASE}/requests.json", _form(api_key=key))
    assert_error(response, "json", 429, "Too many invalid api_key attempts")
    assert 0 < int(response["Retry-After"]) <= settings.OPEN311_KEY_FAILURE_WINDOW_SECONDS
    assert not Case.objects.exists()
    # Another client address is not affected.
    other = client.post(f"{BASE}/requests.json", _form(api_key=key), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 201


def test_a_forged_x_forwarded_for_does_not_reset_the_key_guessing_limit(client, org, partner, settings):
    settings.OPEN311_KEY_MAX_FAILURES = 3
    settings.CASESYS_TRUSTED_PROXIES = []
    app, key = partner
    for i in range(3):
        response = client.post(f"{BASE}/requests.json", _form(api_key="o311_guess"), HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert_error(response, "json", 403, "Invalid api_key")
    response = client.post(f"{BASE}/requests.json", _form(api_key=key), HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert_error(response, "json", 429, "Too many invalid api_key attempts")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_partner_over_its_rate_gets_429_and_no_case(client, org, partner, settings, fmt):
    settings.OPEN311_POST_PER_MINUTE = 2
    app, key = partner
    assert [client.post(f"{BASE}/requests.{fmt}", _form(api_key=key)).status_code for _ in range(2)] == [201, 201]
    response = client.post(f"{BASE}/requests.{fmt}", _form(api_key=key))
    assert_error(response, fmt, 429, "Too many requests with this api_key")
    assert 0 < int(response["Retry-After"]) <= 60
    assert Case.objects.count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"service_code": None}, "service_code was not provided"),
        ({"service_code": "NOPE"}, "service_code not found"),
        ({"lat": None, "long": None, "address_string": None}, "A location is required"),
        ({"long": None}, "lat and long must be given together"),
        ({"lat": "95"}, "lat is out of range"),
        ({"long": "east"}, "long is not a number"),
        ({"description": "  "}, "description was not provided"),
        ({"email": "not-an-email"}, "email is not a valid address"),
    ],
)
def test_post_with_bad_parameters_is_a_400_and_creates_nothing(client, org, partner, fmt, overrides, message):
    _, key = partner
    response = client.post(f"{BASE}/requests.{fmt}", _form(api_key=key, **overrides))
    assert_error(response, fmt, 400, message)
    assert not Case.objects.exists()


def test_post_with_address_only_is_accepted(client, org, partner):
    _, key = partner
    response = client.post(f"{BASE}/requests.json", _form(api_key=key, lat=None, long=None, email=None))
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.lat is None and case.address == "臺北市中正區重慶南路一段122號"


def test_admin_issues_a_key_shown_once(admin_client, org):
    admin_client.force_login(org.admin)
    response = admin_client.post(
        "/admin/open311/partnerapp/add/", {"name": "公民報修", "organisation": "", "contact_email": "", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    app = PartnerApp.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(m.split("api_key = ")[1] for m in shown if "api_key = " in m)
    assert key.startswith(app.key_hint) and app.key_hash != key
    from casesys.open311.services import partner_authenticate

    assert partner_authenticate(key, client="127.0.0.1") == app
