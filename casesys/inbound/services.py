"""Writes for inbound events and leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casesys.inbound.models import InboundEvent, KeywordRule, Lead


def inbound_event_store(
    *, provider: str, external_id: str, payload: Any, event_type: str = "", occurred_at: dt.datetime | None = None
) -> tuple[InboundEvent, bool]:
    """Store a verified event once; returns (event, created). A duplicate returns created=False."""
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                provider=provider,
                external_id=str(external_id),
                payload=payload,
                event_type=event_type,
                occurred_at=occurred_at,
            )
            return event, True
    except IntegrityError:
        return InboundEvent.objects.get(provider=provider, external_id=str(external_id)), False


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
    """Create a lead once per (source, external_id); returns (lead, created)."""
    defaults = {
        "text": text,
        "occurred_at": occurred_at or timezone.now(),
        "reason": reason,
        "matched_rule": rule,
        "suggested_category": rule.category if rule else None,
        "suggested_department": rule.department if rule else None,
        **fields,
    }
    try:
        with transaction.atomic():
            return Lead.objects.get_or_create(source=source, external_id=str(external_id), defaults=defaults)
    except IntegrityError:
        return Lead.objects.get(source=source, external_id=str(external_id)), False
