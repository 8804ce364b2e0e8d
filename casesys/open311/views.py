"""Open311 GeoReport v2 endpoints at /open311/v2/ (JSON and XML).

Thin views: parse parameters, call a selector or service, render. Every error uses the
specification's error format (`code`, `description`) with 400, 403 or 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from casesys.common.limits import client_ident
from casesys.open311 import selectors
from casesys.open311.models import RequestToken
from casesys.open311.public import request_dict, service_dict
from casesys.open311.render import error, respond
from casesys.open311.services import (
    Open311Error,
    open311_request_create,
    partner_authenticate,
    partner_rate_check,
)

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-11-22T00:00:00+08:00"


def _jurisdiction_ok(request: HttpRequest) -> bool:
    expected = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    return not (expected and given and given != expected)


def open311_view(methods: list[str]) -> Callable:
    """Method check, jurisdiction check and Open311Error → spec error response."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = error(fmt, 405, f"不支援的方法 / Method {request.method} is not supported here")
                response["Allow"] = ", ".join(methods)
                return response
            if not _jurisdiction_ok(request):
                return error(fmt, 404, "找不到此 jurisdiction_id / jurisdiction_id not found")
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                response = error(fmt, exc.status, exc.description)
                if exc.retry_after:
                    response["Retry-After"] = str(exc.retry_after)
                return response

        return wrapper

    return decorator


@open311_view(["GET"])
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": CHANGESET,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or settings.DEFAULT_FROM_EMAIL,
        "key_service": "api_key 由系統管理者核發 / api_key is issued by the administrators on request",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(
        fmt, data, root="discovery", item=None, item_names={"endpoints": "endpoint", "formats": "format"}
    )


@open311_view(["GET"])
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    data = [service_dict(c) for c in selectors.services_qs()]
    return respond(fmt, data, root="services", item="service")


@open311_view(["GET"])
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = selectors.service_get(service_code)
    if category is None:
        raise Open311Error(404, f"找不到服務 / service_code not found: {service_code}")
    # Categories carry no extra attributes: the definition is the code and an empty list.
    data = {"service_code": category.code, "attributes": []}
    if fmt == "json":
        return respond(fmt, data, root="service_definition", item=None)
    return respond(fmt, data, root="service_definition", item=None, item_names={"attributes": "attribute"})


def _parse_when(value: str | None, field: str, *, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    value = value.strip().replace(" ", "+") if "T" in value else value.strip()
    invalid = Open311Error(400, f"{field} 須為 ISO 8601 日期時間 / {field} must be an ISO 8601 date-time")
    try:
        # Well-formed but impossible values (2026-02-30, 25:00, an offset of 99 hours) raise
        # ValueError; malformed ones give None.
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is None:
                raise invalid
            parsed = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
    except (ValueError, OverflowError):
        raise invalid from None
    return parsed


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _requests_get(request: HttpRequest, fmt: str) -> HttpResponse:
    statuses = [s.lower() for s in _csv(request.GET.get("status"))]
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise Open311Error(400, "status 只能是 open 或 closed / status must be open or closed")
    start = _parse_when(request.GET.get("start_date"), "start_date")
    end = _parse_when(request.GET.get("end_date"), "end_date", end=True)
    if start and end and start > end:
        raise Open311Error(400, "start_date 晚於 end_date / start_date is after end_date")
    cases = selectors.requests_search(
        numbers=_csv(request.GET.get("service_request_id")),
        service_codes=_csv(request.GET.get("service_code")),
        statuses=statuses,
        start=start,
        end=end,
        now=timezone.now(),
    )
    return respond(fmt, [request_dict(c) for c in cases], root="service_requests", item="request")


def _requests_post(request: HttpRequest, fmt: str) -> HttpResponse:
    params = {k: v for k, v in request.POST.items()}
    # Form-encoded bodies are checked by the NUL middleware; multipart ones are not.
    bad = next((k for k, v in params.items() if "\x00" in k or "\x00" in v), None)
    if bad is not None:
        raise Open311Error(400, f"{bad.replace(chr(0), '')}: 不可包含 NUL 字元 / must not contain a NUL character")
    # GeoReport v2 puts api_key in the form (or query); the X-Api-Key header keeps it out of
    # URLs, proxies' logs and browser histories.
    api_key = request.headers.get("X-Api-Key") or params.get("api_key") or request.GET.get("api_key")
    partner = partner_authenticate(api_key, client=client_ident(request))
    partner_rate_check(partner=partner)
    created = open311_request_create(partner=partner, params=params)
    data = [
        {
            "service_request_id": created.case.number,
            "token": created.token,
            "service_notice": "案件已受理，將依規定期限處理 / Your request has been received",
            "account_id": "",
        }
    ]
    return respond(fmt, data, root="service_requests", item="request", status=201)


@open311_view(["GET", "POST"])
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _requests_post(request, fmt)
    return _requests_get(request, fmt)


@open311_view(["GET"])
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    case = selectors.request_get(service_request_id)
    if case is None:
        raise Open311Error(404, f"找不到案件 / service_request_id not found: {service_request_id}")
    return respond(fmt, [request_dict(case)], root="service_requests", item="request")


@open311_view(["GET"])
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    row = RequestToken.objects.filter(token=token).select_related("case").first()
    if row is None:
        raise Open311Error(404, f"找不到 token / token not found: {token}")
    data = [{"service_request_id": row.case.number, "token": row.token}]
    return respond(fmt, data, root="service_requests", item="request")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, 404, "找不到此資源 / No such Open311 resource")
