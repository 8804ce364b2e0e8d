"""A citizen in a real browser: the mailbox keeps what was typed after an error; the link in
the acknowledgement opens the case without the password; the citizen adds information and a
photo (補充陳情) and the officer sees it on the case page and in the notifications; a
forgotten password is re-issued to the e-mail on record, never shown. axe on every page."""

from __future__ import annotations

import re

import pytest

from casesys.cases import services
from casesys.cases.models import Case
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_deliver
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
EMAIL = "lin.citizen@example.invalid"


def _png(name: str) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def test_a_citizen_opens_the_link_adds_to_the_case_and_recovers_the_password(
    live_server, org, new_page, problems, settings
):
    base = live_server.url
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "PUBLIC_BASE_URL": base, "KICK": False}

    # --- the mailbox: an error keeps the text and names the file to choose again -------------
    citizen = new_page()
    citizen.set_default_timeout(90_000)
    citizen.goto(f"{base}/mailbox/")
    citizen.select_option("#id_category", str(org.mailbox.pk))
    citizen.fill("#id_subject", "中山路二段人行道破損")
    citizen.fill("#id_description", "人行道地磚翹起，長者容易絆倒。")
    citizen.set_input_files("#id_attachments", files=[_png("sidewalk.png")])
    citizen.select_option("#id_district", "中山區")
    citizen.fill("#id_name", "林小姐")
    citizen.fill("#id_email", EMAIL)
    citizen.click("main button[type=submit]")  # the personal-data notice not accepted
    assert citizen.input_value("#id_subject") == "中山路二段人行道破損"
    assert citizen.input_value("#id_description") == "人行道地磚翹起，長者容易絆倒。"
    assert citizen.input_value("#id_district") == "中山區" and citizen.input_value("#id_email") == EMAIL
    assert "sidewalk.png" in citizen.inner_text("#dropped-files")
    assert_accessible(citizen)
    citizen.set_input_files("#id_attachments", files=[_png("sidewalk.png")])
    citizen.check("#id_privacy")
    citizen.click("main button[type=submit]")
    number = citizen.inner_text("#case-number").strip()
    case = Case.objects.get(number=number)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=Case.objects.get(pk=case.pk), by=org.officer)

    # --- the link in the acknowledgement, on another device: no password asked ---------------
    ack = Notification.objects.get(case=case, template="case_acknowledged")
    link = re.search(r"http\S+/open/\?token=\S+", ack.body).group(0)
    phone = new_page()
    phone.goto(link)
    assert phone.url == f"{base}/status/{number}/"  # the token left the address bar
    assert number in phone.inner_text("h1") and "中山路二段人行道破損" in phone.inner_text("#status-subject")
    assert_accessible(phone)

    # --- 補充陳情: an empty form is an error; then text and a photo ---------------------------
    phone.click("#supplement-form button[type=submit]")
    assert "請填寫補充內容或選擇附件" in phone.inner_text("#supplement-form")
    assert_accessible(phone)
    phone.fill("#id_text", "今天又有人跌倒，補上照片。")
    phone.set_input_files("#supplement-form #id_attachments", files=[_png("fall.png")])
    phone.click("#supplement-form button[type=submit]")
    assert "已收到您的補充資料" in phone.inner_text(".messages")
    assert "您已補充陳情資料" in phone.inner_text(".timeline")

    # --- the officer sees it on the case page and in the notifications -----------------------
    row = Notification.objects.get(template="staff_case_supplement", recipient_user=org.officer)
    assert notification_deliver(notification_id=row.pk, now=row.next_attempt_at) == "sent"
    desk = new_page()
    login(desk, base, "officer")
    desk.goto(f"{base}/desk/cases/{number}/")
    assert "今天又有人跌倒" in desk.inner_text(".timeline") and "民眾補充陳情" in desk.inner_text(".timeline")
    assert "fall.png" in desk.inner_text("#h-att + ul")
    desk.goto(f"{base}/desk/notifications/")
    assert number in desk.inner_text("main") and ("民眾補充陳情" in desk.inner_text("main"))

    # --- a damaged link: a clear page with the number and password form ----------------------
    stranger = new_page()
    stranger.goto(link[:-4] + "AAAA")
    assert "此連結無效" in stranger.inner_text("h1") and stranger.input_value("#id_number") == number
    assert_accessible(stranger)

    # --- forgotten password: sent to the e-mail on record, never shown -----------------------
    other = new_page()
    other.goto(f"{base}/status/")
    other.click("#forgot-password")
    other.click("main button[type=submit]")  # empty: errors
    assert_accessible(other)
    other.fill("#id_number", number)
    other.fill("#id_contact", EMAIL.upper())
    other.click("main button[type=submit]")
    assert "新的查詢密碼已寄至" in other.inner_text(".messages")
    reset = Notification.objects.get(case=case, template="case_password_reset")
    assert reset.channel == "email" and reset.recipient_address == EMAIL
    new_password = reset.context["password"]
    assert new_password not in other.content()
    other.fill("#id_password", new_password)  # the number is filled in already
    other.click("main button[type=submit]")
    assert other.url == f"{base}/status/{number}/"

    # The forms answered with errors on purpose (400): Chromium logs each such response.
    unexpected = [e for e in problems.errors if "status of 400 (Bad Request)" not in e]
    assert not unexpected, unexpected
