"""Test-only URLconf: views and a middleware that fail the way a database outage does."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


def db_gone(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def db_closed(request):
    raise InterfaceError("connection already closed")


def boom(request):
    raise RuntimeError("a plain bug")


@csrf_exempt
def read_form(request):
    return JsonResponse({"fields": sorted(request.POST)})


@csrf_exempt
def read_body(request):
    return HttpResponse(str(len(request.body)))


def ok(request):
    return HttpResponse("ok")


class FailingSessionSaveMiddleware:
    """Raises like SessionMiddleware saving a session while PostgreSQL is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.endswith("/save-session-fails/"):
            raise OperationalError("server closed the connection unexpectedly")
        return response


urlpatterns = [
    path("api/v1/db-gone/", db_gone),
    path("db-gone/", db_gone),
    path("db-closed/", db_closed),
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("read-form/", read_form),
    path("api/v1/read-body/", read_body),
    path("api/v1/save-session-fails/", ok),
    path("save-session-fails/", ok),
    path("", include("casesys.ops.urls")),
]
