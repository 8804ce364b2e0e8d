"""Prometheus metrics: HTTP requests by view, and a few business gauges.

Request metrics are ordinary prometheus-client counters/histograms. Under gunicorn with
several workers set ``PROMETHEUS_MULTIPROC_DIR`` (deploy/gunicorn.conf.py does): every
worker then writes its samples to files there and `/metrics` merges them, whichever worker
answers the scrape.

Business gauges (open, overdue, outbox pending, inbound pending) are computed at scrape time
with one COUNT each on the partial indexes the queues already use, and cached for
``CASESYS_METRICS_CACHE_SECONDS`` so many replicas scraping stay cheap.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Multi-process mode writes a file per process there: a missing directory would make
    # every process that imports this module fail.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter(
    "casesys_http_requests_total",
    "HTTP requests by view, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "casesys_http_request_duration_seconds",
    "HTTP request latency by view.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_UNAVAILABLE = Counter(
    "casesys_database_unavailable_total",
    "Requests answered 503 because the database was unreachable.",
)

_CACHE_KEY = "ops:metrics:business"


def business_counts() -> dict[str, int]:
    """The gauges' values: a handful of COUNTs on partial indexes."""
    from casesys.cases.models import OPEN_Q, Case
    from casesys.inbound.models import InboundEvent
    from casesys.notifications.models import Notification

    now = timezone.now()
    return {
        "open": Case.objects.filter(OPEN_Q).count(),
        "overdue": Case.objects.filter(OPEN_Q, due_at__lt=now).count(),
        "outbox_pending": Notification.objects.filter(
            Q(status__in=[Notification.Status.PENDING, Notification.Status.SENDING])
        ).count(),
        "outbox_failed": Notification.objects.filter(status=Notification.Status.FAILED).count(),
        "inbound_pending": InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count(),
        "sent_this_month": connector_sent_this_month(now),
    }


def connector_sent_this_month(now) -> dict[str, int]:
    """Messages each connector channel delivered since the first of this month (Taipei time):
    a per-message cost such as SMS is watched here. Built-in channels are not counted."""
    from casesys.common.channels import registry
    from casesys.notifications.models import Notification

    names = [spec.name for spec in registry().values() if spec.transport]
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = dict(
        Notification.objects.filter(status=Notification.Status.SENT, channel__in=names, sent_at__gte=start)
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    return {name: counts.get(name, 0) for name in names}


def cached_business_counts() -> dict[str, int] | None:
    ttl = int(getattr(settings, "CASESYS_METRICS_CACHE_SECONDS", 15))
    try:
        cached = cache.get(_CACHE_KEY) if ttl else None
    except Exception:  # noqa: BLE001 - a cache outage must not break the scrape
        cached = None
    if cached is not None:
        return cached
    try:
        counts = business_counts()
    except Exception:  # noqa: BLE001 - database down: the gauges are absent, `up` stays 1
        log.warning("business metrics unavailable", exc_info=True)
        return None
    if ttl:
        try:
            cache.set(_CACHE_KEY, counts, ttl)
        except Exception:  # noqa: BLE001
            pass
    return counts


class BusinessCollector:
    """Collector for the gauges, registered only on the scrape registry (not per process)."""

    _HELP = {
        "open": ("casesys_cases_open", "Open cases (received, dispatched, in progress, pending approval)."),
        "overdue": ("casesys_cases_overdue", "Open cases past their due time."),
        "outbox_pending": ("casesys_outbox_pending", "Notifications waiting to be sent (pending or sending)."),
        "outbox_failed": ("casesys_outbox_failed", "Notifications that failed permanently."),
        "inbound_pending": ("casesys_inbound_pending", "Inbound webhook/feed events not processed yet."),
    }

    def collect(self) -> Iterator[Metric]:
        counts = cached_business_counts()
        if counts is None:
            return
        for key, (name, doc) in self._HELP.items():
            yield GaugeMetricFamily(name, doc, value=counts.get(key, 0))
        family = GaugeMetricFamily(
            "casesys_channel_messages_month",
            "Messages delivered this calendar month per connector channel (e.g. SMS, for its cost).",
            labels=["channel"],
        )
        for channel, n in sorted((counts.get("sent_this_month") or {}).items()):
            family.add_metric([channel], n)
        yield family


class _Combined:
    def __init__(self, collectors: Iterable[object]) -> None:
        self._collectors = list(collectors)

    def collect(self) -> Iterator[Metric]:
        for c in self._collectors:
            yield from c.collect()  # type: ignore[attr-defined]


def scrape_registry() -> _Combined:
    """This process's (or, multi-process, every worker's) metrics plus the business gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return _Combined([registry, BusinessCollector()])
    return _Combined([REGISTRY, BusinessCollector()])
