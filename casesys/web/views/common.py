"""Helpers shared by the views: access checks, error mapping and the client address."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import render

from casesys.org.roles import roles_of
from casesys.web.i18n import pick, tr


def forbidden(request, message: str | None = None):
    return render(
        request,
        "web/error.html",
        {"title": tr("沒有權限", "Forbidden"), "message": message or tr("您沒有檢視此頁的權限。", "You may not see this page.")},
        status=403,
    )


def not_found(request, message: str | None = None):
    return render(
        request,
        "web/error.html",
        {"title": tr("找不到", "Not found"), "message": message or tr("找不到案件。", "Case not found.")},
        status=404,
    )


def staff_required(*roles: str):
    """Logged in and holding a staff role (any, or one of `roles`)."""

    def deco(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            have = roles_of(request.user)
            if not have or (roles and not have & set(roles)):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def apply_errors(form, exc: ValidationError) -> None:
    """Put a service's field errors next to the matching form fields."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            target = field if field in form.fields else None
            for m in messages:
                form.add_error(target, pick(m) if target is None else m)
    else:
        for m in exc.messages:
            form.add_error(None, m)
