"""A worker is SIGKILLed in the middle of a reminder batch; after a restart every reminder is
sent, none twice.

Own redis-server as the broker, a real Celery worker (prefork) against the test database,
and a stand-in mail relay that records each accepted message's Message-ID (the outbox
row's idempotency key). The whole worker process group is killed, as when its machine dies.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from casesys.cases import services
from casesys.cases.models import Case
from casesys.notifications.models import Notification
from casesys.reminders.defaults import ensure_default_rules
from casesys.reminders.models import Reminder
from casesys.workcal.calendar import local_date
from casesys.workcal.models import CalendarOverride
from tests.factories import new_case
from tests.resilience import relay
from tests.resilience.support import (
    CeleryWorker,
    RedisServer,
    base_env,
    database_url_of,
    print_logs,
    publish,
    scaled,
    wait_until,
)

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 2


def overdue_cases(org, n: int) -> None:
    org.officer.email = "officer@example.invalid"
    org.officer.save(update_fields=["email"])
    org.supervisor.email = "supervisor@example.invalid"
    org.supervisor.save(update_fields=["email"])
    for _ in range(n):
        case, _ = new_case(org)
        services.case_dispatch(case=case, department=org.road, by=org.intake)
        services.case_accept(case=case, by=org.officer)
    # Due a day ago: the level-1 overdue escalation (officer and supervisor) is due now.
    Case.objects.update(due_at=timezone.now() - dt.timedelta(days=1))


def office_open_now() -> None:
    """Messages wait for office hours: make today and tomorrow working days for the test."""
    today = local_date(timezone.now())
    for day in (today, today + dt.timedelta(days=1)):
        CalendarOverride.objects.update_or_create(date=day, defaults={"is_working_day": True, "reason": "resilience test"})


def test_sigkilled_worker_mid_batch_every_reminder_sent_none_twice(org, tmp_path, settings):
    ensure_default_rules()
    office_open_now()
    # The office is open all day here too, as in the workers' environment below: the staff
    # notices that dispatching and accepting queue in this process are due at once, whatever
    # the hour the suite runs at.
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "OFFICE_HOURS": "00:00-23:59:59"}
    overdue_cases(org, scaled(15, 40))
    relay_log = tmp_path / "relay.jsonl"
    redis = RedisServer().start()
    first = second = None
    try:
        env = base_env(
            DATABASE_URL=database_url_of(connection.settings_dict),
            REDIS_URL=redis.url,
            CELERY_BROKER_URL=redis.url,
            CASESYS_VAR_DIR=str(tmp_path / "var"),
            EMAIL_BACKEND="tests.resilience.relay.RelayEmailBackend",
            CASESYS_TEST_RELAY_LOG=str(relay_log),
            CASESYS_TEST_RELAY_DELAY="0.15",
            CASESYS_OFFICE_HOURS="00:00-23:59:59",
            # A killed worker's claims and unacknowledged messages come back within seconds
            # (production: minutes); tasks here are far shorter than these.
            CASESYS_NOTIFY_CLAIM_SECONDS="4",
            CELERY_VISIBILITY_TIMEOUT="8",
            CELERY_UNACKED_RESTORE_INTERVAL="2",
            CASESYS_NOTIFY_BATCH="10",
        )
        first = CeleryWorker(env=env, log_dir=tmp_path, name="worker1", concurrency=CONCURRENCY).start()
        first.wait_ready()

        publish(redis.url, "casesys.reminders.tasks.scan_deadlines")
        wait_until(lambda: Reminder.objects.exists(), timeout=60, what="the deadline scan to queue reminders")
        # One transaction per scan batch: once a reminder is visible, its notifications are too.
        # Each is an in-app message whose delivery queues its e-mail copy; the citizens'
        # acknowledgements from intake are e-mails already.
        copies = Notification.objects.filter(channel="inapp", email_copy=True).count()
        assert copies >= 2 * scaled(15, 40)  # officer and supervisor per case
        expected_count = copies + Notification.objects.filter(channel="email").count()
        for _ in range(CONCURRENCY):
            publish(redis.url, "casesys.notifications.tasks.deliver_due_notifications")

        # Kill the whole worker once part of the batch is out.
        wait_until(lambda: len(relay.accepted(str(relay_log))) >= expected_count // 3, timeout=120, what="a third of the batch")
        first.kill(signal.SIGKILL)
        at_kill = set(relay.accepted(str(relay_log)))
        assert 0 < len(at_kill) < expected_count, "the kill must land in the middle of the batch"
        time.sleep(1)

        second = CeleryWorker(env=env, log_dir=tmp_path, name="worker2", concurrency=CONCURRENCY).start()
        second.wait_ready()

        def all_sent() -> bool:
            # Beat would publish the sweep every 15 s; here every 3 s to keep the test short.
            if not Notification.objects.exclude(status="sent").exists():
                return True
            publish(redis.url, "casesys.notifications.tasks.deliver_due_notifications")
            return False

        wait_until(all_sent, timeout=180, interval=3, what="every reminder to be sent after the restart")

        # An in-app row is marked sent in the transaction that queues its copy: all are there.
        expected = {f"<{key}@casesys>" for key in Notification.objects.filter(channel="email").values_list("key", flat=True)}
        assert len(expected) == expected_count
        attempts = relay.accepted(str(relay_log))
        delivered = Counter(attempts)
        # Every reminder e-mail reached the relay, and only reminders did.
        assert set(delivered) == expected
        # None twice: a message is re-sent only if the worker died between the relay accepting
        # it and the row being marked sent: at most the messages in flight at the kill, which
        # the relay recognises by Message-ID (the notification key).
        resent = {mid: n for mid, n in delivered.items() if n > 1}
        assert all(n == 2 for n in resent.values()) and len(resent) <= CONCURRENCY, resent
        assert set(resent) <= at_kill
        # In-app rows and the reminders themselves: each exactly once, all delivered.
        assert not Notification.objects.exclude(status="sent").exists()
        keys = list(Notification.objects.values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys))
        reminders = list(Reminder.objects.values_list("case_id", "kind", "level", "due_for"))
        assert len(reminders) == len(set(reminders))
    except BaseException:
        print_logs(first, second)
        raise
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
        redis.close()
