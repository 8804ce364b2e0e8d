"""Writes to the notification outbox: enqueue, claim, deliver, mark read.

Delivery protocol (safe with any number of workers, and after a worker is killed):

1. *Claim* — a conditional ``UPDATE … SET status='sending', claimed_until=now+lease,
   attempts=attempts+1 WHERE status='pending' AND next_attempt_at<=now OR (status='sending'
   AND claimed_until<now)`` (single row) or ``SELECT … FOR UPDATE SKIP LOCKED`` (sweep).
   Exactly one worker wins a row; a row whose worker died is claimable again once its lease
   runs out.
2. *Send* through the channel's transport with ``notification.key`` as the idempotency key,
   so a send repeated after a crash is recognised by the receiving side.
3. *Record* the outcome, fenced on the attempt number: sent; temporary error → pending again
   at now + exponential backoff; permanent error or too many attempts → failed. Secrets
   (the case password) are scrubbed from the row once it reaches sent or failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from casesys.common.publish import publish_best_effort
from casesys.notifications import render as renderer
from casesys.notifications.models import Notification, NotificationChannel
from casesys.notifications.officehours import is_office_time, next_office_time
from casesys.notifications.transports import TransportError, get_transport
from casesys.workcal.calendar import WorkCalendar

logger = logging.getLogger(__name__)
Status = Notification.Status


def _conf(key: str):
    return settings.CASESYS_NOTIFICATIONS[key]


# --- enqueue -------------------------------------------------------------------------------


def notification_enqueue(
    *,
    channel: str,
    template: str,
    context: dict | None = None,
    recipient_user=None,
    recipient_address: str = "",
    case=None,
    dedupe_key: str = "",
    office_hours_only: bool = False,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
    subject: str = "",
    body: str = "",
    email_copy: bool = False,
    priority: int | None = None,
) -> Notification | None:
    """Queue one message in the caller's transaction; None when `dedupe_key` already exists.

    The text comes from ``templates/notifications/<template>.<zh|en>.txt`` rendered with
    `context`; for a template name without files, pass the finished `subject` and `body`.
    With `office_hours_only`, the row waits (``next_attempt_at``) for the next office hour.
    With `email_copy` (in-app rows), delivering the row queues an e-mail copy.
    `priority` defaults to citizen for a row addressed to an address (no staff user), else
    staff: citizen rows are claimed first and sent through their own Celery queue.
    """
    now = now or timezone.now()
    if priority is None:
        priority = Notification.Priority.STAFF if recipient_user is not None else Notification.Priority.CITIZEN
    next_attempt = now
    if office_hours_only:
        next_attempt = next_office_time(now, calendar or WorkCalendar.load())
    context = context or {}
    if renderer.template_exists(template):
        subject, body = rendered_preview(template, context, language=renderer.staff_language(recipient_user))
    notification = Notification(
        channel=channel,
        template=template,
        context=context,
        subject=subject,
        body=body,
        recipient_user=recipient_user,
        recipient_address=recipient_address or "",
        case=case,
        dedupe_key=dedupe_key,
        office_hours_only=office_hours_only,
        email_copy=email_copy,
        priority=priority,
        next_attempt_at=next_attempt,
        created_at=now,
    )
    if not save_deduplicated(notification):
        return None
    if next_attempt <= now:
        kick_on_commit([notification.pk], citizen=priority == Notification.Priority.CITIZEN)
    return notification


def save_deduplicated(row) -> bool:
    """Insert `row` (a Notification or ContactTask) unless its `dedupe_key` is taken: False
    then. A savepoint, so a duplicate does not break the caller's transaction; any other
    integrity error is raised."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if row.dedupe_key and type(row).objects.filter(dedupe_key=row.dedupe_key).exists():
            return False
        raise
    return True


def rendered_preview(template: str, context: dict, *, language: str | None = None) -> tuple[str, str]:
    """Subject and body with secrets masked, stored at enqueue so lists show the text even
    before delivery; the transport gets a fresh rendering with the secrets."""
    subject, body = renderer.render(template, context, language=None if context.get("language") else language)
    return renderer.redact(subject, context), renderer.redact(body, context)


