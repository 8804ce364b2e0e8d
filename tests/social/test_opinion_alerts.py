"""A lead about an existing case alerts the supervisor on duty at once, once per lead and case."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from casesys.cases.models import Case
from casesys.inbound.models import Lead
from casesys.inbound.services import lead_record
from casesys.notifications.models import Notification
from casesys.notifications.services import notifications_deliver_due
from casesys.social import receivers
from casesys.social.alerts import case_numbers_in, lead_alerts_check
from casesys.social.clock import lead_clock_scan
from casesys.social.models import DutyShift, LeadAlert
from tests.factories import new_case

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
MONDAY_10AM = dt.datetime(2025, 11, 3, 10, 0, tzinfo=TPE)
SATURDAY_NIGHT = dt.datetime(2025, 11, 8, 22, 0, tzinfo=TPE)


def _case(org, **kwargs) -> Case:
    with time_machine.travel(MONDAY_10AM, tick=False):
        case, _password = new_case(org, category=org.lights, **kwargs)
    return case


def _lead(external_id: str, text: str, *, at: dt.datetime, **fields) -> Lead:
    with time_machine.travel(at, tick=False):
        lead, _created = lead_record(source="facebook", external_id=external_id, text=text, **fields)
    return lead


def _alerts_to(user):
    return Notification.objects.filter(recipient_user=user, template="lead_alert", channel="inapp")


def test_case_numbers_are_found_in_full_width_and_lower_case_too():
    text = "案號ＣＳ－１１４１１０３－０００１２還沒處理，另外 cs-1141104-00003 也是；1234-1141104-000031 不是"
    assert case_numbers_in(text) == ["CS-1141103-00012", "CS-1141104-00003"]


def test_a_lead_naming_a_case_number_alerts_the_supervisor_on_duty_at_once_and_once(org):
    case = _case(org)
    org.supervisor_epb.email = "duty@example.invalid"
    org.supervisor_epb.save()
    DutyShift.objects.create(
        user=org.supervisor_epb, starts_at=SATURDAY_NIGHT - dt.timedelta(hours=4), ends_at=SATURDAY_NIGHT + dt.timedelta(hours=8)
    )
    lead = _lead("c1", f"我陳情的 {case.number} 到現在都沒人處理，電話0912345678", at=SATURDAY_NIGHT, sender_name="王小明")

    [alert] = lead_alerts_check(lead_id=lead.pk, now=SATURDAY_NIGHT)
    assert lead_alerts_check(lead_id=lead.pk, now=SATURDAY_NIGHT) == []
    lead_clock_scan(now=SATURDAY_NIGHT + dt.timedelta(minutes=10))  # the backstop finds nothing left to check

    assert (alert.case, alert.kind, alert.recipients) == (case, "mention", [org.supervisor_epb.pk])
    [row] = Notification.objects.filter(template="lead_alert")
    # Not held until Monday morning like other staff messages.
    assert row.recipient_user == org.supervisor_epb and not row.office_hours_only
    assert row.next_attempt_at == SATURDAY_NIGHT

    notifications_deliver_due(now=SATURDAY_NIGHT)
    notifications_deliver_due(now=SATURDAY_NIGHT)
    [message] = [m for m in mail.outbox if m.to == ["duty@example.invalid"]]
    assert message.subject == f"[輿情警示] 網路輿情提及案件 {case.number}"
    assert f"一則Facebook線索提及案件 {case.number}。" in message.body
    assert "中山路路燈不亮" in message.body and "/desk/cases/" in message.body
    # The poster's phone number and name do not travel by e-mail.
    assert "0912345678" not in message.body and "王小明" not in message.body
    assert _alerts_to(org.supervisor).count() == 0  # the department's supervisor: only without a duty


def test_the_alert_check_runs_after_the_lead_commits(org, monkeypatch, django_capture_on_commit_callbacks):
    case = _case(org)
    published = []
    monkeypatch.setattr(receivers, "publish_best_effort", lambda task, calls: published.append((task.name, list(calls))))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead = _lead("c1", f"{case.number} 怎麼還沒修", at=MONDAY_10AM)
    assert published == []  # nothing while the lead's transaction is open

    for callback in callbacks:
        callback()
    assert published == [("casesys.social.tasks.check_lead_alerts", [(lead.pk,)])]

    from casesys.social.tasks import check_lead_alerts

    assert check_lead_alerts(lead.pk) == 1
    assert check_lead_alerts(lead.pk) == 0


def test_with_nobody_on_duty_the_case_departments_supervisors_are_alerted(org):
    case = _case(org)  # 路燈科, under 工務局's supervisor
    DutyShift.objects.create(
        user=org.supervisor_epb, starts_at=MONDAY_10AM - dt.timedelta(days=3), ends_at=MONDAY_10AM - dt.timedelta(days=2)
    )
    lead = _lead("c1", f"{case.number} 怎麼還沒修", at=MONDAY_10AM)

    lead_alerts_check(lead_id=lead.pk, now=MONDAY_10AM)

    assert _alerts_to(org.supervisor).count() == 1
    assert _alerts_to(org.supervisor_epb).count() == 0


def test_a_lead_about_the_place_of_an_open_overdue_case_alerts(org):
    late = _case(org, subject="路燈故障", location={"address": "中山區民生路二段10號", "district": "中山區"})
    on_time = _case(org, subject="路燈故障", location={"address": "大安區民生路5號", "district": "大安區"})
    Case.objects.filter(pk=late.pk).update(due_at=MONDAY_10AM + dt.timedelta(days=1))
    Case.objects.filter(pk=on_time.pk).update(due_at=MONDAY_10AM + dt.timedelta(days=30))
    now = MONDAY_10AM + dt.timedelta(days=3)
    lead = _lead("c1", "中山區民生路那邊晚上一片黑，講了好幾次都沒用", at=now)

    [alert] = lead_alerts_check(lead_id=lead.pk, now=now)

    assert (alert.case, alert.kind, alert.why) == (late, "overdue_match", "place")
    [row] = _alerts_to(org.supervisor)
    assert row.subject == f"[輿情警示] 網路輿情疑涉逾期案件 {late.number}"
    assert "同一地點" in row.body and "已逾期" in row.body


def test_a_lead_worded_like_an_open_overdue_case_alerts_but_not_like_a_closed_or_current_one(org):
    late = _case(org, subject="公園溜滑梯斷裂", location={})
    current = _case(org, subject="市場垃圾堆積", location={})
    Case.objects.filter(pk=late.pk).update(due_at=MONDAY_10AM + dt.timedelta(hours=1))
    now = MONDAY_10AM + dt.timedelta(days=1)
    lead = _lead("c1", "公園溜滑梯斷裂好久了，小朋友差點受傷！市場也很臭", at=now)

    alerts = lead_alerts_check(lead_id=lead.pk, now=now)

    assert [(a.case, a.why) for a in alerts] == [(late, "keywords")]
    assert current not in {a.case for a in LeadAlert.objects.all()}


def test_unrelated_chatter_alerts_nobody(org):
    case = _case(org)
    Case.objects.filter(pk=case.pk).update(due_at=MONDAY_10AM)
    now = MONDAY_10AM + dt.timedelta(days=1)
    lead = _lead("c1", "今天天氣很好，大家出門走走", at=now)

    assert lead_alerts_check(lead_id=lead.pk, now=now) == []
    lead.refresh_from_db()
    assert lead.alerts_checked_at == now
    assert not Notification.objects.filter(template="lead_alert").exists()
