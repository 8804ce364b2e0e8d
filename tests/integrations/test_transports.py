"""Outbox transports: exact push bodies at the fake APIs, and the retry classification."""

from __future__ import annotations

import pytest

from casesys.notifications.models import Notification
from casesys.notifications.transports import TransportError, get_transport
from integrations.line.transport import LineTransport
from integrations.telegram.transport import TelegramTransport

pytestmark = pytest.mark.django_db


def notification(channel: str, to: str, body: str = "您的案件 CS-1151122-00001 已結案。") -> Notification:
    return Notification.objects.create(channel=channel, recipient_address=to, template="closed", body=body)


# --- LINE -----------------------------------------------------------------------------------


def test_line_push_carries_the_notification_key_as_retry_key(line_api):
    n = notification("line", "U4af4980629f0e2b3c4d5e6f7a8b9c0d1")
    get_transport("line").send(n)
    [call] = line_api.calls("POST", "/v2/bot/message/push")
    assert call.headers["x-line-retry-key"] == str(n.key)
    assert call.headers["authorization"] == "Bearer test-line-access-token"
    assert call.json() == {
        "to": "U4af4980629f0e2b3c4d5e6f7a8b9c0d1",
        "messages": [{"type": "text", "text": "您的案件 CS-1151122-00001 已結案。"}],
        "notificationDisabled": False,
    }


def test_line_retry_of_an_accepted_push_counts_as_delivered(line_api):
    line_api.respond("POST", r"/v2/bot/message/push", 409, {"message": "The retry key is already accepted"})
    LineTransport().send(notification("line", "U1"))  # no exception


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (403, True), (404, True), (429, False), (500, False), (503, False)]
)
def test_line_errors_are_classified_for_the_outbox(line_api, status, permanent):
    line_api.respond("POST", r"/v2/bot/message/push", status, {"message": "nope"})
    with pytest.raises(TransportError) as info:
        LineTransport().send(notification("line", "U1"))
    assert info.value.permanent is permanent


def test_line_unreachable_is_temporary(settings, line_api):
    settings.LINE_API_HOST = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(TransportError) as info:
        LineTransport().send(notification("line", "U1"))
    assert info.value.permanent is False


def test_line_not_configured_is_permanent(settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    with pytest.raises(TransportError) as info:
        LineTransport().send(notification("line", "U1"))
    assert info.value.permanent is True


# --- Telegram -------------------------------------------------------------------------------


def test_telegram_send_message_body(telegram_api):
    get_transport("telegram").send(notification("telegram", "123456789"))
    [call] = telegram_api.calls("POST", "/sendMessage")
    assert call.form() == {"chat_id": "123456789", "text": "您的案件 CS-1151122-00001 已結案。"}


@pytest.mark.parametrize(
    ("status", "description", "permanent"),
    [
        (403, "Forbidden: bot was blocked by the user", True),
        (400, "Bad Request: chat not found", True),
        (429, "Too Many Requests: retry after 5", False),
        (502, "Bad Gateway", False),
    ],
)
def test_telegram_errors_are_classified_for_the_outbox(telegram_api, status, description, permanent):
    payload = {"ok": False, "error_code": status, "description": description}
    if status == 429:
        payload["parameters"] = {"retry_after": 5}
    telegram_api.respond("POST", r"/bot[^/]+/sendMessage", status, payload)
    with pytest.raises(TransportError) as info:
        TelegramTransport().send(notification("telegram", "123456789"))
    assert info.value.permanent is permanent