def notification_record_undeliverable(
    *,
    template: str,
    case=None,
    reason: str,
    dedupe_key: str = "",
    subject: str = "",
    now: dt.datetime | None = None,
) -> Notification | None:
    """Keep a trace of a message that could not be addressed (e.g. anonymous petitioner)."""
    notification = Notification(
        channel=NotificationChannel.EMAIL,
        template=template,
        case=case,
        dedupe_key=dedupe_key,
        subject=subject,
        status=Status.FAILED,
        last_error=reason,
        created_at=now or timezone.now(),
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    return notification


def kick_on_commit(ids: list[int], *, citizen: bool = False) -> None:
    """After commit, publish a send task per row so delivery does not wait for the sweep.

    Citizen rows get `send_citizen_notification`, routed to the `notifications_citizen`
    queue, so a backlog of staff sends in `notifications` does not delay them.
    Best effort: if the broker is down the periodic sweep still delivers the rows.
    """
    if not ids or not _conf("KICK"):
        return

    def kick() -> None:
        from casesys.notifications.tasks import send_citizen_notification, send_notification

        publish_best_effort(send_citizen_notification if citizen else send_notification, ([pk] for pk in ids))

    transaction.on_commit(kick)



# --- a message answered in a conversation instead of pushed -----------------------------------


def notification_reply_claim(
    *, case, channel: str, template: str, lease_seconds: int
) -> tuple[Notification | None, str]:
    """Claim the case's pending `template` row on `channel` for a reply in the conversation.

    The row goes to `sending` with a lease, which the outbox sender skips; if the caller dies
    before reporting back, the lease runs out and the outbox sends it: at least once.
    Returns (claimed row, its text with the secrets) or (None, ""). Call it in a transaction.
    """
    notification = (
        Notification.objects.select_for_update()
        .filter(case=case, channel=channel, template=template, status=Status.PENDING)
        .first()
    )
    if notification is None:
        return None, ""
    try:
        _, body = renderer.render(notification.template, notification.context or {})
    except Exception:  # noqa: BLE001 - leave it to the outbox, which records the failure
        logger.exception("notification %s could not be rendered", notification.pk)
        return None, ""
    notification.status = Status.SENDING
    notification.claimed_until = timezone.now() + dt.timedelta(seconds=lease_seconds)
    notification.save(update_fields=["status", "claimed_until"])
    return notification, body


def notification_reply_delivered(*, notification_id: int) -> None:
    """The reply went out: the claimed row is sent, its secrets scrubbed."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, status=Status.SENDING).first()
        )
        if notification is None:
            return
        context = notification.context or {}
        notification.status = Status.SENT
        notification.sent_at = timezone.now()
        notification.claimed_until = None
        notification.last_error = ""
        notification.body = renderer.redact(notification.body, context)
        notification.context = {**renderer.scrub(context), "delivered_via": "reply"}
        notification.save(update_fields=["status", "sent_at", "claimed_until", "last_error", "body", "context"])


def notification_reply_release(*, notification_id: int, error: str) -> None:
    """The reply failed: the row goes back to the outbox, to be pushed now."""
    Notification.objects.filter(pk=notification_id, status=Status.SENDING).update(
        status=Status.PENDING,
        claimed_until=None,
        next_attempt_at=timezone.now(),
        last_error=f"reply failed, pushing instead: {error}"[:2000],
    )


# --- staff and citizen addressing ------------------------------------------------------------


def staff_dedupe_key(base: str, user_pk: int) -> str:
    # The in-app row keeps the ":inapp" suffix keys had when both rows were queued at once,
    # so a digest queued before an upgrade is not queued again after it.
    return f"{base}:{user_pk}:{NotificationChannel.INAPP}"


def email_copy_dedupe_key(notification: Notification) -> str:
    if not notification.dedupe_key:
        return f"copy:{notification.key}:{NotificationChannel.EMAIL}"
    return f"{notification.dedupe_key.removesuffix(':' + NotificationChannel.INAPP)}:{NotificationChannel.EMAIL}"


def notify_staff(
    *,
    user,
    template: str,
    context: dict,
    case=None,
    dedupe_key: str,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
    urgent: bool = False,
) -> Notification | None:
    """One in-app message waiting for office hours; delivering it e-mails a copy when the
    user has an address then. None when `dedupe_key` was already used for this user.

    `urgent`: sent at once, day or night (the alert to the supervisor on duty about a public
    complaint on a late case), not held for office hours."""
    return notification_enqueue(
        channel=NotificationChannel.INAPP,
        template=template,
        context=context,
        recipient_user=user,
        case=case,
        dedupe_key=staff_dedupe_key(dedupe_key, user.pk),
        priority=Notification.Priority.STAFF,
        office_hours_only=not urgent,
        email_copy=True,
        calendar=None if urgent else (calendar or WorkCalendar.load()),
        now=now,
    )


def notify_staff_group(
    *,
    users,
    template: str,
    context: dict,
    dedupe_key: str,
    case=None,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """`notify_staff` to each active user once (the same message for all); returns
    (recipients, messages queued now): a key used already queues nothing again."""
    seen: set[int] = set()
    queued = 0
    calendar = calendar or WorkCalendar.load()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        row = notify_staff(
            user=user, template=template, context=context, case=case, dedupe_key=dedupe_key, calendar=calendar, now=now
        )
        queued += row is not None
    return len(seen), queued


# What differs from row to row in `notify_staff_bulk`, with its SQL type in the JSON record.
STAFF_BULK_FIELDS = {"template": "text", "context": "jsonb", "recipient_user_id": "bigint", "case_id": "bigint",
                     "dedupe_key": "text"}


def notify_staff_bulk(*, rows: list[dict], send_at: dt.datetime, now: dt.datetime) -> None:
    """`notify_staff` for many messages at once, in the caller's transaction, without kicks.

    Each row holds exactly the keys of `STAFF_BULK_FIELDS`, its ``dedupe_key`` made by
    `staff_dedupe_key`; `send_at` is ``next_office_time(now, calendar)`` (the office-hours
    rule of `notify_staff`). The caller guarantees the keys are new (e.g. they contain the id
    of a row inserted in the same transaction): a duplicate raises IntegrityError.

    The subject and body are not rendered here: the sender renders every message from its
    template and context at delivery, and staff see a message only once it is delivered.

    On PostgreSQL it is one ``INSERT … SELECT … FROM jsonb_to_recordset(%s)``: the rows travel
    as one JSON document built by the C encoder, and what is the same for every row (channel,
    send time, the model's defaults) is a parameter of the statement, not of each row. COPY
    took 30 µs a row in psycopg's Python row writer.
    """
    if not rows:
        return
    fields = {f.attname: f for f in Notification._meta.concrete_fields if not f.primary_key}
    fixed = {
        "channel": NotificationChannel.INAPP, "office_hours_only": True, "email_copy": True,
        "priority": Notification.Priority.STAFF, "next_attempt_at": send_at, "created_at": now,
    }
    constants = {
        name: fixed[name] if name in fixed else field.get_default()
        for name, field in fields.items()
        if name not in STAFF_BULK_FIELDS and name != "key"
    }
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(Notification(**constants, **row) for row in rows)
        return
    quote = connection.ops.quote_name
    columns = [*constants, "key", *STAFF_BULK_FIELDS]
    record = ", ".join(f"{quote(name)} {sql_type}" for name, sql_type in STAFF_BULK_FIELDS.items())
    values = [
        *("%s" for _ in constants),
        "gen_random_uuid()",  # the idempotency key (PostgreSQL 13+)
        *(f"t.{quote(name)}" for name in STAFF_BULK_FIELDS),
    ]
    sql = (
        f"INSERT INTO {quote(Notification._meta.db_table)} "
        f"({', '.join(quote(fields[name].column) for name in columns)}) "
        f"SELECT {', '.join(values)} FROM jsonb_to_recordset(%s::jsonb) AS t({record})"
    )
    params = [fields[name].get_db_prep_save(value, connection) for name, value in constants.items()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, json.dumps(rows, ensure_ascii=False)])


def _queue_email_copy(notification: Notification, context: dict, *, now: dt.datetime | None) -> None:
    """In the transaction that marks the in-app row sent: both or neither, so a worker killed
    in between sends the in-app row again (a no-op) and then queues the copy, once (its
    dedupe key). No copy for a user who has left or has no address now."""
    user = notification.recipient_user
    if user is None or not user.is_active or not user.email:
        return
    notification_enqueue(
        channel=NotificationChannel.EMAIL,
        template=notification.template,
        context=context,
        recipient_user=user,
        recipient_address=user.email,
        case=notification.case,
        dedupe_key=email_copy_dedupe_key(notification),
        priority=notification.priority,
        # The in-app row already waited for office hours; the copy follows it at once.
        office_hours_only=False,
        subject=notification.subject,
        body=notification.body,
        now=now,
    )


@dataclass(frozen=True)
class CitizenRoute:
    channel: str | None
    address: str
    reason: str = ""


def _configured(channel: str) -> bool:
    try:
        return get_transport(channel).is_configured()
    except (ImportError, TransportError):
        return False


def citizen_route(case, template: str = "") -> CitizenRoute:
    """Where a notice to the citizen goes, by the channel registry's policies
    (`casesys.common.channels`): the connector the case came in through, at the address the
    person wrote from ("origin"); else e-mail; else a connector that carries what is left
    ("fallback", e.g. SMS to a phone-only 1999 caller, maybe for chosen notices only); else
    nothing, and staff call or write. Opted-out addresses are never used."""
    from casesys.cases.addresses import usable_contacts
    from casesys.common import channels

    pet = case.petitioner
    if pet is None:
        return CitizenRoute(None, "", "匿名或未留聯絡方式 / Anonymous petitioner, no contact")
    contacts = list(usable_contacts(pet).values_list("channel", "address"))
    origin = channels.get(case.channel)
    if origin is not None and origin.route == "origin" and origin.routes(template):
        address = next((a for c, a in contacts if c == case.channel), "")
        if address:
            return CitizenRoute(case.channel, address)
    if pet.email:
        return CitizenRoute(NotificationChannel.EMAIL, pet.email)
    for spec in channels.registry().values():
        if spec.route == "fallback" and spec.routes(template):
            address = next((a for c, a in contacts if c == spec.name), "")
            # A fallback the agency has not set up (no SMS contract yet) is skipped: the
            # officer's call-or-write task is the route, not a failed message before it.
            if address and _configured(spec.name):
                return CitizenRoute(spec.name, address)
    return CitizenRoute(None, "", "陳情人未留電子郵件或可通知的聯絡方式 / No e-mail or other reachable contact on file")


def notify_citizen(*, case, template: str, context: dict, dedupe_key: str, now: dt.datetime | None = None):
    """Queue a notice through the petitioner's channel. Without an electronic route it becomes
    a call-or-write task (`casesys.notifications.citizen`), or, for a petitioner with no
    contact at all, a failed row kept as the trace. None when `dedupe_key` was used already."""
    from casesys.notifications.citizen import citizen_unrouted

    route = citizen_route(case, template)
    context = {"language": case.language, **context}
    if route.channel is None:
        return citizen_unrouted(
            case=case, template=template, context=context, dedupe_key=dedupe_key, reason=route.reason, now=now
        )
    return notification_enqueue(
        channel=route.channel,
        template=template,
        context=context,
        recipient_address=route.address,
        case=case,
        dedupe_key=dedupe_key,
        priority=Notification.Priority.CITIZEN,
        now=now,
    )


# --- delivery --------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    base = _conf("BACKOFF_SECONDS") * 2 ** max(attempts - 1, 0)
    return min(base, _conf("BACKOFF_MAX_SECONDS")) * random.uniform(0.9, 1.1)


def _claimable(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.SENDING, claimed_until__lt=now)


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> str:
    """Claim one row and send it. Returns sent | retry | failed | skipped."""
    moment = now or timezone.now()
    rows = Notification.objects.filter(_claimable(moment), pk=notification_id)
    if not is_office_time(moment, WorkCalendar.load()):
        rows = rows.filter(office_hours_only=False)
    claimed = rows.update(
        status=Status.SENDING,
        claimed_until=moment + dt.timedelta(seconds=_conf("CLAIM_SECONDS")),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient_user", "case").get(pk=notification_id)
    return _send_claimed(notification, now=now)


def notifications_deliver_due(*, now: dt.datetime | None = None, time_budget: float = 50.0) -> dict[str, int]:
    """The periodic sweep: claim due rows batch by batch (SKIP LOCKED) and send them.

    Also takes over rows whose worker died mid-send (status sending, lease expired).
    """
    start = timezone.now()
    stats = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    calendar = WorkCalendar.load()
    while (timezone.now() - start).total_seconds() < time_budget:
        moment = now or timezone.now()
        with transaction.atomic():
            due = Notification.objects.filter(_claimable(moment))
            if not is_office_time(moment, calendar):
                due = due.filter(office_hours_only=False)
            ids = _claim_batch(due, moment)
            if not ids:
                break
        batch = Notification.objects.select_related("recipient_user", "case").filter(pk__in=ids)
        for notification in batch.order_by("priority", "next_attempt_at"):
            if notification.priority != Notification.Priority.CITIZEN:
                # A citizen notice committed while this batch of staff mail is being sent goes
                # next, not after the batch (20 slow SMTP sends can take half a minute).
                _send_due_citizen_rows(stats, now=now, calendar=calendar)
            stats[_send_claimed(notification, now=now)] += 1
        if now is not None:  # a fixed clock (tests): one pass is all there is
            break
    return stats


def _claim_batch(due, moment: dt.datetime) -> list[int]:
    """Claim up to BATCH rows of `due` (inside the caller's transaction), citizen rows first."""
    ids = list(
        due.select_for_update(skip_locked=True)
        .order_by("priority", "next_attempt_at")
        .values_list("pk", flat=True)[: _conf("BATCH")]
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(
            status=Status.SENDING,
            claimed_until=moment + dt.timedelta(seconds=_conf("CLAIM_SECONDS")),
            attempts=F("attempts") + 1,
        )
    return ids


def _send_due_citizen_rows(stats: dict[str, int], *, now: dt.datetime | None, calendar: WorkCalendar) -> None:
    """Claim and send the citizen rows due now (none, nearly always: one indexed probe)."""
    moment = now or timezone.now()
    with transaction.atomic():
        due = Notification.objects.filter(_claimable(moment), priority=Notification.Priority.CITIZEN)
        if not is_office_time(moment, calendar):
            due = due.filter(office_hours_only=False)
        ids = _claim_batch(due, moment)
    for notification in Notification.objects.select_related("recipient_user", "case").filter(pk__in=ids):
        stats[_send_claimed(notification, now=now)] += 1


def _reader_language(notification: Notification) -> str | None:
    """A staff message in its reader's language; a citizen's carries the case's in its context."""
    if notification.recipient_user_id and not (notification.context or {}).get("language"):
        return renderer.staff_language(notification.recipient_user)
    return None


def _send_claimed(notification: Notification, *, now: dt.datetime | None) -> str:
    """Send a claimed row. A caller's fixed `now` stamps every row written here (sent_at, the
    retry time, the e-mail copy), so a copy is claimable on the caller's clock, not the wall's;
    without one, each is stamped when it happens (a back-off counts from the failure)."""
    context = notification.context or {}
    try:
        if renderer.template_exists(notification.template):
            notification.subject, notification.body = renderer.render(
                notification.template, context, language=_reader_language(notification)
            )
        elif not notification.body:
            raise ValueError("no template files and no stored text")
        # else: a row queued with finished text (subject/body) is sent as stored.
    except Exception as exc:  # noqa: BLE001 - a broken template is permanent
        return _record_failure(
            notification, TransportError(f"template {notification.template}: {exc}", permanent=True), now=now
        )
    try:
        transport = get_transport(notification.channel)
        if not transport.is_configured():
            raise TransportError(f"{notification.channel} 未設定 / transport not configured", permanent=True)
        external_id = transport.send(notification)
    except TransportError as exc:
        return _record_failure(notification, exc, now=now)
    except ImportError as exc:
        return _record_failure(notification, TransportError(f"transport unavailable: {exc}", permanent=True), now=now)
    except Exception as exc:  # noqa: BLE001 - unknown errors are retried, with the type logged
        logger.warning("notification %s: %s while sending", notification.pk, type(exc).__name__)
        return _record_failure(notification, TransportError(f"{type(exc).__name__}: {exc}", permanent=False), now=now)
    with transaction.atomic():
        marked = Notification.objects.filter(
            pk=notification.pk, status=Status.SENDING, attempts=notification.attempts
        ).update(
            status=Status.SENT,
            sent_at=now or timezone.now(),
            claimed_until=None,
            last_error="",
            subject=renderer.redact(notification.subject, context),
            body=renderer.redact(notification.body, context),
            context=renderer.scrub(context),
            **({"external_id": external_id[:100]} if isinstance(external_id, str) and external_id else {}),
        )
        if marked and notification.email_copy:
            _queue_email_copy(notification, context, now=now)
    logger.info("notification %s sent via %s (attempt %s)", notification.pk, notification.channel, notification.attempts)
    return "sent"


def _record_failure(notification: Notification, exc: TransportError, *, now: dt.datetime | None) -> str:
    context = notification.context or {}
    message = renderer.redact(str(exc), context)[:1000]
    fence = Notification.objects.filter(pk=notification.pk, status=Status.SENDING, attempts=notification.attempts)
    if exc.permanent or notification.attempts >= _conf("MAX_ATTEMPTS"):
        with transaction.atomic():
            failed = fence.update(
                status=Status.FAILED, claimed_until=None, last_error=message, context=renderer.scrub(context)
            )
            if failed:
                _citizen_notice_lost(notification, reason=message, now=now)
        logger.warning("notification %s failed permanently after %s attempts: %s", notification.pk, notification.attempts, message)
        return "failed"
    delay = backoff_seconds(notification.attempts)
    fence.update(
        status=Status.PENDING,
        claimed_until=None,
        last_error=message,
        next_attempt_at=(now or timezone.now()) + dt.timedelta(seconds=delay),
    )
    logger.info("notification %s: temporary error, retry in %.0f s: %s", notification.pk, delay, message)
    return "retry"


def _citizen_notice_lost(notification: Notification, *, reason: str, now: dt.datetime | None) -> None:
    """A citizen notice that will never arrive electronically becomes a call-or-write task,
    so the petitioner still hears what happened (the failed row stays listed on the case)."""
    if notification.priority != Notification.Priority.CITIZEN or notification.case_id is None:
        return
    from casesys.notifications.citizen import citizen_notice_failed

    context = notification.context or {}
    citizen_notice_failed(
        notification=notification,
        # The text as rendered for sending, with its secrets (the case password) masked.
        subject=renderer.redact(notification.subject or "", context),
        body=renderer.redact(notification.body or "", context),
        reason=reason,
        now=now,
    )


def notification_delivery_report(
    *, channel: str, external_id: str, delivered: bool, detail: str = "", now: dt.datetime | None = None
) -> Notification | None:
    """A channel's later word on a sent message (an SMS delivery report): confirmed, or lost
    (then failed, shown on the case page and turned into a call-or-write task). Idempotent:
    a repeated report changes nothing. None when no row has that id."""
    if not external_id:
        return None
    moment = now or timezone.now()
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(channel=channel, external_id=external_id[:100])
            .first()
        )
        if row is None:
            return None
        if delivered:
            if row.confirmed_at is None and row.status == Status.SENT:
                row.confirmed_at = moment
                row.save(update_fields=["confirmed_at"])
            return row
        if row.status == Status.FAILED:
            return row
        row.status = Status.FAILED
        row.confirmed_at = None
        row.last_error = (detail or "undeliverable")[:1000]
        row.save(update_fields=["status", "confirmed_at", "last_error"])
        _citizen_notice_lost(row, reason=row.last_error, now=moment)
    logger.warning("notification %s: %s reports it undeliverable", row.pk, channel)
    return row


def notification_wait_seconds(*, notification_id: int, cap: float = 600.0) -> float | None:
    """How long until this row can be claimed again, when a nudge at that time makes sense.

    Sending with a live lease (its worker may have died): when the lease ends. Pending with a
    retry time: when that comes. None for rows done, waiting for office hours, or further away
    than `cap` — the periodic sweep takes those.
    """
    row = Notification.objects.filter(pk=notification_id).values("status", "next_attempt_at", "claimed_until", "office_hours_only").first()
    if row is None:
        return None
    now = timezone.now()
    if row["status"] == Status.SENDING and row["claimed_until"]:
        wait = (row["claimed_until"] - now).total_seconds() + 0.5
    elif row["status"] == Status.PENDING and not row["office_hours_only"]:
        wait = (row["next_attempt_at"] - now).total_seconds() + 0.1
    else:
        return None
    return max(wait, 0.1) if wait <= cap else None


def notification_retry(*, notification: Notification) -> None:
    """Administrator action: give a failed row another round of attempts."""
    Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


# --- in-app ----------------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> int:
    # Only what the user can have seen: a reminder still waiting for office hours stays unread.
    return Notification.objects.filter(
        pk=notification_id, recipient_user=user, channel=NotificationChannel.INAPP, status=Status.SENT,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(
        recipient_user=user, channel=NotificationChannel.INAPP, status=Status.SENT, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_backdate(*, stamps: dict[int, dt.datetime]) -> None:
    """Give rows the moment they belong to (created and first due then). For the demo data
    only, which runs each step of a case's history at seed time and then puts every row it
    wrote at that step's own time, as the events are."""
    Notification.objects.bulk_update(
        [Notification(pk=pk, created_at=at, next_attempt_at=at) for pk, at in stamps.items()],
        ["created_at", "next_attempt_at"],
        batch_size=500,
    )
