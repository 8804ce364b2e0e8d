"""Operations middleware: probes, request metrics and access log, 413 and database 503.

Order in ``settings.MIDDLEWARE`` (outermost first)::

    ProbeMiddleware            /healthz, /metrics: before host validation and HTTPS redirect
    RequestMetricsMiddleware   counts, latency and the JSON access log of everything else
    DatabaseUnavailableMiddleware  OperationalError/InterfaceError anywhere below → 503
    RequestTooLargeMiddleware  413 before anything (CSRF, sessions, DRF) reads the body
    NulCharacterMiddleware     NUL byte in the path → 404, in a query or form value → 400
    ... Django's stack ...
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from casesys.common.clientip import client_ip
from casesys.ops import responses, views
from casesys.ops.metrics import DB_UNAVAILABLE, LATENCY, REQUESTS

access_log = logging.getLogger("casesys.request")
log = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponse]


class ProbeMiddleware:
    """Answer health and metrics probes first.

    Load balancers and Prometheus call by IP over plain HTTP: with ``ALLOWED_HOSTS`` and
    ``SECURE_SSL_REDIRECT`` in force they would get 400 or a redirect to HTTPS. The probe
    paths are fixed and read-only, so they are served before those checks.
    """

    PROBES = {"/healthz": views.healthz, "/healthz/live": views.livez, "/metrics": views.metrics}

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.PROBES.get(request.path_info.rstrip("/"))
        if view is not None:
            return view(request)
        return self.get_response(request)


class RequestMetricsMiddleware:
    """Prometheus request count/latency by view; one structured access-log line per request."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.access_log = bool(getattr(settings, "CASESYS_ACCESS_LOG", False))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = (request.META.get("HTTP_X_REQUEST_ID") or "")[:64] or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        # view_name is bounded (one per route): safe as a label, unlike the raw path.
        view = (match.view_name if match else "") or "unmatched"
        REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view, method=request.method).observe(elapsed)
        response.setdefault("X-Request-ID", request_id)
        if self.access_log:
            user = getattr(request, "_cached_user", None)  # only if already loaded: no extra query
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                    "view": view,
                    "user_id": getattr(user, "pk", None),
                    "remote_addr": _client_ip(request),
                },
            )
        return response


def _client_ip(request: HttpRequest) -> str:
    # The same address the abuse limits use: X-Forwarded-For only through a trusted proxy.
    return client_ip(request)


class RequestTooLargeMiddleware:
    """413 (JSON for API clients) for bodies over the limit, before anyone reads them.

    Django raises ``RequestDataTooBig`` only when ``request.POST``/``body`` is read and turns
    it into a 400; DRF's JSON parser reads the stream directly and never checks the limit.
    Checking ``Content-Length`` up front covers both. Limits: ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    for ordinary bodies, ``CASESYS_MAX_UPLOAD_REQUEST_BYTES`` for multipart uploads.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    @staticmethod
    def limit_for(request: HttpRequest) -> int | None:
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            return getattr(settings, "CASESYS_MAX_UPLOAD_REQUEST_BYTES", None)
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = self.limit_for(request)
        if limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return responses.error_response(
                    request, status=400, code="bad_request", message="Content-Length 無效 / Invalid Content-Length."
                )
            if length > limit:
                return self._refuse(request, limit, length)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, limit: int, length: int) -> HttpResponse:
        # Read (and drop) a moderately oversized body first: a server that answers and closes
        # while the client is still sending makes most clients see "broken pipe" instead of
        # the 413. Absurd sizes are not read; the connection is closed on them.
        response = responses.request_too_large(request, limit)
        drain = int(getattr(settings, "CASESYS_MAX_DRAIN_BYTES", 16 * 1024 * 1024))
        if length <= drain:
            try:
                while request.read(64 * 1024):
                    pass
                del response["Connection"]
            except OSError:
                pass
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Chunked bodies carry no Content-Length: Django's own check fires while reading.
        if isinstance(exception, RequestDataTooBig):
            return responses.request_too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
        return None


class NulCharacterMiddleware:
    """A NUL byte (``%00``) in the path is a 404, in a query or form-encoded value a 400.

    PostgreSQL cannot hold NUL in text: every view that looked such a value up (a case
    number in ``/desk/cases/…/``, an Open311 id, a filter) failed with a 500. Refused here
    once for every view, in the caller's error format: the API's JSON
    (``{"detail", "errors"}``), Open311's own error list, an HTML page for browsers. A path
    with NUL names nothing (404, like any unknown number); a parameter with NUL is invalid
    input (400). Multipart bodies are left to the forms (reading them here would fix the
    upload handlers before a view could choose them); Django's form fields refuse NUL.
    """

    MESSAGE = "不可包含 NUL 字元 / Must not contain a NUL character."
    NOT_FOUND = "找不到資料 / Not found."

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            return self._refuse(request, 404, self.NOT_FOUND, {})
        field = self._offending_field(request)
        if field is not None:
            return self._refuse(request, 400, self.MESSAGE, {field: [self.MESSAGE]})
        return self.get_response(request)

    @staticmethod
    def _offending_field(request: HttpRequest) -> str | None:
        sources = [request.GET]
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return key.replace("\x00", "") or "?"
        return None

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str, errors: dict[str, list[str]]) -> HttpResponse:
        path = request.path_info.replace("\x00", "")
        if path.startswith("/open311/"):
            from casesys.open311.render import error

            where = next(iter(errors), "")
            return error("xml" if path.endswith(".xml") else "json", status, f"{where}: {message}" if where else message)
        code = "not_found" if status == 404 else "bad_request"
        return responses.error_response(request, status=status, code=code, message=message, errors=errors)


class DatabaseUnavailableMiddleware:
    """A lost database connection (restart, failover, network) is a clear 503, not a 500.

    Writes are inside ``transaction.atomic`` blocks, so a connection lost half-way rolls the
    whole unit back: the client is told to retry and nothing half-written remains.

    A view's exception arrives in `process_exception`. One raised by another middleware
    (e.g. saving the session) has already become handler500's 500 by the time it gets here:
    `got_request_exception` marks such requests and `__call__` swaps the 500 for the 503.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_casesys_db_unavailable", False):
            return self._unavailable(request, None)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, exception: Exception | None) -> HttpResponse:
        DB_UNAVAILABLE.inc()
        log.warning("database unavailable: %s %s: %s", request.method, request.path, exception or "(in middleware)")
        return responses.database_unavailable(request)


def is_database_unavailable(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


@receiver(got_request_exception)
def _mark_database_unavailable(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        request._casesys_db_unavailable = True  # type: ignore[attr-defined]
