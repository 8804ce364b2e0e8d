"""Role checks used by permissions, selectors and the workflow.

A user's roles live on their StaffProfile. Superusers count as administrators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casesys.org.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from casesys.org.models import Department, StaffProfile


def staff_profile(user: AbstractBaseUser | None) -> StaffProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_casesys_staff", None)
    if cached is not None:
        return cached or None
    from casesys.org.models import StaffProfile

    try:
        profile = StaffProfile.objects.select_related("department").get(user=user)
    except StaffProfile.DoesNotExist:
        profile = None
    remember_staff_profile(user, profile)
    return profile


def remember_staff_profile(user: AbstractBaseUser, profile: StaffProfile | None) -> None:
    """Cache a profile read elsewhere (e.g. joined with the API token) for staff_profile()."""
    user._casesys_staff = profile or False  # type: ignore[attr-defined]  # False: known to have none


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    roles: set[str] = set()
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    profile = staff_profile(user)
    if profile is not None:
        roles.update(profile.roles or [])
    return roles


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def user_department(user) -> Department | None:
    profile = staff_profile(user)
    return profile.department if profile else None


def in_subtree(department: Department | None, root: Department | None) -> bool:
    if department is None or root is None:
        return False
    return department.path.startswith(root.path)
