"""Personal data never reaches a public output: Open311 (JSON and XML), the citizen's status
page and track API, the chat status reply and the open-data CSV all go through the one
scrubber (`identity.scrub_public`); confidential cases show at most the district."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from casesys.cases import services
from casesys.cases.models import Case
from integrations.common.chat import case_status_text
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=TPE)

TEXT = "我是王小明，身分證A123456789，電話0912.345.678，住中正路100號3樓"
REPLY = "王小明先生您好：您（身分證A123456789，電話0912.345.678）反映中正路100號3樓前路燈不亮，已修復。"
SECRETS = ("王小明", "A123456789", "0912.345.678", "345.678", "100號", "3樓")
PETITIONER = {"name": "王小明", "phone": "0912345678", "email": "wang@example.invalid"}


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def _case(org, **kwargs) -> tuple[Case, str]:
    params = {"category": org.lights, "subject": TEXT, "description": TEXT, "petitioner": PETITIONER}
    params.update(kwargs)
    return new_case(org, **params)


def _close(org, case: Case, reply: str = REPLY) -> Case:
    services.case_accept(case=case, by=org.officer_light)
    services.case_submit_reply(case=case, reply=reply, by=org.officer_light)
    services.case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    return case


def _status_page(case: Case, password: str) -> str:
    c = Client()
    assert c.post("/status/", {"number": case.number, "password": password}).status_code == 302
    return c.get(f"/status/{case.number}/").content.decode()


def _track(case: Case, password: str) -> dict:
    resp = Client().post("/api/v1/track/", {"number": case.number, "password": password}, content_type="application/json")
    assert resp.status_code == 200
    return resp.json()


def _open311(case: Case, fmt: str) -> tuple[str, dict]:
    resp = Client().get(f"/open311/v2/requests/{case.number}.{fmt}")
    assert resp.status_code == 200
    text = resp.content.decode()
    if fmt == "json":
        return text, json.loads(text)[0]
    row = ET.fromstring(resp.content).find("request")
    return text, {child.tag: (child.text or "") for child in row}


# --- Open311 -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_request_shows_no_identifier_from_the_description(org, fmt):
    case, _ = _case(org)
    text, row = _open311(case, fmt)
    assert_clean(text)
    assert row["description"].startswith("我是○○○，身分證A○○○○○○○○○，電話09xx-xxx-678，住中正路○號")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_status_notes_scrub_the_reply(org, fmt):
    case = _close(org, _case(org)[0])
    text, row = _open311(case, fmt)
    assert_clean(text)
    assert "中正路○號前路燈不亮，已修復" in row["status_notes"]


def test_open311_request_list_is_scrubbed_too(org):
    with time_machine.travel(T0, tick=False):
        _case(org)
        resp = Client().get("/open311/v2/requests.json")
    assert resp.status_code == 200 and len(resp.json()) == 1
    assert_clean(resp.content.decode())


@pytest.mark.parametrize(
    "address, shown",
    [("中山路10號新竹市", "○○○"), ("重慶南路一段122號", "○○○"), ("臺北市中正區重慶南路一段122號", "臺北市中正區○○○")],
)
def test_open311_confidential_request_shows_at_most_the_district_and_no_coordinates(org, address, shown):
    case, _ = _case(org, confidential=True, location={"address": address, "lat": "25.04", "lng": "121.51"})
    text, row = _open311(case, "json")
    assert row["address"] == shown
    assert row["lat"] is None and row["long"] is None and row["description"] == ""
    assert "10號" not in text and "122號" not in text


# --- the citizen's status page, track API and chat status -----------------------------------


def test_status_page_shows_no_identifier_from_the_subject_or_reply(org):
    case, password = _case(org)
    _close(org, case)
    page = _status_page(case, password)
    assert_clean(page)
    assert "住中正路○號" in page and "中正路○號前路燈不亮，已修復" in page


def test_track_api_reply_shows_no_identifier(org):
    case, password = _case(org)
    _close(org, case)
    body = _track(case, password)
    assert_clean(json.dumps(body, ensure_ascii=False))
    assert "中正路○號前路燈不亮，已修復" in body["reply"]


def test_transferred_agency_typed_by_staff_is_scrubbed_on_the_status_page_and_track(org):
    case, password = new_case(org)
    services.case_transfer(case=case, agency="新北市政府 承辦人手機0912.345.678", reason="轄區", by=org.intake)
    page = _status_page(case, password)
    tracked = json.dumps(_track(case, password), ensure_ascii=False)
    for seen in (page, tracked):
        assert "0912.345.678" not in seen and "345.678" not in seen
    assert "新北市政府 承辦人手機09xx-xxx-678" in page


def test_chat_status_reply_shows_no_identifier(org):
    case = _close(org, _case(org)[0])
    reply = case_status_text(case)
    assert_clean(reply)
    assert "中正路○號前路燈不亮" in reply


# --- personal data kept per case, shown to staff ---------------------------------------------


def test_confidential_petitioners_address_shows_at_most_the_district_to_staff(org):
    case, _ = _case(org, petitioner={**PETITIONER, "address": "中山路10號新竹市", "confidential": True})
    c = Client()
    c.force_login(org.supervisor)
    body = c.get(f"/api/v1/cases/{case.number}/").json()
    assert body["petitioner"]["address"] == "○○○"
    assert "10號" not in json.dumps(body["petitioner"], ensure_ascii=False)
    assert_clean(body["description"])


# --- open data -------------------------------------------------------------------------------


def test_open_data_csv_publishes_only_a_district_name(org):
    with time_machine.travel(dt.datetime(2025, 10, 6, 9, 0, tzinfo=TPE), tick=False):
        # An API client put the whole address into the district field (any 20 characters).
        _case(org, location={"address": "中正路100號3樓", "district": "中正路100號3樓"})
        new_case(org, location={"address": "中正區重慶南路一段122號", "district": "中正區"})
    with time_machine.travel(dt.datetime(2025, 11, 2, 9, 0, tzinfo=TPE), tick=False):
        resp = Client().get("/open-data/cases-2025-10.csv")
        text = b"".join(resp.streaming_content).decode("utf-8")
    assert resp.status_code == 200
    assert_clean(text)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(r["行政區"] for r in rows) == ["", "中正區"]


# --- repeat filing, from the citizen's side ---------------------------------------------------


def test_repeat_of_another_petitioners_case_shows_their_reply_nowhere(org):
    bob = {"name": "陳大華", "phone": "0987654321", "email": "bob@example.invalid"}
    with time_machine.travel(T0, tick=False):
        earlier = _close(org, new_case(org, category=org.lights, petitioner=bob)[0], "陳大華先生您好，府內已派員修復您家門前路燈。")
    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        case, password = new_case(org, petitioner=PETITIONER)
        services.case_file(case=case, reason_code="repeat", repeat_of=earlier, by=org.intake)
        case.refresh_from_db()
        seen = {
            "status page": _status_page(case, password),
            "track": json.dumps(_track(case, password), ensure_ascii=False),
            "chat": case_status_text(case),
            "open311": _open311(case, "json")[0],
            "notice": case.notifications.get(template="case_filed", recipient_user__isnull=True).body,
        }
    for where, text in seen.items():
        assert "陳大華" not in text and "府內已派員修復" not in text and earlier.number not in text, where
