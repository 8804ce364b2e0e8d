"""A citizen's acknowledgement is not queued behind staff mail (issue 15, "Priority")."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from casesys.notifications.models import Notification
from casesys.notifications.services import notification_enqueue
from casesys.workcal.calendar import local_date
from casesys.workcal.models import CalendarOverride
from tests.factories import new_case
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STAFF_MESSAGES = 1000
ALWAYS_OPEN = "00:00-23:59:59"


def test_citizen_acknowledgement_overtakes_a_thousand_queued_staff_messages(org, start_worker, fake_receiver, settings):
    # The office is open whenever the test runs, so the staff backlog really is being sent.
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "OFFICE_HOURS": ALWAYS_OPEN}
    CalendarOverride.objects.create(date=local_date(timezone.now()), is_working_day=True, reason="測試 / test")
    fake_receiver.delay = 0.1  # a slow relay: the backlog takes over a minute to drain
    start_worker(concurrency=2, env={"CASESYS_OFFICE_HOURS": ALWAYS_OPEN, "FAKE_EMAIL_TO_RECEIVER": "1"})

    with transaction.atomic():  # one commit: 1,000 send tasks land in the queue at once
        for i in range(STAFF_MESSAGES):
            notification_enqueue(
                channel="fake", template="staff_notice", recipient_user=org.officer_light, recipient_address=f"staff-{i}",
                subject="逾期提醒 / Overdue reminder", body=f"案件提醒 {i}", office_hours_only=True,
            )
    staff = Notification.objects.filter(template="staff_notice")
    assert set(staff.values_list("priority", flat=True)) == {Notification.Priority.STAFF}
    wait_for(lambda: len(fake_receiver.keys()) >= 10, timeout=30, what="the staff backlog to start draining")

    case, password = new_case(org)  # the web intake commits; its acknowledgement is queued
    committed = time.monotonic()

    def acknowledgement_arrived() -> bool:
        return any(case.number in body and "citizen@example.invalid" in body for body in fake_receiver.bodies())

    wait_for(acknowledgement_arrived, timeout=10, interval=0.1, what="the citizen's acknowledgement")
    assert time.monotonic() - committed <= 10
    ack = Notification.objects.get(case=case, template="case_acknowledged")
    assert ack.priority == Notification.Priority.CITIZEN
    mail = next(body for body in fake_receiver.bodies() if case.number in body)
    assert password in mail  # what the citizen needs to follow the case
    # It went ahead: most of the staff mail queued before it is still waiting.
    assert staff.filter(status__in=["pending", "sending"]).count() > STAFF_MESSAGES // 2
