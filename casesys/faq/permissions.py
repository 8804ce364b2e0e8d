"""Who writes and who publishes FAQ entries.

Like the identity permissions (`cases.view_identity`), a role grants it by default and a Django
permission grants it to anyone else (e.g. a 研考 section head given `faq.publish_faq` in the
admin):

- **editors** write drafts, accept or discard proposals: intake (為民服務), analysts (研考),
  supervisors, administrators, or `faq.edit_faq`;
- **reviewers** publish, confirm (review), unpublish and archive: supervisors, administrators,
  or `faq.publish_faq` — never an entry they edited last while `CASESYS_FOUR_EYES` holds.

Officers read published entries (as reply templates) but do not edit them.
"""

from __future__ import annotations

from django.conf import settings

from casesys.org.models import Role
from casesys.org.roles import roles_of

EDIT_ROLES = frozenset({Role.INTAKE, Role.ANALYST, Role.SUPERVISOR, Role.ADMIN})
PUBLISH_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_edit(user) -> bool:
    roles = roles_of(user)
    if roles & EDIT_ROLES:
        return True
    return bool(roles) and user.has_perm("faq.edit_faq")


def may_publish(user) -> bool:
    roles = roles_of(user)
    if roles & PUBLISH_ROLES:
        return True
    return bool(roles) and user.has_perm("faq.publish_faq")


def may_use_desk(user) -> bool:
    return may_edit(user) or may_publish(user)


def four_eyes() -> bool:
    return bool(settings.CASESYS.get("FOUR_EYES", True))
