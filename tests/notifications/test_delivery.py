from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casesys.notifications.models import Notification
from casesys.notifications.services import (
    backoff_seconds,
    notification_deliver,
    notification_enqueue,
    notifications_deliver_due,
    notify_staff,
)
from casesys.workcal.calendar import TAIPEI

pytestmark = pytest.mark.django_db

OFFICE = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TAIPEI)


def _row(**kwargs):
    params = {"channel": "fake", "template": "case_reply", "recipient_address": "x", "context": {"number": "CS-1", "reply": "ok"}}
    params.update(kwargs)
    return notification_enqueue(**params)


def test_temporary_errors_retry_with_exponential_backoff_then_succeed(fake_transport, settings):
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "BACKOFF_SECONDS": 30}
    fake_transport.script = ["temp", "temp", None]
    row = _row()

    assert notification_deliver(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    first_wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert row.status == "pending" and row.attempts == 1 and "503" in row.last_error
    assert 25 <= first_wait <= 35
    assert notification_deliver(notification_id=row.pk) == "skipped"  # not due yet

    moment = row.next_attempt_at
    assert notification_deliver(notification_id=row.pk, now=moment) == "retry"
    row.refresh_from_db()
    second_wait = (row.next_attempt_at - moment).total_seconds()
    assert 50 <= second_wait <= 70  # doubled

    assert notification_deliver(notification_id=row.pk, now=row.next_attempt_at) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(fake_transport.delivered) == 1


def test_permanent_error_stops_at_once(fake_transport):
    fake_transport.script = ["perm"]
    row = _row()

    assert notification_deliver(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "400" in row.last_error
    assert notifications_deliver_due(now=timezone.now() + dt.timedelta(days=1))["sent"] == 0
    assert fake_transport.calls == 1


def test_too_many_temporary_errors_give_up(fake_transport, settings):
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "MAX_ATTEMPTS": 2}
    fake_transport.script = ["temp", "temp", "temp"]
    row = _row()
    notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    assert notification_deliver(notification_id=row.pk, now=row.next_attempt_at) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 2


def test_backoff_grows_and_is_capped(settings):
    settings.CASESYS_NOTIFICATIONS = {**settings.CASESYS_NOTIFICATIONS, "BACKOFF_SECONDS": 30, "BACKOFF_MAX_SECONDS": 3600}
    assert 27 <= backoff_seconds(1) <= 33
    assert 108 <= backoff_seconds(3) <= 132
    assert backoff_seconds(20) <= 3600 * 1.1


def test_a_row_is_claimed_by_one_sender_only(fake_transport):
    row = _row()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", claimed_until=timezone.now() + dt.timedelta(minutes=5), attempts=1
    )
    assert notification_deliver(notification_id=row.pk) == "skipped"
    assert fake_transport.calls == 0


def test_sweep_takes_over_a_send_whose_worker_died(fake_transport):
    row = _row()
    # A worker claimed it and vanished: its lease ran out.
    Notification.objects.filter(pk=row.pk).update(
        status="sending", claimed_until=timezone.now() - dt.timedelta(seconds=1), attempts=1
    )
    stats = notifications_deliver_due()
    row.refresh_from_db()
    assert stats["sent"] == 1 and row.status == "sent" and row.attempts == 2
    assert fake_transport.delivered == [(str(row.key), fake_transport.delivered[0][1])]


def test_office_hours_rows_are_held_outside_office_hours(fake_transport):
    night = dt.datetime(2026, 11, 25, 20, 0, tzinfo=TAIPEI)
    row = _row(office_hours_only=True, now=night)
    assert row.next_attempt_at == dt.datetime(2026, 11, 26, 8, 30, tzinfo=TAIPEI)
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=night)  # even if due…
    assert notification_deliver(notification_id=row.pk, now=night) == "skipped"  # …it waits
    assert notification_deliver(notification_id=row.pk, now=OFFICE + dt.timedelta(days=1)) == "sent"


def test_citizen_messages_do_not_wait_for_office_hours(fake_transport):
    night = dt.datetime(2026, 11, 25, 23, 0, tzinfo=TAIPEI)
    row = _row(now=night)
    assert notification_deliver(notification_id=row.pk, now=night) == "sent"


