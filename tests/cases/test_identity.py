"""Personal data in the description of a confidential case: masked like the petitioner
fields, in the API and on the case page, until an audited reveal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from casesys.cases.identity import PERSONAL_DATA_PATTERNS, mask_personal_data
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
]

# Numbers that are not personal data stay as they are.
UNTOUCHED = [
    "案號CS-1151122-00001已答復",
    "中山路二段10號前",
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


def test_known_strings_are_masked_and_the_catalogue_is_named():
    assert mask_personal_data("我是王小明，住大安區信義路三段5號", known=["王小明", "大安區信義路三段5號"]) == (
        "我是○○○，住○○○○○○○○○○"
    )
    assert {p.name for p in PERSONAL_DATA_PATTERNS} >= {"email", "national_id", "mobile", "landline"}


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
    event = CaseEvent.objects.get(case=case, kind="identity_revealed")
    assert event.actor == org.supervisor and "description" in event.changes["fields"]


@pytest.mark.django_db
def test_api_reveal_returns_the_original_description(org):
    case = confidential_case(org)
    r = _client(org.admin).post(f"/api/v1/cases/{case.number}/reveal/")
    assert r.status_code == 200 and r.json()["description"] == DESCRIPTION
    assert CaseEvent.objects.filter(case=case, kind="identity_revealed", actor=org.admin).count() == 1


@pytest.mark.django_db
def test_description_of_an_ordinary_case_is_shown_as_written(org):
    case, _ = new_case(org, category=org.lights, description=DESCRIPTION)
    body = _client(org.supervisor).get(f"/api/v1/cases/{case.number}/").json()
    assert body["description"] == DESCRIPTION
