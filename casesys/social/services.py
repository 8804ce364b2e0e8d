"""The daily digest of new leads per source, queued in the notification outbox.

One notification per subscriber and day (dedupe key `lead-digest:{day}:{user}`), so a
retried or doubled task sends nothing twice. Days without new leads send nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casesys.cases.identity import mask_personal_data
from casesys.inbound.models import Lead
from casesys.notifications.models import Notification
from casesys.social.models import LEAD_SOURCES, LeadDigestSubscription

SOURCE_NAMES = {code: str(name) for code, name in LEAD_SOURCES}
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


def _body(day: dt.date, grouped: dict[str, list[Lead]]) -> str:
    total = sum(len(v) for v in grouped.values())
    lines = [f"{day:%Y-%m-%d} 新增線索 {total} 則 / {total} new leads", ""]
    for source in sorted(grouped):
        leads = grouped[source]
        lines.append(f"■ {SOURCE_NAMES.get(source, source)}：{len(leads)} 則 / {len(leads)} leads")
        for lead in leads[:ITEMS_PER_SOURCE]:
            # An e-mail leaves the system: the senders' numbers and addresses stay behind.
            text = mask_personal_data(lead.title or lead.text or "", known=[lead.sender_name])
            text = text.replace("\n", " ").strip()
            text = text if len(text) <= 60 else text[:59] + "…"
            lines.append(f"  - {text}" + (f"  {lead.url}" if lead.url else ""))
        if len(leads) > ITEMS_PER_SOURCE:
            lines.append(f"  …另有 {len(leads) - ITEMS_PER_SOURCE} 則 / and {len(leads) - ITEMS_PER_SOURCE} more")
        lines.append("")
    lines.append("請至線索清單分類處理 / Please triage them in the leads queue.")
    return "\n".join(lines)


def lead_digest_send(*, day: dt.date | None = None) -> list[Notification]:
    """Queue the digest of leads created on `day` (default: yesterday, Asia/Taipei)."""
    day = day or (timezone.localdate() - dt.timedelta(days=1))
    grouped = leads_for_day(day)
    created: list[Notification] = []
    if not grouped:
        return created
    subs = LeadDigestSubscription.objects.filter(active=True, user__is_active=True).select_related("user")
    for sub in subs:
        mine = {s: v for s, v in grouped.items() if not sub.sources or s in sub.sources}
        if not mine:
            continue
        counts = {s: len(v) for s, v in mine.items()}
        user = sub.user
        subject = f"[輿情摘要] {day:%Y-%m-%d} 新增線索 {sum(counts.values())} 則 / Lead digest"
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        channel="email" if user.email else "inapp",
                        recipient_user=user,
                        recipient_address=user.email or "",
                        template="lead_digest",
                        context={"day": day.isoformat(), "counts": counts, "site": getattr(settings, "SITE_URL", "")},
                        subject=subject[:200],
                        body=_body(day, mine),
                        dedupe_key=f"lead-digest:{day.isoformat()}:{user.pk}",
                    )
                )
        except IntegrityError:
            continue  # already queued for this user and day
    return created
