"""Reactions to new leads: the alert check, after the lead's transaction commits."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from casesys.common.publish import publish_best_effort
from casesys.inbound.signals import lead_recorded


@receiver(lead_recorded, dispatch_uid="social.lead_alert_check")
def check_alerts_on_commit(*, lead, **kwargs) -> None:
    """A task per new lead, published once the lead commits, so the webhook or feed poll
    that recorded it never waits on the matching. A lost message is caught by the lead-clock
    scan (the lead's `alerts_checked_at` stays empty)."""
    from casesys.social.tasks import check_lead_alerts

    lead_id = lead.pk
    transaction.on_commit(lambda: publish_best_effort(check_lead_alerts, [(lead_id,)]))
