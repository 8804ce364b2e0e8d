"""Operations endpoints: `/healthz`, `/healthz/live`, `/metrics`."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from casesys.ops import responses
from casesys.ops.health import health_report
from casesys.ops.metrics import scrape_registry

log = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when database, broker, worker and beat (and the report replica, when configured)
    are all healthy, else 503; JSON per component."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_safe
def livez(request: HttpRequest) -> HttpResponse:
    """The process answers. For load balancers: a database outage must not empty the pool
    (every replica would fail at once and users would get the balancer's error page instead
    of our 503 with a message)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        supplied = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), token.encode()):
            response = responses.error_response(
                request, status=401, code="not_authenticated", message="需要權杖 / Metrics token required."
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)  # type: ignore[arg-type]
