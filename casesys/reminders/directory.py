"""Who gets a reminder: staff resolved from roles and the department tree.

Loaded once per scan (two queries), then asked in memory for every case, so the number of
queries per batch does not depend on the number of cases or recipients.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from casesys.org.models import Department, Role, StaffProfile
from casesys.reminders.models import Recipient


@dataclass
class Member:
    user: object
    department_id: int
    path: str
    roles: frozenset[str]


@dataclass
class StaffDirectory:
    members: list[Member] = field(default_factory=list)
    departments: dict[int, Department] = field(default_factory=dict)
    by_code: dict[str, Department] = field(default_factory=dict)

    @classmethod
    def load(cls) -> StaffDirectory:
        departments = {d.pk: d for d in Department.objects.only("id", "code", "path", "kind", "name", "name_en")}
        members = [
            Member(p.user, p.department_id, departments[p.department_id].path, frozenset(p.roles or []))
            for p in StaffProfile.objects.select_related("user").filter(user__is_active=True)
            if p.department_id in departments
        ]
        return cls(members, departments, {d.code: d for d in departments.values()})

    # Memoised per scan: the same few roles and departments are asked about for every case.
    _by_role: dict[str, list[Member]] = field(default_factory=dict, repr=False)
    _supervisors: dict[int, list[Member]] = field(default_factory=dict, repr=False)

    def _with(self, role: str) -> list[Member]:
        found = self._by_role.get(role)
        if found is None:
            found = self._by_role[role] = [m for m in self.members if role in m.roles]
        return found

    def agency_of(self, department: Department | None) -> Department | None:
        if department is None:
            return None
        codes = [c for c in department.path.strip("/").split("/") if c]
        for code in reversed(codes):
            node = self.by_code.get(code)
            if node is not None and node.kind == Department.Kind.AGENCY:
                return node
        return self.by_code.get(codes[0]) if codes else department

    def supervisors_of(self, department: Department | None) -> list[Member]:
        """The nearest supervisors above (or in) the department."""
        if department is None:
            return []
        found = self._supervisors.get(department.pk)
        if found is None:
            covering = [m for m in self._with(Role.SUPERVISOR) if department.path.startswith(m.path)]
            nearest = max((len(m.path) for m in covering), default=0)
            found = self._supervisors[department.pk] = [m for m in covering if len(m.path) == nearest]
        return found

    def approvers_of(self, department: Department | None, *, drafter_id: int | None) -> list[Member]:
        """Four eyes: the nearest supervisors other than the reply's drafter (another one of
        the same subtree, else those of the parent department)."""
        if department is None or drafter_id is None:
            return self.supervisors_of(department)
        covering = [
            m for m in self._with(Role.SUPERVISOR) if department.path.startswith(m.path) and m.user.pk != drafter_id
        ]
        nearest = max((len(m.path) for m in covering), default=0)
        return [m for m in covering if len(m.path) == nearest]

    def resolve(self, recipient: str, case) -> list[object]:
        department = self.departments.get(case.department_id) if case.department_id else None
        found: list[Member] = []
        if recipient == Recipient.ASSIGNEE:
            return [case.assignee] if case.assignee_id and case.assignee.is_active else []
        if recipient == Recipient.ASSIGNEE_OR_DEPARTMENT:
            if case.assignee_id:
                return [case.assignee] if case.assignee.is_active else []
            if department is None:
                found = self._with(Role.INTAKE)
            else:
                found = [m for m in self._with(Role.OFFICER) if m.department_id == department.pk]
                found = found or self.supervisors_of(department)
        elif recipient == Recipient.APPROVER and department is not None:
            from casesys.cases.workflow import four_eyes

            drafter_id = getattr(case, "replied_by_id", None) if four_eyes() else None
            found = self.approvers_of(department, drafter_id=drafter_id)
        elif recipient in (Recipient.DEPARTMENT_SUPERVISOR, Recipient.APPROVER):
            found = self.supervisors_of(department) if department else self._with(Role.INTAKE)
        elif recipient == Recipient.AGENCY_ANALYSTS:
            agency = self.agency_of(department)
            found = [m for m in self._with(Role.ANALYST) if agency is None or m.path.startswith(agency.path)]
        elif recipient == Recipient.AGENCY_HEAD:
            agency = self.agency_of(department)
            found = [m for m in self._with(Role.SUPERVISOR) if agency is not None and m.department_id == agency.pk]
        elif recipient == Recipient.INTAKE:
            agency = self.agency_of(department)
            found = [m for m in self._with(Role.INTAKE) if agency is None or m.path.startswith(agency.path)]
        return [m.user for m in found]

    def resolve_all(self, recipients: list[str], case) -> list[object]:
        users: dict[int, object] = {}
        for recipient in recipients:
            for user in self.resolve(recipient, case):
                users.setdefault(user.pk, user)
        return list(users.values())
