from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.cases.models import Case
from casesys.cases.services import case_accept, case_approve, case_submit_reply
from casesys.notifications.models import Notification
from casesys.reminders.digests import overdue_digests_send, weekly_summaries_send
from casesys.workcal.calendar import TAIPEI, end_of_day
from tests.factories import new_case

pytestmark = pytest.mark.django_db

WEDNESDAY_0840 = dt.datetime(2026, 11, 25, 8, 40, tzinfo=TAIPEI)


def _overdue(org, category, officer, day=24):
    case, _ = new_case(org, category=category)
    case_accept(case=case, by=officer)
    Case.objects.filter(pk=case.pk).update(due_at=end_of_day(dt.date(2026, 11, day)))
    return case


def test_daily_digest_lists_all_overdue_cases_in_one_message_per_supervisor(org):
    a = _overdue(org, org.lights, org.officer_light)
    b = _overdue(org, org.pothole, org.officer, day=20)
    overdue_digests_send(now=WEDNESDAY_0840)
    overdue_digests_send(now=WEDNESDAY_0840)  # a second run the same day sends nothing new

    rows = Notification.objects.filter(template="digest_overdue", recipient_user=org.supervisor, channel="inapp")
    assert rows.count() == 1
    body = rows.get().body
    assert a.number in body and b.number in body and "2 件" in body
    assert not Notification.objects.filter(template="digest_overdue", recipient_user=org.supervisor_epb).exists()


def test_daily_digest_skips_days_off(org):
    _overdue(org, org.lights, org.officer_light)
    saturday = dt.datetime(2026, 11, 28, 8, 40, tzinfo=TAIPEI)
    assert overdue_digests_send(now=saturday).skipped
    assert not Notification.objects.filter(template="digest_overdue").exists()


def test_weekly_summary_counts_the_departments_cases(org):
    last_week = dt.datetime(2026, 11, 18, 10, 0, tzinfo=TAIPEI)
    closed = _overdue(org, org.lights, org.officer_light, day=30)
    case_submit_reply(case=closed, reply="已修復。", by=org.officer_light)
    case_approve(case=closed, by=org.supervisor)
    Case.objects.filter(pk=closed.pk).update(received_at=last_week, closed_at=last_week + dt.timedelta(hours=3), on_time=True)
    late = _overdue(org, org.pothole, org.officer)
    Case.objects.filter(pk=late.pk).update(received_at=last_week)
    monday = dt.datetime(2026, 11, 23, 8, 50, tzinfo=TAIPEI)

    weekly_summaries_send(now=monday)
    weekly_summaries_send(now=monday)

    rows = Notification.objects.filter(template="summary_weekly", recipient_user=org.supervisor, channel="inapp")
    assert rows.count() == 1
    body = rows.get().body
    assert "工務局" in body and "2026-11-16～2026-11-22" in body
    assert "新收 2 件；結案 1 件，其中依限 1 件（依限率 100%）" in body
    assert timezone.localtime(rows.get().next_attempt_at) >= monday
