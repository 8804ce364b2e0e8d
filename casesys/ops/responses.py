"""Error responses that need nothing but the request: no database, no templates with context.

API clients (paths under ``/api/`` or requests that do not ask for HTML) get DRF-style JSON
``{"detail": ..., "code": ...}``; browsers get a small standalone HTML page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html

DB_UNAVAILABLE_MESSAGE = (
    "系統暫時無法連線資料庫，請稍後再試 / The database is temporarily unavailable, please try again shortly."
)
SERVER_ERROR_MESSAGE = "系統發生錯誤，請稍後再試 / Something went wrong on our side, please try again later."
RETRY_AFTER_SECONDS = 15


def too_large_message(limit: int) -> str:
    return f"請求內容過大（上限 {limit} 位元組）/ Request body too large (limit {limit} bytes)."


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info or ""
    if path.startswith("/api/"):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "text/html" not in accept


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if wants_json(request):
        body = {"detail": message, "errors": errors or {}, "code": code, **extra}
        return JsonResponse(body, status=status, headers=headers, json_dumps_params={"ensure_ascii": False})
    zh, _, en = message.partition(" / ")
    html = format_html(
        '<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><title>{}</title></head>'
        "<body><h1>{}</h1><p>{}</p><p lang=\"en\">{}</p></body></html>",
        f"{status}",
        f"{status}",
        zh,
        en,
    )
    return HttpResponse(html, status=status, headers=headers, content_type="text/html; charset=utf-8")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    return error_response(
        request,
        status=503,
        code="database_unavailable",
        message=DB_UNAVAILABLE_MESSAGE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def request_too_large(request: HttpRequest, limit: int) -> HttpResponse:
    response = error_response(
        request, status=413, code="request_too_large", message=too_large_message(limit), limit_bytes=limit
    )
    # Unless the caller drained the body, it is still on the socket: do not reuse the connection.
    response["Connection"] = "close"
    return response
