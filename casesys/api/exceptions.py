"""One JSON error shape for every DRF view in the project.

    {"detail": "human-readable message", "errors": {"field": ["message", …]}}

`errors` is empty unless the input was invalid. Core exceptions map to their HTTP status:
Django ValidationError → 400, TransitionPermissionDenied → 403, TransitionNotPermittedNow /
ConcurrentUpdate → 409, RevealNotAllowed → 403, Http404 → 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from casesys.cases.exceptions import CaseError
from casesys.cases.identity import RevealNotAllowed

NOT_FOUND = "找不到資料 / Not found."
INVALID = "輸入資料有誤，請檢查各欄位 / Some fields are invalid."
THROTTLED = "嘗試次數過多，請於 {wait} 秒後再試 / Too many attempts; try again in {wait} seconds."
NON_FIELD = "non_field_errors"


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": str(detail), "errors": errors or {}}


def flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (nested dicts/lists) → {"petitioner.name": ["…"]}."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(data, list | tuple):
        for i, item in enumerate(data):
            if isinstance(item, dict | list | tuple):
                # A list of nested objects: index them so the client can find the row.
                for k, v in flatten_errors(item, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or NON_FIELD, []).append(str(item))
    elif data is not None:
        out.setdefault(prefix or NON_FIELD, []).append(str(data))
    return out


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, CaseError):
        return Response(error_body(exc.message), status=exc.status_code)
    if isinstance(exc, RevealNotAllowed):
        return Response(error_body(str(exc)), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Unexpected: let Django log it and answer through handler500 (JSON under /api/).
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        if set(errors) == {NON_FIELD} and len(errors[NON_FIELD]) == 1:
            detail = errors[NON_FIELD][0]
        else:
            detail = INVALID
        response.data = error_body(detail, errors)
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        response.data = error_body(THROTTLED.format(wait=wait))
    else:
        detail = getattr(exc, "detail", None)
        if isinstance(detail, dict | list):
            errors = flatten_errors(detail)
            first = next(iter(errors.values()), [str(exc)])
            response.data = error_body(first[0], {})
        else:
            response.data = error_body(str(detail) if detail is not None else str(exc))
    return response
