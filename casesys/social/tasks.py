from __future__ import annotations

import datetime as dt

from celery import shared_task


@shared_task
def send_lead_digest(day: str | None = None) -> int:
    """Daily (beat): queue yesterday's lead digest for every subscriber."""
    from casesys.social.services import lead_digest_send

    return len(lead_digest_send(day=dt.date.fromisoformat(day) if day else None))
