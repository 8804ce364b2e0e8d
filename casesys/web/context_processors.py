from __future__ import annotations

from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.web.i18n import is_english


def web(request) -> dict:
    """Navigation flags and the unread in-app notification count (one indexed COUNT)."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    ctx = {
        "is_en": is_english(),
        "nav": {
            "staff": bool(roles),
            "intake": bool(roles & {Role.INTAKE, Role.ADMIN}),
            "officer": bool(roles & {Role.OFFICER, Role.SUPERVISOR, Role.ADMIN}),
            "supervisor": bool(roles & {Role.SUPERVISOR, Role.ADMIN}),
            "reports": bool(roles & {Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}),
        },
        "unread_count": 0,
    }
    if roles:
        from casesys.web.selectors import notifications_unread_count

        ctx["unread_count"] = notifications_unread_count(user=user)
    return ctx
