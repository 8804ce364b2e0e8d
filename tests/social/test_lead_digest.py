"""Daily digest of new leads per source to subscribed staff (through the notification outbox)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from casesys.inbound.services import lead_record
from casesys.notifications.models import Notification
from casesys.social.models import LeadDigestSubscription
from casesys.social.services import lead_digest_send
from casesys.social.tasks import send_lead_digest

TPE = ZoneInfo("Asia/Taipei")
DAY = dt.date(2025, 11, 3)


def _leads():
    with time_machine.travel(dt.datetime(2025, 11, 3, 9, 0, tzinfo=TPE), tick=False):
        lead_record(source="facebook", external_id="c1", text="巷口路燈壞了", url="https://www.facebook.com/c1")
        lead_record(source="feed", external_id="f1", text="…", title="中山路路燈連三晚不亮")
        lead_record(source="feed", external_id="f2", text="…", title="市場垃圾堆積")
    with time_machine.travel(dt.datetime(2025, 11, 4, 0, 30, tzinfo=TPE), tick=False):
        lead_record(source="line", external_id="l1", text="隔天才來的線索")


def test_digest_counts_new_leads_per_source_for_each_subscriber(org):
    org.supervisor.email = "supervisor@example.invalid"
    org.supervisor.save()
    org.analyst.email = ""
    org.analyst.save()
    LeadDigestSubscription.objects.create(user=org.supervisor)
    LeadDigestSubscription.objects.create(user=org.analyst, sources=["feed"])
    LeadDigestSubscription.objects.create(user=org.officer, active=False)
    _leads()

    sent = lead_digest_send(day=DAY)

    by_user = {n.recipient_user: n for n in sent}
    assert set(by_user) == {org.supervisor, org.analyst}
    mail = by_user[org.supervisor]
    # A staff message like any other: in-app, its delivery e-mails the copy.
    assert mail.channel == "inapp" and mail.email_copy and mail.office_hours_only
    assert mail.subject.startswith("[輿情摘要] 2025-11-03 新增線索 3 則") and "Lead digest" not in mail.subject
    assert "■ Facebook：1 則" in mail.body and "■ 新聞與 PTT：2 則" in mail.body
    assert "  - 中山路路燈連三晚不亮" in mail.body
    assert "  - 巷口路燈壞了  https://www.facebook.com/c1" in mail.body
    assert "請至線索清單分類處理：http" in mail.body and "/desk/leads/" in mail.body
    assert "new leads" not in mail.body  # the reader's language only
    from casesys.notifications.services import rendered_preview

    _subject, english = rendered_preview("lead_digest", mail.context, language="en")
    assert "2025-11-03: 3 new leads" in english and "■ News and PTT feeds: 2 leads" in english and "新聞" not in english
    assert "隔天才來的線索" not in mail.body
    analyst = by_user[org.analyst]
    assert analyst.context["counts"] == {"feed": 2}
    assert "2025-11-03 新增線索 2 則" in analyst.body and "巷口路燈壞了" not in analyst.body


def test_digest_waits_for_office_hours_like_other_staff_messages(org):
    LeadDigestSubscription.objects.create(user=org.supervisor)
    _leads()
    saturday_night = dt.datetime(2025, 11, 8, 22, 0, tzinfo=TPE)

    with time_machine.travel(saturday_night, tick=False):
        [mail] = lead_digest_send(day=DAY, now=saturday_night)

    assert mail.next_attempt_at > saturday_night
    assert mail.next_attempt_at.astimezone(TPE).weekday() < 5


def test_digest_is_queued_once_per_day_and_skipped_when_empty(org):
    LeadDigestSubscription.objects.create(user=org.supervisor)
    assert lead_digest_send(day=DAY) == []
    _leads()

    assert send_lead_digest(DAY.isoformat()) == 1
    assert send_lead_digest(DAY.isoformat()) == 0
    assert Notification.objects.filter(template="lead_digest").count() == 1


def test_digest_e_mail_carries_no_senders_personal_data(org):
    org.supervisor.email = "supervisor@example.invalid"
    org.supervisor.save()
    LeadDigestSubscription.objects.create(user=org.supervisor)
    with time_machine.travel(dt.datetime(2025, 11, 3, 9, 0, tzinfo=TPE), tick=False):
        lead_record(
            source="line", external_id="p1", sender_name="林志明", text="林志明：路燈壞了，電話0912.345.678，福和路100號前"
        )

    [mail] = lead_digest_send(day=DAY)

    for secret in ("林志明", "0912.345.678", "100號"):
        assert secret not in mail.body
    assert "路燈壞了，電話09xx-xxx-678，福和路○號前" in mail.body
