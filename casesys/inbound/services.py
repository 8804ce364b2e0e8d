"""Writes for inbound events and leads."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from casesys.cases.exceptions import CaseError
from casesys.cases.models import CaseMessage, Category, Channel, Urgency
from casesys.cases.services import IntakeResult, case_intake, case_record_lead_origin
from casesys.common import channels, jsonsafe
from casesys.inbound.models import ChatGroup, InboundEvent, KeywordRule, Lead
from casesys.inbound.signals import lead_recorded
from casesys.inbound.triage import triage_due

logger = logging.getLogger(__name__)


def inbound_event_store(
    *,
    provider: str,
    external_id: str,
    payload: Any,
    event_type: str = "",
    occurred_at: dt.datetime | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[InboundEvent, bool]:
    """Store a verified event once; returns (event, created). A duplicate returns created=False.

    One `INSERT … ON CONFLICT DO NOTHING RETURNING id`: no exception for the (common)
    redelivered event, which matters on the webhook's hot path (and no savepoint unless the
    caller holds a transaction open).

    An event the database cannot hold as sent (NUL or a lone surrogate in a string, NaN or an
    absurd number, nesting too deep, an over-long id) is stored sanitised and `failed` with
    the reason, so the rest of its batch is stored and the platform gets its 200 instead of
    redelivering the batch forever (see `casesys.common.jsonsafe`).
    """
    meta = meta or {}
    external_id = str(external_id)
    reasons = jsonsafe.problems(payload) + jsonsafe.problems(meta, path="meta")
    if len(external_id) > EXTERNAL_ID_MAX or jsonsafe.text_problem(external_id):
        reasons.append("id: 過長或含無效字元 / too long or invalid characters")
        # Still stable, so a redelivery of the same bad event is recognised as a duplicate.
        external_id = "sha256:" + hashlib.sha256(external_id.encode("utf-8", "surrogatepass")).hexdigest()
    event = InboundEvent(
        provider=provider,
        external_id=external_id,
        payload=payload,
        event_type=jsonsafe.clean_text(str(event_type))[:60],
        occurred_at=occurred_at,
        meta=meta,
    )
    if reasons:
        _mark_unstorable(event, "; ".join(reasons))
    try:
        return _insert_once(event)
    except (DataError, ValueError) as exc:
        # Something the checks above did not foresee: keep a trace of the event, not its content.
        logger.warning("inbound %s event %s unstorable: %s", provider, external_id, type(exc).__name__)
        event.payload = {"unstorable": True}
        _mark_unstorable(event, f"資料庫拒收 / refused by the database ({type(exc).__name__})")
        return _insert_once(event)


EXTERNAL_ID_MAX = InboundEvent._meta.get_field("external_id").max_length


def _mark_unstorable(event: InboundEvent, reason: str) -> None:
    event.payload = jsonsafe.sanitise(event.payload)
    event.meta = jsonsafe.sanitise(event.meta)
    event.status = InboundEvent.Status.FAILED
    event.error = f"無法儲存的內容 / Unstorable content: {reason}"[:4000]
    event.processed_at = timezone.now()


def _insert_once(event: InboundEvent) -> tuple[InboundEvent, bool]:
    fields = [f for f in InboundEvent._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(InboundEvent._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('provider')}, {quote('external_id')}) DO NOTHING RETURNING {quote('id')}"
    )
    params = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    # Inside a transaction a refused statement would poison it: give it its own savepoint.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with guard, connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return InboundEvent.objects.get(provider=event.provider, external_id=event.external_id), False
    event.pk = row[0]
    event._state.adding = False
    return event, True


def lead_record(
    *,
    source: str,
    external_id: str,
    text: str,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
    rule: KeywordRule | None = None,
    **fields: Any,
) -> tuple[Lead, bool]:
    """Create a lead once per (source, external_id); returns (lead, created).

    A new lead gets its first-triage deadline (`casesys.inbound.triage`), counted from now,
    and `lead_recorded` is sent (the alert check runs after commit, off the caller's path)."""
    defaults = {
        "text": text,
        "occurred_at": occurred_at or timezone.now(),
        "reason": reason,
        "matched_rule": rule,
        "suggested_category": rule.category if rule else None,
        "suggested_department": rule.department if rule else None,
        **fields,
    }
    if "triage_due_at" not in defaults:
        defaults["triage_due_at"] = triage_due(source=source, start=timezone.now())
    try:
        with transaction.atomic():
            lead, created = Lead.objects.get_or_create(source=source, external_id=str(external_id), defaults=defaults)
    except IntegrityError:
        return Lead.objects.get(source=source, external_id=str(external_id)), False
    if created:
        lead_recorded.send(sender=Lead, lead=lead)
    return lead, created


def _triaged(lead: Lead, at: dt.datetime) -> None:
    """The first triage happened at `at`: record whether it met the deadline."""
    lead.triaged_on_time = None if lead.triage_due_at is None else at <= lead.triage_due_at


# --- chat groups ---------------------------------------------------------------------------


def chat_group_seen(*, provider: str, group_id: str, kind: str = "group", name: str = "") -> ChatGroup:
    """The group the bot heard from (it may have been added before the connector was set up)."""
    group, created = ChatGroup.objects.get_or_create(
        provider=provider,
        group_id=group_id,
        # joined_at stays unknown until a join event says when.
        defaults={"kind": kind, "name": name[:200], "active": True},
    )
    if not created and name and group.name != name[:200]:
        group.name = name[:200]
        group.save(update_fields=["name"])
    return group


def chat_group_joined(*, provider: str, group_id: str, kind: str = "group", name: str = "", at: dt.datetime | None = None) -> ChatGroup:
    at = at or timezone.now()
    group = chat_group_seen(provider=provider, group_id=group_id, kind=kind, name=name)
    # Events may arrive out of order: a join older than the last leave does not reactivate.
    if group.left_at and group.left_at > at:
        return group
    group.active = True
    group.joined_at = at
    group.kind = kind or group.kind
    group.save(update_fields=["active", "joined_at", "kind"])
    return group


def chat_group_left(*, provider: str, group_id: str, kind: str = "group", at: dt.datetime | None = None) -> ChatGroup:
    at = at or timezone.now()
    group = chat_group_seen(provider=provider, group_id=group_id, kind=kind)
    if group.joined_at and group.joined_at > at:
        return group
    group.active = False
    group.left_at = at
    group.save(update_fields=["active", "left_at"])
    return group


# --- leads ---------------------------------------------------------------------------------



def _lead_channel(source: str) -> str:
    """The case channel of a lead's source: the source itself when cases can come in through
    it (registry "intake"), else the web mailbox."""
    spec = channels.get(source)
    return source if spec is not None and spec.intake else Channel.WEB


def _is_chat_source(source: str) -> bool:
    # Chat sources' groups get a "case opened" message through the outbox.
    spec = channels.get(source)
    return spec is not None and spec.chat


def _lead_locked(lead: Lead) -> Lead:
    locked = Lead.objects.select_for_update(of=("self",)).select_related("group").get(pk=lead.pk)
    if locked.status != Lead.Status.NEW:
        raise LeadAlreadyDecided()
    return locked


class LeadAlreadyDecided(CaseError):
    """The lead was converted or dismissed already; the API's error handler answers 409."""

    status_code = 409
    default_message = "此線索已處理 / This lead was already handled."


def _lead_subject(lead: Lead, text: str) -> str:
    if lead.title:
        return lead.title[:200]
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first if len(first) <= 60 else first[:59] + "…"


def lead_convert(
    *,
    lead: Lead,
    by,
    category: Category,
    subject: str = "",
    description: str = "",
    urgency: Urgency | None = None,
    location: dict[str, Any] | None = None,
    notify_group: bool = True,
) -> IntakeResult:
    """Open a case from a lead (routed by its category like any intake) and link the source."""
    with transaction.atomic():
        lead = _lead_locked(lead)
        channel = _lead_channel(lead.source)
        petitioner: dict[str, Any] = {"name": lead.sender_name}
        if _is_chat_source(lead.source) and lead.sender_id:
            petitioner["contacts"] = [{"channel": lead.source, "address": lead.sender_id, "verified": True}]
        text = (description or "").strip() or lead.text
        result = case_intake(
            channel=channel,
            category=category,
            subject=(subject or "").strip() or _lead_subject(lead, text),
            description=text,
            urgency=urgency,
            petitioner=petitioner,
            location=location,
            external_ref=f"lead:{lead.pk}",
            by=by,
        )
        case = result.case
        case_record_lead_origin(case=case, lead_id=lead.pk, source=lead.source, by=by)
        # The case keeps the message it came from (who said what, where and when).
        message_id = str((lead.raw or {}).get("message_id") or "")
        CaseMessage.objects.create(
            case=case,
            direction=CaseMessage.Direction.INBOUND,
            channel=channel,
            kind="lead",
            text=lead.text,
            external_id=message_id[:100] if _is_chat_source(lead.source) else "",
            sent_at=lead.occurred_at,
            data={
                "lead": lead.pk,
                "source": lead.source,
                "group": lead.group.group_id if lead.group else "",
                "group_name": lead.group.name if lead.group else "",
                "sender_id": lead.sender_id,
                "sender_name": lead.sender_name,
                "url": lead.url,
            },
        )
        lead.status = Lead.Status.CONVERTED
        lead.case = case
        lead.decided_by = by if getattr(by, "pk", None) else None
        lead.decided_at = timezone.now()
        _triaged(lead, lead.decided_at)
        lead.save(update_fields=["status", "case", "decided_by", "decided_at", "triaged_on_time"])
        if notify_group and _is_chat_source(lead.source) and lead.group is not None and lead.group.active:
            # The group hears back through the outbox (push): the reply token expired long ago.
            from casesys.notifications.services import notification_enqueue

            base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/") if hasattr(
                settings, "CASESYS_NOTIFICATIONS"
            ) else ""
            notification_enqueue(
                channel=lead.source,
                template="lead_converted",
                context={"number": case.number, "lead": lead.pk, "track_url": f"{base_url}/status/?number={case.number}"},
                recipient_address=lead.group.group_id,
                case=case,
                dedupe_key=f"lead-converted:{lead.pk}",
            )
        return result


def lead_dismiss(*, lead: Lead, by, reason: str) -> Lead:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["請說明不處理的理由 / Give the reason for dismissing."]})
    with transaction.atomic():
        lead = _lead_locked(lead)
        lead.status = Lead.Status.DISMISSED
        lead.dismiss_reason = reason.strip()
        lead.decided_by = by if getattr(by, "pk", None) else None
        lead.decided_at = timezone.now()
        _triaged(lead, lead.decided_at)
        lead.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at", "triaged_on_time"])
        return lead


# --- inbound event administration -------------------------------------------------------


def inbound_event_requeue(*, event: InboundEvent) -> InboundEvent:
    """An administrator asks for another try: the periodic sweep picks it up again."""
    InboundEvent.objects.filter(pk=event.pk).update(status=InboundEvent.Status.PENDING, attempts=0, error="")
    event.refresh_from_db()
    return event
