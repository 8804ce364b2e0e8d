"""Internal notes (內部註記): never shown to the citizen.

Who may add one: the staff who may act on the case — officers of its department and the
officer it is assigned to, supervisors of its subtree, intake while it is undispatched, and
administrators. Analysts (研考) read everything and write nothing, so they may not. Each note
writes a `note_added` audit event (not public; the text stays in the note, not the event).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from casesys.cases.events import event_note_added
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.models import Case, CaseNote
from casesys.org.models import Role
from casesys.org.roles import has_role, in_subtree, is_admin, user_department

MAX_NOTE_LENGTH = 5000
NOT_ALLOWED = "您沒有在此案件新增註記的權限 / You may not add notes to this case."


def can_add_note(case: Case, user) -> bool:
    if is_admin(user):
        return True
    if has_role(user, Role.SUPERVISOR) and in_subtree(case.department, user_department(user)):
        return True
    if has_role(user, Role.OFFICER, Role.SUPERVISOR):
        dept = user_department(user)
        if case.department_id is not None and dept is not None and case.department_id == dept.pk:
            return True
        if case.assignee_id is not None and case.assignee_id == user.pk:
            return True
    return has_role(user, Role.INTAKE) and case.department_id is None


def case_add_note(*, case: Case, text: str, by) -> CaseNote:
    if not can_add_note(case, by):
        raise TransitionPermissionDenied(NOT_ALLOWED)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["請輸入註記內容 / Write the note."]})
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=by, text=text[:MAX_NOTE_LENGTH])
        event_note_added(case=case, actor=by, note_id=note.pk)
    return note
