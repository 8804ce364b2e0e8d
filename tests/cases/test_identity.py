"""Personal data in the description of a confidential case: masked like the petitioner
fields, in the API and on the case page, until an audited reveal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from casesys.cases.events import CaseEventKind
from casesys.cases.identity import PERSONAL_DATA_PATTERNS, mask_address, mask_personal_data
from casesys.cases.models import CaseEvent
from tests.factories import new_case

# (text, what must disappear, what the masked text must contain)
SPELLINGS = [
    # 身分證字號
    ("身分證字號A123456789", "A123456789", "身分證字號A○○○○○○○○○"),
    ("ID: F223456789.", "F223456789", "ID: F○○○○○○○○○."),
    ("我的身分證是a123456789", "a123456789", "是a○○○○○○○○○"),
    ("身分證Ａ１２３４５６７８９號", "Ａ１２３４５６７８９", "身分證Ａ○○○○○○○○○號"),
    # 居留證號: old format (two letters) and the 2021 format (8/9 as the second character)
    ("居留證AB12345678", "AB12345678", "居留證A○○○○○○○○○"),
    ("居留證號碼 FC87654321，", "FC87654321", "居留證號碼 F○○○○○○○○○，"),
    ("新式居留證A812345678", "A812345678", "新式居留證A○○○○○○○○○"),
    ("新式居留證A912345678請查", "A912345678", "A○○○○○○○○○請查"),
    # mobiles
    ("手機0912-345-678", "345-678", "手機09xx-xxx-678"),
    ("手機0912 345 678", "345 678", "手機09xx-xxx-678"),
    ("手機0912345678謝謝", "0912345678", "手機09xx-xxx-678謝謝"),
    ("call +886 912 345 678 please", "912 345", "call 09xx-xxx-678 please"),
    ("+886-912-345-678", "912-345", "09xx-xxx-678"),
    ("886912345678", "886912345678", "09xx-xxx-678"),
    ("手機０９１２－３４５－６７８", "３４５", "手機09xx-xxx-678"),
    ("手機０９１２３４５６７８", "０９１２３４５６７８", "09xx-xxx-678"),
    ("TEL0912.345.678", "0912.345", "TEL09xx-xxx-678"),
    ("(0912)345-678", "345-678", "09xx-xxx-678"),
    ("+886 (0)912-345-678", "912-345", "09xx-xxx-678"),
    # landlines
    ("市話(02)2345-6789", "2345-6789", "市話02xxxxx789"),
    ("市話（02）2345 6789", "2345 6789", "02xxxxx789"),
    ("02-2345-6789#123", "2345-6789", "02xxxxx789#xxx"),
    ("02-2345-6789 分機 123", "2345-6789", "02xxxxx789#xxx"),
    ("電話：049-2345678", "2345678", "電話：04xxxxx678"),
    ("0223456789", "0223456789", "02xxxxx789"),
    ("苗栗037-123456", "123456", "苗栗03xxxx456"),
    ("屏東08-8123456", "8123456", "屏東08xxxx456"),
    ("+886-2-2345-6789", "2345-6789", "02xxxxx789"),
    ("（０２）２３４５－６７８９", "２３４５", "02xxxxx789"),
    # e-mail addresses
    ("信箱wang.xiaoming@example.com請回覆", "wang.xiaoming@", "信箱w○○○@example.com請回覆"),
    ("寄到 a+b@mail.example.org", "a+b@", "寄到 a○○○@mail.example.org"),
    ("ｗａｎｇ＠example.com", "ｗａｎｇ＠", "w○○○@example.com"),
    ("e-mail: wang_xm@gmail.com", "wang_xm", "e-mail: w○○○@gmail.com"),
    # more spellings of the same numbers
    ("身分證號碼:a123456789", "a123456789", ":a○○○○○○○○○"),
    ("居留證號A812345678。", "A812345678", "A○○○○○○○○○。"),
    ("+886.912.345.678", "912.345", "09xx-xxx-678"),
    ("手機 0912 345678", "345678", "手機 09xx-xxx-678"),
    ("09１2-345-678", "345-678", "09xx-xxx-678"),
    ("Tel 02 2345 6789 ext. 123", "2345 6789", "Tel 02xxxxx789#xxx"),
    ("電話 (02) 2345-6789 分機123", "2345-6789", "電話 02xxxxx789#xxx"),
    ("886-2-23456789", "23456789", "02xxxxx789"),
    ("（02）2345.6789", "2345.6789", "02xxxxx789"),
    # house numbers in addresses: lane, alley and number masked, floor and room dropped
    ("住中正路100號3樓", "100號", "住中正路○號"),
    ("中山路二段10號前", "10號", "中山路二段○號前"),
    ("中正路100巷5弄3號2樓之1", "100巷", "中正路○巷○弄○號"),
    ("福和里3鄰中正路100之1號B1", "3鄰", "福和里○鄰中正路○號"),
    ("光復南路１２０號５樓", "１２０號", "光復南路○號"),
    ("中正路100號3F", "3F", "中正路○號"),
    ("重慶南路一段122號8樓801室", "801室", "重慶南路一段○號"),
    ("中正路一百號", "一百號", "中正路○號"),
    ("中正路100巷口", "100巷", "中正路○巷口"),
]

# Numbers that are not personal data stay as they are.
UNTOUCHED = [
    "案號CS-1151122-00001已答復",
    "三月十號下午",
    "捷運3號出口",
    "民權東路6段",
    "2026年3月6日下午3點",
    "路燈編號 12345",
    "統計 123456789 件",
]


@pytest.mark.parametrize("text, gone, expected", SPELLINGS)
def test_personal_data_is_masked_in_every_spelling(text, gone, expected):
    masked = mask_personal_data(text)
    assert gone not in masked
    assert expected in masked


@pytest.mark.parametrize("text", UNTOUCHED)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


# Address masking: at most the county/city and district at the start of the address.
ADDRESSES = [
    ("臺北市中正區重慶南路一段122號", "臺北市中正區○○○"),
    ("新北市板橋區中山路一段161號", "新北市板橋區○○○"),
    ("花蓮縣花蓮市中山路100號", "花蓮縣花蓮市○○○"),
    ("彰化縣員林鎮中山路二段10號", "彰化縣員林鎮○○○"),
    ("嘉義縣阿里山鄉中正村1號", "嘉義縣阿里山鄉○○○"),
    ("大安區信義路三段5號", "大安區○○○"),
    ("100臺北市中正區重慶南路一段122號", "臺北市中正區○○○"),
    ("臺北市市府路1號", "臺北市○○○"),
    # no district at the start: masked whole
    ("重慶南路一段122號", "○○○"),
    ("中山路10號新竹市", "○○○"),
    ("10號中正區", "○○○"),
    ("", ""),
]


@pytest.mark.parametrize("address, expected", ADDRESSES)
def test_address_keeps_at_most_the_district_at_its_start(address, expected):
    assert mask_address(address) == expected


def test_known_strings_are_masked_and_the_catalogue_is_named():
    assert mask_personal_data("我是王小明，住大安區信義路三段5號", known=["王小明", "大安區信義路三段5號"]) == (
        "我是○○○，住○○○○○○○○○○"
    )
    assert {p.name for p in PERSONAL_DATA_PATTERNS} >= {"email", "national_id", "mobile", "landline", "house_number"}


# --- where staff see it ------------------------------------------------------------------

DESCRIPTION = "我是王小明，身分證A123456789，手機0912-345-678，信箱wang@example.invalid，路燈不亮。"
SECRETS = ("A123456789", "0912-345-678", "wang@example.invalid", "王小明")


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def confidential_case(org, **kwargs):
    case, _ = new_case(
        org,
        category=org.lights,
        description=DESCRIPTION,
        petitioner={"name": "王小明", "phone": "0912345678", "email": "wang@example.invalid", "confidential": True},
        **kwargs,
    )
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "admin", "officer_light"])
def test_api_detail_masks_the_description_of_a_confidential_case(org, role):
    case = confidential_case(org)
    body = _client(getattr(org, role)).get(f"/api/v1/cases/{case.number}/").json()
    for secret in SECRETS:
        assert secret not in body["description"]
    assert "A○○○○○○○○○" in body["description"] and "09xx-xxx-678" in body["description"]
    assert "w○○○@example.invalid" in body["description"] and "路燈不亮" in body["description"]


@pytest.mark.django_db
def test_case_page_masks_the_description_and_reveal_shows_the_original_audited(org):
    case = confidential_case(org)
    supervisor = _client(org.supervisor)
    html = supervisor.get(f"/desk/cases/{case.number}/").content.decode()
    for secret in SECRETS:
        assert secret not in html
    assert "內容中的身分證字號、電話與電子郵件已遮蔽" in html
    # Without the dedicated permission, no reveal.
    assert supervisor.post(f"/desk/cases/{case.number}/reveal/").status_code == 403

    org.supervisor.user_permissions.add(Permission.objects.get(codename="reveal_confidential"))
    resp = _client(org.supervisor).post(f"/desk/cases/{case.number}/reveal/", HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert DESCRIPTION in html and 'id="case-description" hx-swap-oob="true"' in html
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.IDENTITY_REVEALED)
    assert event.actor == org.supervisor and "description" in event.changes["fields"]


@pytest.mark.django_db
def test_api_reveal_returns_the_original_description(org):
    case = confidential_case(org)
    r = _client(org.admin).post(f"/api/v1/cases/{case.number}/reveal/")
    assert r.status_code == 200 and r.json()["description"] == DESCRIPTION
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.IDENTITY_REVEALED, actor=org.admin).count() == 1


@pytest.mark.django_db
def test_description_of_an_ordinary_case_is_shown_as_written(org):
    case, _ = new_case(org, category=org.lights, description=DESCRIPTION)
    body = _client(org.supervisor).get(f"/api/v1/cases/{case.number}/").json()
    assert body["description"] == DESCRIPTION
