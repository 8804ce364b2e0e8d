"""Outbox transport for SMS: caps, the text, the gateway.

Delivery goes through the configured provider (`integrations.sms.providers`) with the
outbox row's `key` as the gateway's idempotency key (Mitake ``clientid``), so a send retried
after a timeout or a killed worker is not charged nor shown twice. The returned message id
is kept as the row's `external_id` for the gateway's delivery report.

Cost control, before anything is sent: at most `SMS_DAILY_CAP` messages a day for the
agency and `SMS_PER_NUMBER_PER_DAY` to one number (Asia/Taipei days, counted from the
outbox's sent rows). Over a limit the send fails *permanently*: the notice becomes a
call-or-write task for an officer today, rather than an SMS a day late (a temporary error
would be retried with back-off and could go out at any hour, or fail after the attempts
anyway). The acknowledgement of a phone or walk-in case needs no call: it was told at intake.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from casesys.notifications.models import Notification
from casesys.notifications.transports import Transport, TransportError
from integrations.sms import messages
from integrations.sms.addresses import normalise
from integrations.sms.providers import ProviderError, get_provider

CHANNEL = "sms"


def callback_url(kind: str = "status") -> str:
    """Where the gateway reports back; "" when callbacks are off (no secret)."""
    secret = settings.SMS_CALLBACK_SECRET
    if not secret:
        return ""
    base = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/integrations/sms/token={secret}/{kind}/"


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def sent_today(*, address: str = "", now: dt.datetime | None = None) -> int:
    rows = Notification.objects.filter(channel=CHANNEL, status=Notification.Status.SENT, sent_at__gte=day_start(now))
    if address:
        rows = rows.filter(recipient_address=address)
    return rows.count()


def check_caps(address: str, *, now: dt.datetime | None = None) -> None:
    cap = settings.SMS_DAILY_CAP
    if cap and sent_today(now=now) >= cap:
        raise TransportError(f"已達每日簡訊上限 {cap} 則 / daily SMS cap of {cap} reached", permanent=True)
    per_number = settings.SMS_PER_NUMBER_PER_DAY
    if per_number and sent_today(address=address, now=now) >= per_number:
        raise TransportError(
            f"此門號今日已收 {per_number} 則簡訊 / {per_number} SMS to this number today already", permanent=True
        )


class SmsTransport(Transport):
    channel = CHANNEL

    def is_configured(self) -> bool:
        return get_provider().is_configured()

    def send(self, notification) -> str | None:
        provider = get_provider()
        if not provider.is_configured():
            raise TransportError("簡訊未設定 / SMS gateway not configured", permanent=True)
        to = normalise(notification.recipient_address)
        if not to:
            raise TransportError("不是可收簡訊的手機號碼 / Not a mobile number", permanent=True)
        check_caps(notification.recipient_address)
        text = messages.compose(notification.template, notification.context or {})
        try:
            result = provider.send(to=to, text=text, client_id=str(notification.key), callback_url=callback_url())
        except ProviderError as exc:
            raise TransportError(str(exc), permanent=exc.permanent) from exc
        return result.message_id
