from __future__ import annotations

from celery import shared_task


@shared_task
def propose_faq_entries() -> dict:
    """Nightly (beat): group recent closed cases and propose FAQ drafts (docs/faq.md)."""
    from casesys.faq.proposals import faq_proposals_refresh

    r = faq_proposals_refresh()
    return {"created": r.created, "refreshed": r.refreshed, "skipped": r.skipped, "groups": r.groups}
