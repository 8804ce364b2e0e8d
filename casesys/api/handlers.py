"""Site-wide 404/500 handlers: JSON under /api/, Django's usual pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from casesys.api.exceptions import NOT_FOUND, error_body

SERVER_ERROR = "系統發生錯誤，請稍後再試 / Internal error; please try again later."


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(NOT_FOUND), status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(SERVER_ERROR), status=500, json_dumps_params={"ensure_ascii": False})
    return defaults.server_error(request)
