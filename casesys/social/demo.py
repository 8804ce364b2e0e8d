"""Demo data of the opinion clock (`manage.py seed_demo`): a duty roster and a report reader."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from casesys.social.models import DutyShift, LeadDigestSubscription

DEMO_NOTE = "示範值班 / demo duty week"


def seed_opinion(*, users: dict, now: dt.datetime) -> None:
    """`supervisor` is on duty around the clock this week (alerts about leads on cases go to
    them); `analyst` receives the lead digest and the daily opinion report. Idempotent."""
    monday = timezone.localdate(now) - dt.timedelta(days=timezone.localdate(now).weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=timezone.get_current_timezone())
    DutyShift.objects.get_or_create(
        user=users["supervisor"], note=DEMO_NOTE, starts_at=start, defaults={"ends_at": start + dt.timedelta(days=7)}
    )
    LeadDigestSubscription.objects.update_or_create(user=users["analyst"], defaults={"daily_report": True, "active": True})