def test_dedupe_key_queues_a_message_once(fake_transport):
    assert _row(dedupe_key="k1") is not None
    assert _row(dedupe_key="k1") is None
    assert Notification.objects.filter(dedupe_key="k1").count() == 1


def test_email_transport_sends_with_idempotency_headers(org):
    from django.core import mail

    row = notification_enqueue(
        channel="email", template="case_reply", recipient_address="a@example.invalid", context={"number": "CS-9", "reply": "好"}
    )
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{row.key}@casesys>"
    assert mail.outbox[0].to == ["a@example.invalid"]


def test_unknown_channel_fails_permanently():
    row = notification_enqueue(channel="pigeon", template="case_reply", context={"number": "CS-1"})
    assert notification_deliver(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert "pigeon" in row.last_error


def test_a_row_with_finished_text_and_no_template_files_is_sent_as_stored(fake_transport):
    row = _row(template="lead_digest_custom", subject="[輿情摘要] 3 則", body="三則新線索")
    assert (row.subject, row.body) == ("[輿情摘要] 3 則", "三則新線索")
    assert notification_deliver(notification_id=row.pk) == "sent"
    assert fake_transport.delivered[0][1] == "三則新線索"


def test_a_template_without_files_or_text_fails_permanently(fake_transport):
    row = _row(template="no_such_template")
    assert notification_deliver(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert "no_such_template" in row.last_error and fake_transport.calls == 0


# --- staff messages: in-app, with an e-mail copy made at delivery ---------------------------


def _staff_message(user, key="digest:1"):
    row = notify_staff(user=user, template="reminder_due_today", context={"number": "CS-7"}, dedupe_key=key, now=OFFICE)
    assert row.channel == "inapp" and row.email_copy and row.office_hours_only
    return row


def _mail_to(address):
    from django.core import mail

    return [m for m in mail.outbox if m.to == [address]]


def test_staff_message_is_emailed_to_the_address_the_user_has_when_it_is_delivered(org):
    user = org.officer_light
    user.email = "old@example.invalid"
    user.save(update_fields=["email"])
    row = _staff_message(user)
    user.email = "new@example.invalid"  # changed while the message waited for office hours
    user.save(update_fields=["email"])

    assert notification_deliver(notification_id=row.pk, now=OFFICE) == "sent"
    copy = Notification.objects.get(channel="email", recipient_user=user)
    assert copy.dedupe_key == f"digest:1:{user.pk}:email" and not copy.office_hours_only
    assert notification_deliver(notification_id=copy.pk, now=OFFICE) == "sent"

    [message] = _mail_to("new@example.invalid")
    assert "CS-7" in message.body and not _mail_to("old@example.invalid")


def test_email_copy_is_queued_once_even_if_the_in_app_row_is_delivered_again(org, fake_transport):
    user = org.officer_light
    user.email = "light@example.invalid"
    user.save(update_fields=["email"])
    row = _staff_message(user)
    assert notification_deliver(notification_id=row.pk, now=OFFICE) == "sent"
    # A worker that died after marking it sent but before acknowledging runs it again.
    Notification.objects.filter(pk=row.pk).update(status="sending", claimed_until=OFFICE - dt.timedelta(seconds=1))
    notifications_deliver_due(now=OFFICE)
    assert Notification.objects.filter(channel="email", recipient_user=user).count() == 1


def test_no_email_copy_without_an_address_or_for_a_deactivated_user(org):
    user = org.officer_light
    user.email = ""
    user.save(update_fields=["email"])
    first = _staff_message(user, key="a")
    assert notification_deliver(notification_id=first.pk, now=OFFICE) == "sent"

    user.email, user.is_active = "gone@example.invalid", False
    user.save(update_fields=["email", "is_active"])
    second = _staff_message(user, key="b")
    assert notification_deliver(notification_id=second.pk, now=OFFICE) == "sent"

    assert not Notification.objects.filter(channel="email", recipient_user=user).exists()
    assert Notification.objects.filter(channel="inapp", recipient_user=user, status="sent").count() == 2
