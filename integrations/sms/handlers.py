"""Processing the SMS gateway's callbacks, stored as inbound events by `views`.

- ``status``: a delivery report → `notification_delivery_report` (delivered → confirmed;
  undeliverable → the notice fails, shows on the case page and becomes a call-or-write task).
- ``reply``: a citizen's SMS. ``取消`` / ``退訂`` / ``STOP`` / ``TD`` stop SMS to that number
  (`contact_opt_out`, for every petitioner holding it); ``START`` / ``開始`` / ``恢復`` resume.
  Anything else is ignored: SMS is not an intake channel (the status page and 1999 are).

The stored payload keeps no phone number or text once processed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from casesys.cases.addresses import contact_opt_in, contact_opt_out
from casesys.notifications.services import notification_delivery_report
from integrations.common.processing import Outcome
from integrations.sms.addresses import normalise
from integrations.sms.transport import CHANNEL

# A report may overtake the send's own answer (the row gets its message id when the gateway's
# answer is recorded): until then an unknown id is retried by the inbound sweep.
REPORT_WAIT = dt.timedelta(minutes=30)


class ReportTooEarly(Exception):
    """No notice has this message id yet; the event stays pending for the sweep."""


STOP_WORDS = {"取消", "退訂", "STOP", "TD", "UNSUBSCRIBE"}
START_WORDS = {"開始", "恢復", "START"}


def _command(text: str) -> str:
    word = "".join(str(text or "").split()).upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return ""


def handle_event(event) -> Outcome:
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.event_type == "status":
        return _status(payload, received_at=event.received_at)
    if event.event_type == "reply":
        return _reply(payload)
    return Outcome.ignored(f"未知的簡訊事件 / unknown SMS event {event.event_type[:20]}")


def _status(payload: dict, *, received_at: dt.datetime) -> Outcome:
    delivered = payload.get("delivered")
    if delivered is None:
        return Outcome.ignored("非最終狀態 / not a final status")
    row = notification_delivery_report(
        channel=CHANNEL,
        external_id=str(payload.get("msgid", "")),
        delivered=bool(delivered),
        detail=str(payload.get("detail", "")),
    )
    if row is None:
        if timezone.now() - received_at < REPORT_WAIT:
            raise ReportTooEarly("尚無此訊息代碼的通知 / no notice with this message id yet")
        return Outcome.ignored("找不到此簡訊 / no notice with this message id")
    return Outcome()


def _reply(payload: dict) -> Outcome:
    command = _command(payload.get("text", ""))
    address = normalise(payload.get("sender", ""))
    redacted = {"kind": "reply", "command": command}
    if not command:
        return Outcome.ignored("一般回覆，不處理 / not an opt-out or opt-in word", payload=redacted)
    if not address:
        return Outcome.ignored("不是手機號碼 / not a mobile number", payload=redacted)
    if command == "stop":
        changed = contact_opt_out(channel=CHANNEL, address=address)
    else:
        changed = contact_opt_in(channel=CHANNEL, address=address)
    return Outcome(reason=f"{command}: {changed}", payload=redacted)
