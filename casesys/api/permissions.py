from __future__ import annotations

from rest_framework.permissions import BasePermission

from casesys.org.models import Role
from casesys.org.roles import has_role, roles_of

# Analysts read everything but register nothing.
INTAKE_ROLES = (Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class IsStaff(BasePermission):
    """A signed-in user with at least one casesys role."""

    message = "此帳號沒有案件系統角色 / This account has no casesys role."

    def has_permission(self, request, view) -> bool:
        return bool(roles_of(request.user))


class CanRegisterCases(BasePermission):
    message = "您沒有登錄案件的權限 / You may not register cases."

    def has_permission(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return has_role(request.user, *INTAKE_ROLES)
