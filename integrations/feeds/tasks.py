from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task
def poll_feed(feed_id: int, force: bool = False) -> str:
    from integrations.feeds.services import feed_poll

    return feed_poll(feed_id=feed_id, force=force).status


@shared_task
def poll_due_feeds() -> int:
    """Beat (every minute): hand every due feed to a worker; each feed has its own interval."""
    from integrations.feeds.services import feed_poll, feeds_due

    ids = feeds_due()
    for feed_id in ids:
        try:
            poll_feed.delay(feed_id)
        except Exception:  # noqa: BLE001 - no broker: poll here rather than not at all
            log.warning("feeds: could not enqueue feed %s, polling inline", feed_id, exc_info=True)
            feed_poll(feed_id=feed_id)
    return len(ids)
