"""The daily digest of new leads per source, queued in the notification outbox.

One staff message per subscriber and day (dedupe key `lead-digest:{day}` per user), so a
retried or doubled task sends nothing twice. Days without new leads send nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casesys.cases.identity import mask_personal_data
from casesys.common.channels import label as channel_label
from casesys.inbound.models import Lead
from casesys.notifications.models import Notification
from casesys.notifications.services import notify_staff
from casesys.social.models import LeadDigestSubscription
from casesys.social.texts import halves

ITEMS_PER_SOURCE = 10


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def leads_for_day(day: dt.date) -> dict[str, list[Lead]]:
    start, end = _day_bounds(day)
    grouped: dict[str, list[Lead]] = defaultdict(list)
    for lead in Lead.objects.filter(created_at__gte=start, created_at__lt=end).order_by("source", "-occurred_at"):
        grouped[lead.source].append(lead)
    return grouped


def _context(day: dt.date, grouped: dict[str, list[Lead]]) -> dict:
    """Plain values only: the context is stored with the row and rendered at delivery."""
    sources = []
    for source in sorted(grouped):
        leads = grouped[source]
        items = []
        for lead in leads[:ITEMS_PER_SOURCE]:
            # An e-mail leaves the system: the senders' numbers and addresses stay behind.
            text = mask_personal_data(lead.title or lead.text or "", known=[lead.sender_name])
            text = text.replace("\n", " ").strip()
            items.append({"text": text if len(text) <= 60 else text[:59] + "…", "url": lead.url or ""})
        label = str(channel_label(source))
        zh, en = halves(label)
        sources.append({
            "code": source,
            "name": label,
            # Each language's template shows its own half of the "中文 / English" label.
            "name_zh": zh,
            "name_en": en,
            "count": len(leads),
            "items": items,
            "more": max(len(leads) - ITEMS_PER_SOURCE, 0),
        })
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "day": day.isoformat(),
        "total": sum(s["count"] for s in sources),
        "counts": {s["code"]: s["count"] for s in sources},
        "sources": sources,
        "leads_url": f"{base_url}{reverse('web:leads')}",
    }


def lead_digest_send(*, day: dt.date | None = None, now: dt.datetime | None = None) -> list[Notification]:
    """Queue the digest of leads created on `day` (default: yesterday, Asia/Taipei).

    Like every staff message it goes through `notify_staff`: an in-app row sent in office
    hours, whose delivery e-mails a copy to a user with an address.
    """
    day = day or (timezone.localdate(now) - dt.timedelta(days=1))
    grouped = leads_for_day(day)
    created: list[Notification] = []
    if not grouped:
        return created
    subs = LeadDigestSubscription.objects.filter(active=True, user__is_active=True).select_related("user")
    for sub in subs:
        mine = {s: v for s, v in grouped.items() if not sub.sources or s in sub.sources}
        if not mine:
            continue
        with transaction.atomic():
            notification = notify_staff(
                user=sub.user,
                template="lead_digest",
                context=_context(day, mine),
                dedupe_key=f"lead-digest:{day.isoformat()}",
                now=now,
            )
        if notification is not None:  # None: already queued for this user and day
            created.append(notification)
    return created
