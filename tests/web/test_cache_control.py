"""Answers that carry identity or a one-time password say `Cache-Control: no-store, private`:
no shared proxy, and no browser back button on a shared PC, may keep them."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casesys.cases.models import Case
from casesys.inbound.services import lead_record
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def assert_no_store(response) -> None:
    directives = {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (response.status_code, response.get("Cache-Control"))


def test_mailbox_success_page_with_the_password(org):
    c = Client()
    letter = {
        "category": str(org.mailbox.pk), "subject": "路燈不亮", "description": "巷口路燈不亮",
        "address": "中山區中山路二段10號", "district": "中山區", "name": "王小明", "phone": "0912345678",
        "email": "", "privacy": "on", "website": "",
    }
    assert_no_store(c.post("/mailbox/", letter))
    done = c.get("/mailbox/done/")
    assert Case.objects.get().number in done.content.decode()
    assert_no_store(done)
    # The form sent back with errors repeats the citizen's name and phone.
    bad = c.post("/mailbox/", {**letter, "privacy": ""})
    assert bad.status_code == 400 and "王小明" in bad.content.decode()
    assert_no_store(bad)


def test_status_lookup_status_page_and_survey(org):
    case, password = new_case(org)
    c = Client()
    assert_no_store(c.get("/status/"))
    assert_no_store(c.post("/status/", {"number": case.number, "password": "wrong"}))
    assert_no_store(c.post("/status/", {"number": case.number, "password": password}))
    page = c.get(f"/status/{case.number}/")
    assert page.status_code == 200
    assert_no_store(page)
    assert_no_store(c.post(f"/status/{case.number}/survey/", {"score": "9"}))
    assert_no_store(c.post(f"/status/{case.number}/forget/"))


def test_api_track_answers_and_errors(org):
    case, password = new_case(org)
    ok = APIClient().post("/api/v1/track/", {"number": case.number, "password": password}, format="json")
    assert ok.status_code == 200
    assert_no_store(ok)
    assert_no_store(APIClient().post("/api/v1/track/", {"number": case.number, "password": "x"}, format="json"))


def test_api_intake_with_the_password_for_a_token_client(org):
    token = Token.objects.create(user=org.intake)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {
        "channel": "phone", "category": "ROAD-POTHOLE", "subject": "中正路坑洞", "description": "中正路100號前有大坑洞",
        "petitioner": {"name": "王小明", "phone": "0912345678"},
    }
    resp = client.post("/api/v1/cases/", body, format="json")
    assert resp.status_code == 201 and resp.json()["password"]
    assert_no_store(resp)


def test_api_case_detail_reveal_and_leads(org):
    case, _ = new_case(org)
    client = APIClient()
    client.force_authenticate(org.admin)
    assert_no_store(client.get(f"/api/v1/cases/{case.number}/"))
    reveal = client.post(f"/api/v1/cases/{case.number}/reveal/")
    assert reveal.status_code == 200
    assert_no_store(reveal)
    lead_record(source="line", external_id="m1", text="路燈壞了", sender_id="U1", sender_name="林里長")
    assert_no_store(client.get("/api/v1/leads/"))


def test_desk_pages_case_detail_reveal_intake_and_leads(org):
    case, _ = new_case(org)
    c = Client()
    c.force_login(org.admin)
    assert_no_store(c.get(f"/desk/cases/{case.number}/"))
    reveal = c.post(f"/desk/cases/{case.number}/reveal/", HTTP_HX_REQUEST="true")
    assert reveal.status_code == 200
    assert_no_store(reveal)
    lead_record(source="line", external_id="m1", text="路燈壞了", sender_id="U1", sender_name="林里長")
    assert_no_store(c.get("/desk/leads/"))

    intake = Client()
    intake.force_login(org.intake)
    resp = intake.post(
        "/desk/intake/new/",
        {"channel": "phone", "category": org.mailbox.pk, "subject": "公車站建議", "description": "希望增設候車亭", "name": "陳大文"},
        follow=True,
    )
    assert "查詢密碼" in resp.content.decode()  # the success page shows the password
    assert_no_store(resp)
    # …and the password never travels in a cookie (flash messages live in the session).
    redirect = resp.redirect_chain[0][0]
    assert redirect and "messages" not in intake.cookies


def test_public_answers_stay_cacheable_and_do_not_vary_on_the_cookie(org):
    resp = Client().get("/open311/v2/services.json")
    assert resp.status_code == 200
    assert "no-store" not in resp.get("Cache-Control", "")
    assert "Cookie" not in resp.get("Vary", "")
