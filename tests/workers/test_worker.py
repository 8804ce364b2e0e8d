"""Real `celery worker` processes on the real Redis broker (and beat on the embedded broker)."""

from __future__ import annotations

import datetime as dt
import signal
import time

import pytest
from django.utils import timezone

from casesys.cases.models import Case
from casesys.cases.services import case_accept
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_enqueue
from casesys.reminders.defaults import ensure_default_rules
from casesys.reminders.models import Reminder
from casesys.workcal.calendar import WorkCalendar, local_date
from casesys.workcal.models import CalendarOverride
from tests.factories import new_case
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SCAN = "casesys.reminders.tasks.scan_deadlines"
SWEEP = "casesys.notifications.tasks.deliver_due_notifications"


def _overdue_cases(org, n: int) -> list[Case]:
    cases = []
    for _ in range(n):
        case, _pw = new_case(org, category=org.lights)
        case_accept(case=case, by=org.officer_light)
        Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
        cases.append(case)
    return cases


def _succeeded(proc, task: str) -> int:
    return sum(1 for line in proc.text().splitlines() if task in line and "succeeded" in line)


def test_due_case_yields_exactly_one_reminder_when_two_scans_run_concurrently(org, start_worker):
    from casesys.reminders.tasks import scan_deadlines

    ensure_default_rules()
    cases = _overdue_cases(org, 12)
    # Small batches: each scan takes several transactions, so the two really interleave.
    worker = start_worker(concurrency=2, env={"CASESYS_REMINDER_BATCH": "2"})

    scan_deadlines.delay()
    scan_deadlines.delay()
    wait_for(lambda: _succeeded(worker, SCAN) >= 2, timeout=40, what="two scans")

    for case in cases:
        assert list(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == ["overdue"]
    # Officer and supervisor, in-app only (no e-mail addresses): two messages per case.
    assert Notification.objects.filter(template="escalation_overdue").count() == 2 * len(cases)
    assert Notification.objects.filter(template="escalation_overdue", recipient_user=org.supervisor).count() == len(cases)


def test_reminders_wait_for_office_hours(org, start_worker):
    from casesys.notifications.tasks import deliver_due_notifications
    from casesys.reminders.tasks import scan_deadlines

    ensure_default_rules()
    today = local_date(timezone.now())
    # The office is closed today (a typhoon day), whatever time the test runs at.
    CalendarOverride.objects.create(date=today, is_working_day=False, reason="颱風停班")
    (case,) = _overdue_cases(org, 1)
    worker = start_worker(env={"CASESYS_OFFICE_HOURS": "00:00-23:59:59"})

    scan_deadlines.delay()
    wait_for(lambda: _succeeded(worker, SCAN) >= 1, timeout=30, what="scan")
    rows = Notification.objects.filter(case=case, template="escalation_overdue")
    assert rows.count() == 2  # detected at once…
    deliver_due_notifications.delay()
    wait_for(lambda: _succeeded(worker, SWEEP) >= 1, timeout=30, what="sweep")
    assert set(rows.values_list("status", flat=True)) == {"pending"}  # …but nobody is messaged
    expected = WorkCalendar.load().next_working_day(today)
    assert all(local_date(r.next_attempt_at) == expected for r in rows)

    # The office opens: today becomes a working day and the clock reaches the opening time.
    CalendarOverride.objects.filter(date=today).update(is_working_day=True, reason="恢復上班")
    rows.update(next_attempt_at=timezone.now())
    deliver_due_notifications.delay()
    wait_for(lambda: set(rows.values_list("status", flat=True)) == {"sent"}, timeout=30, what="delivery")


def test_worker_killed_mid_send_delivers_after_restart_exactly_once(org, start_worker, fake_receiver):
    fake_receiver.hang_first.set()  # the first delivery is received, then the answer stalls
    first = start_worker()

    notification = notification_enqueue(
        channel="fake", template="case_reply", recipient_address="U123", context={"number": "CS-1151122-00001", "reply": "已修復"}
    )  # committed (transaction=True): the send task is published now
    wait_for(lambda: len(fake_receiver.keys()) >= 1, timeout=30, what="first delivery attempt")
    first.kill(signal.SIGKILL)  # the whole worker, mid-send
    notification.refresh_from_db()
    assert notification.status == "sending"
    assert list(fake_receiver.delivered) == [str(notification.key)]

    fake_receiver.release.set()
    start_worker()
    # acks_late + visibility timeout: Redis hands the unacknowledged task to the new worker,
    # which takes over the row once the dead worker's lease has run out.
    wait_for(lambda: Notification.objects.get(pk=notification.pk).status == "sent", timeout=40, what="redelivery")

    notification.refresh_from_db()
    assert notification.attempts == 2
    assert fake_receiver.keys() == [str(notification.key)] * 2  # sent twice, same key
    assert list(fake_receiver.delivered) == [str(notification.key)]  # received once


def test_temporary_failures_back_off_and_permanent_ones_stop(org, start_worker, fake_receiver):
    fake_receiver.script = [503, 503]
    start_worker()

    flaky = notification_enqueue(channel="fake", template="case_reply", recipient_address="U1", context={"number": "CS-1", "reply": "a"})
    wait_for(lambda: Notification.objects.get(pk=flaky.pk).status == "sent", timeout=40, what="retries")
    flaky.refresh_from_db()
    assert flaky.attempts == 3
    t1, t2, t3 = fake_receiver.times(str(flaky.key))
    assert t2 - t1 >= 0.85  # 1 s ±10 %
    assert t3 - t2 >= 1.7 and t3 - t2 > t2 - t1  # 2 s: exponential

    fake_receiver.script = [400]
    broken = notification_enqueue(channel="fake", template="case_reply", recipient_address="U2", context={"number": "CS-2", "reply": "b"})
    wait_for(lambda: Notification.objects.get(pk=broken.pk).status == "failed", timeout=30, what="permanent failure")
    time.sleep(3)
    broken.refresh_from_db()
    assert broken.status == "failed" and broken.attempts == 1 and "400" in broken.last_error
    assert fake_receiver.times(str(broken.key)).__len__() == 1
    assert str(broken.key) not in fake_receiver.delivered


def test_worker_and_beat_run_together_on_the_embedded_broker(org, start_worker, start_beat, tmp_path, settings):
    from workers.schedule import sync_schedule

    embedded = {"CELERY_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"}
    # The sweep every second instead of 15 s; beat keeps an existing row's interval.
    sync_schedule(entries=[{"name": "notifications: deliver due outbox rows", "task": SWEEP, "every": 1}])
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "KICK": False}  # only beat may send it
    start_worker(env=embedded)
    beat = start_beat(env=embedded)

    row = notification_enqueue(channel="fake", template="case_reply", recipient_address="U9", context={"number": "CS-9", "reply": "c"})
    wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent", timeout=45, what="delivery via beat → sweep")
    assert "DatabaseScheduler" in beat.text()
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="casesys.reminders.tasks.scan_deadlines").exists()  # synced on beat start
