"""E-mail attachments named in a notification's context, built at delivery by a registered builder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from casesys.notifications.attachments import Attachment, register_attachment
from casesys.notifications.models import Notification
from casesys.notifications.services import notification_enqueue, notifications_deliver_due

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 11, 4, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _mail(context: dict) -> Notification:
    return notification_enqueue(
        channel="email", template="custom_text", subject="報表", body="請見附件", recipient_address="a@example.invalid",
        context=context, now=NOW,
    )


def test_a_registered_builder_makes_the_file_from_the_stored_context():
    register_attachment("test_csv", lambda *, context, spec, language: Attachment(
        spec["filename"], f"day,{context['day']}\n".encode(), "text/csv"
    ))
    row = _mail({"day": "2025-11-03", "attachments": [{"builder": "test_csv", "filename": "r.csv"}]})

    notifications_deliver_due(now=NOW)

    [message] = mail.outbox
    assert message.attachments == [("r.csv", "day,2025-11-03\n", "text/csv")]
    row.refresh_from_db()
    assert row.status == "sent"


def test_an_unknown_builder_fails_the_message_rather_than_send_it_without_its_file():
    row = _mail({"attachments": [{"builder": "no_such_builder"}]})

    notifications_deliver_due(now=NOW)

    row.refresh_from_db()
    assert row.status == "failed" and "no_such_builder" in row.last_error
    assert mail.outbox == []
