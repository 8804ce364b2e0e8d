"""Signals the core sends so other apps can react without the core importing them.

`case_event_recorded` is sent inside the transaction that wrote the audit event, so a
receiver that writes rows (the notification outbox) commits or rolls back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: case, event (CaseEvent), context (dict with transition-specific data)
case_event_recorded = Signal()
