from __future__ import annotations

from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.web.i18n import is_english


def _faq_desk(roles: set[str]) -> bool:
    # By role only: a permission check would cost two queries on every staff page. Holders of
    # faq.edit_faq / faq.publish_faq without such a role open /desk/faq/ directly.
    from casesys.faq.permissions import EDIT_ROLES, PUBLISH_ROLES

    return bool(roles & (EDIT_ROLES | PUBLISH_ROLES))


def web(request) -> dict:
    """Navigation flags, the unread in-app notification count (one indexed COUNT) and, for
    administrators, the missing-office-calendar warning (casesys/workcal/upkeep.py)."""
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
            "faq": _faq_desk(roles),
        },
        "unread_count": 0,
        "calendar_warning": "",
    }
    if roles:
        from casesys.web.selectors import notifications_unread_count

        ctx["unread_count"] = notifications_unread_count(user=user)
    if Role.ADMIN in roles:
        from casesys.workcal.upkeep import calendar_warning

        # Only from the warning date on does this query (one primary-key lookup).
        ctx["calendar_warning"] = calendar_warning()
    return ctx
