"""A slow media download holds no transaction and no row lock (the fake APIs check it from
their own thread, with their own database connection, while the download is in flight)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from casesys.cases.models import Attachment, Case
from casesys.inbound.models import InboundEvent
from integrations.common.processing import process_inbound_event
from tests.integrations.conftest import line_body, line_event, sample
from tests.integrations.fakes import FAKE_JPEG

pytestmark = pytest.mark.django_db(transaction=True)


def row_lock_free(event_id: int) -> bool:
    """From another connection: can the event row be locked right now?"""
    try:
        with transaction.atomic():
            list(InboundEvent.objects.select_for_update(nowait=True).filter(pk=event_id))
        return True
    except DatabaseError:
        return False
    finally:
        connection.close()  # this thread's connection, not the test's


def watching(server, method: str, pattern: str, body: bytes, content_type: str) -> list[bool]:
    """Answer `pattern` with `body`, first noting whether the pending event's row is free."""
    seen: list[bool] = []

    def respond(recorded, match):
        event = InboundEvent.objects.get(status="pending")
        seen.append(row_lock_free(event.pk))
        return 200, body, content_type

    server.route(method, pattern, respond)
    return seen


@pytest.fixture
def in_atomic_during_download(monkeypatch):
    """Wraps the connectors' download calls: was a transaction open when they ran?"""
    from integrations.line import client as line_client
    from integrations.telegram import client as telegram_client

    seen: list[bool] = []
    for module, name in ((line_client, "download_content"), (telegram_client, "download_file")):
        original = getattr(module, name)

        def spy(*args, _original=original, **kwargs):
            seen.append(connection.in_atomic_block)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return seen


def test_line_image_is_downloaded_outside_the_transaction(
    org, line_api, broker_down, post_line, in_atomic_during_download
):
    lock_free = watching(line_api, "GET", r"/v2/bot/message/\d+/content", FAKE_JPEG, "image/jpeg")
    post_line(line_body(line_event("user-image")))
    event = InboundEvent.objects.get()

    assert process_inbound_event(event.pk) == "processed"

    # (transaction open during the download?, event row free for others to lock?)
    assert (in_atomic_during_download, lock_free) == ([False], [True])
    assert Attachment.objects.get(case=Case.objects.get()).file.read() == FAKE_JPEG


def test_telegram_photo_is_downloaded_outside_the_transaction(
    org, telegram_api, broker_down, post_telegram, in_atomic_during_download
):
    from tests.integrations.fakes import TELEGRAM_TOKEN

    lock_free = watching(telegram_api, "GET", rf"/file/bot{TELEGRAM_TOKEN}/photos/file_7\.jpg", FAKE_JPEG, "image/jpeg")
    post_telegram(sample("telegram", "private-photo"))
    event = InboundEvent.objects.get()

    assert process_inbound_event(event.pk) == "processed"

    # (transaction open during the download?, event row free for others to lock?)
    assert (in_atomic_during_download, lock_free) == ([False], [True])
    assert Attachment.objects.get().file.read() == FAKE_JPEG


def test_a_download_that_fails_for_now_writes_nothing_and_leaves_the_event_pending(
    org, line_api, broker_down, post_line
):
    line_api.respond("GET", r"/v2/bot/message/\d+/content", 503, {"message": "busy"})
    post_line(line_body(line_event("user-image")))
    event = InboundEvent.objects.get()

    assert process_inbound_event(event.pk) == "error"

    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1) and "503" in event.error
    assert Case.objects.count() == 0
    assert line_api.calls("POST", "/v2/bot/message/reply") == []
