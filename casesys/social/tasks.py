from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from celery import shared_task


@shared_task
def send_lead_digest(day: str | None = None) -> int:
    """Daily (beat): queue yesterday's lead digest for every subscriber."""
    from casesys.social.services import lead_digest_send

    return len(lead_digest_send(day=dt.date.fromisoformat(day) if day else None))


@shared_task(name="casesys.social.tasks.check_lead_alerts")
def check_lead_alerts(lead_id: int) -> int:
    """After a lead commits: alert the supervisor on duty if it is about an existing case."""
    from casesys.social.alerts import lead_alerts_check

    return len(lead_alerts_check(lead_id=lead_id))


@shared_task(name="casesys.social.tasks.scan_lead_clock")
def scan_lead_clock() -> dict:
    """Beat: triage reminders for leads due soon or overdue (and lost alert checks)."""
    from casesys.social.clock import lead_clock_scan

    return asdict(lead_clock_scan())


@shared_task(name="casesys.social.tasks.send_opinion_report")
def send_opinion_report(day: str | None = None) -> int:
    """Daily (beat): queue yesterday's opinion report for every subscriber who wants it."""
    from casesys.social.report import opinion_report_send

    return len(opinion_report_send(day=dt.date.fromisoformat(day) if day else None))
