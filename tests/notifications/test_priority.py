"""Citizen notices go ahead of staff mail: claimed first, sent through their own queue."""

from __future__ import annotations

import datetime as dt

import pytest

from casesys.notifications import services
from casesys.notifications.models import Notification
from casesys.notifications.services import (
    notification_enqueue,
    notifications_deliver_due,
    notify_staff,
)
from casesys.workcal.calendar import TAIPEI
from tests.factories import new_case
from tests.notifications.fakes import ScriptedTransport

pytestmark = pytest.mark.django_db

OFFICE = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TAIPEI)


def _staff_row(org, i: int, *, now: dt.datetime) -> Notification:
    return notification_enqueue(
        channel="fake", template="staff_notice", recipient_user=org.officer_light, recipient_address=f"staff-{i}",
        subject="提醒 / Reminder", body=f"staff {i}", now=now,
    )


def _citizen_row(*, now: dt.datetime, body: str = "citizen") -> Notification:
    return notification_enqueue(
        channel="fake", template="citizen_notice", recipient_address="U-citizen", subject="受理 / Received", body=body, now=now,
    )


def test_sweep_sends_a_citizen_notice_before_older_staff_mail(org, fake_transport, settings):
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "BATCH": 2}
    staff = [_staff_row(org, i, now=OFFICE - dt.timedelta(minutes=10 - i)) for i in range(3)]
    citizen = _citizen_row(now=OFFICE - dt.timedelta(minutes=1))

    stats = notifications_deliver_due(now=OFFICE)  # one batch of two

    assert stats["sent"] == 2
    assert [body for _key, body in fake_transport.delivered] == ["citizen", "staff 0"]
    assert Notification.objects.get(pk=citizen.pk).status == "sent"
    assert [Notification.objects.get(pk=row.pk).status for row in staff] == ["sent", "pending", "pending"]


class ArrivingCitizenTransport(ScriptedTransport):
    """Sending the first staff message, a citizen's notice commits meanwhile."""

    def send(self, notification) -> None:
        super().send(notification)
        if notification.body == "staff 0":
            _citizen_row(now=OFFICE, body="citizen arrived mid-batch")


def test_citizen_notice_committed_during_a_staff_batch_goes_next(org, fake_transport, settings):
    settings.CASESYS_CHANNELS = {**settings.CASESYS_CHANNELS, "fake": {"transport": f"{__name__}.ArrivingCitizenTransport"}}
    for i in range(4):
        _staff_row(org, i, now=OFFICE - dt.timedelta(minutes=10 - i))

    notifications_deliver_due(now=OFFICE)

    assert [body for _key, body in fake_transport.delivered] == [
        "staff 0", "citizen arrived mid-batch", "staff 1", "staff 2", "staff 3",
    ]


def test_citizen_rows_are_kicked_on_their_own_queue_and_staff_rows_on_theirs(org, monkeypatch, django_capture_on_commit_callbacks):
    published: list[str] = []
    monkeypatch.setattr(services, "publish_best_effort", lambda task, calls: published.append(task.name) or 0)

    with django_capture_on_commit_callbacks(execute=True):
        case, _password = new_case(org)  # the acknowledgement, by e-mail
        _staff_row(org, 1, now=OFFICE)

    ack = Notification.objects.get(case=case, template="case_acknowledged")
    assert ack.priority == Notification.Priority.CITIZEN
    assert published == [
        "casesys.notifications.tasks.send_citizen_notification",
        "casesys.notifications.tasks.send_notification",
    ]
    from workers.celery import app

    def queue_of(name: str) -> str:
        return app.amqp.router.route({}, name)["queue"].name

    assert queue_of("casesys.notifications.tasks.send_citizen_notification") == "notifications_citizen"
    assert queue_of("casesys.notifications.tasks.send_notification") == "notifications"
    assert "notifications_citizen" in {queue.name for queue in app.conf.task_queues}


def test_staff_messages_and_their_email_copies_stay_behind_citizen_notices(org, fake_transport):
    org.officer_light.email = "officer@example.invalid"
    org.officer_light.save(update_fields=["email"])
    row = notify_staff(
        user=org.officer_light, template="staff_notice", context={}, dedupe_key="prio-test", now=OFFICE,
    )
    Notification.objects.filter(pk=row.pk).update(body="提醒 / Reminder")
    assert row.priority == Notification.Priority.STAFF

    notifications_deliver_due(now=OFFICE)

    copy = Notification.objects.get(channel="email", recipient_user=org.officer_light)
    assert copy.priority == Notification.Priority.STAFF
