"""Follow-ups (回訪): a dissatisfied survey answer leads somewhere.

A score at or below ``CASESYS["SURVEY_DISSATISFIED_MAX"]`` opens a `FollowUp` for the case's
department, due by the end of the ``FOLLOW_UP_WORKING_DAYS``-th working day after it opened
(New Taipei practice: a dissatisfied answer gets a call-back or a second reply). It sits in
the department supervisors' follow-up inbox until one of them records a call-back or sends
the petitioner a second reply; both are audit events on the case timeline, the second reply
also on the citizen's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casesys.cases.events import (
    event_follow_up_callback,
    event_follow_up_opened,
    event_second_reply,
)
from casesys.cases.exceptions import TransitionNotPermittedNow, TransitionPermissionDenied
from casesys.cases.models import Case, FollowUp
from casesys.org.models import Role
from casesys.org.roles import has_role, in_subtree, is_admin, user_department
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date

MAX_TEXT = 5000


def is_dissatisfied(score: int | None) -> bool:
    return score is not None and score <= settings.CASESYS["SURVEY_DISSATISFIED_MAX"]


def follow_up_due(opened_at: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    days = settings.CASESYS["FOLLOW_UP_WORKING_DAYS"]
    return end_of_day(calendar.add_working_days(local_date(opened_at), days))


def can_handle_follow_up(follow_up: FollowUp, user) -> bool:
    """Supervisors of the follow-up's department subtree, and administrators."""
    if is_admin(user):
        return True
    return has_role(user, Role.SUPERVISOR) and in_subtree(follow_up.department, user_department(user))


def follow_up_open(
    *, case: Case, score: int, now: dt.datetime | None = None, calendar: WorkCalendar | None = None
) -> FollowUp:
    """Open the case's follow-up; call inside the transaction that records the survey answer.

    A case has at most one open follow-up: a second dissatisfied answer (after a reopening)
    while one is still open returns that one."""
    now = now or timezone.now()
    with transaction.atomic():
        existing = FollowUp.objects.select_for_update().filter(case=case, status=FollowUp.Status.OPEN).first()
        if existing is not None:
            return existing
        follow_up = FollowUp.objects.create(
            case=case,
            department=case.department,
            score=score,
            opened_at=now,
            due_at=follow_up_due(now, calendar or WorkCalendar.load()),
        )
        event_follow_up_opened(case=case, follow_up=follow_up)
    return follow_up


def _close(*, follow_up: FollowUp, method: str, text: str, field: str, message: str, by) -> FollowUp:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: [f"請在 {MAX_TEXT} 字以內 / Keep it under {MAX_TEXT} characters."]})
    if not can_handle_follow_up(follow_up, by):
        raise TransitionPermissionDenied("只有該單位主管可以辦理回訪 / Only the department's supervisors may close a follow-up.")
    now = timezone.now()
    with transaction.atomic():
        # Conditional update: of two supervisors closing it at once, one wins, the other is told.
        closed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN).update(
            status=FollowUp.Status.DONE, method=method, note=text, closed_at=now, closed_by=by
        )
        if not closed:
            raise TransitionNotPermittedNow("此回訪已辦結 / This follow-up has already been closed.")
        follow_up.refresh_from_db()
        case = follow_up.case
        # The "call back" mark on the case has been answered.
        Case.objects.filter(pk=case.pk).update(callback_required=False)
        case.callback_required = False
        if method == FollowUp.Method.SECOND_REPLY:
            event_second_reply(case=case, actor=by, text=text, follow_up=follow_up)
        else:
            event_follow_up_callback(case=case, actor=by, text=text, follow_up=follow_up)
    return follow_up


def follow_up_record_callback(*, follow_up: FollowUp, note: str, by) -> FollowUp:
    """Close the follow-up with a call-back: what was said, in the supervisor's words."""
    return _close(
        follow_up=follow_up,
        method=FollowUp.Method.CALLBACK,
        text=note,
        field="note",
        message="請記錄回電內容 / Write down what the call-back was about.",
        by=by,
    )


def follow_up_send_second_reply(*, follow_up: FollowUp, reply: str, by) -> FollowUp:
    """Close the follow-up with a second reply, sent to the petitioner and shown on their
    status page."""
    return _close(
        follow_up=follow_up,
        method=FollowUp.Method.SECOND_REPLY,
        text=reply,
        field="reply",
        message="請填寫再次答復內容 / Write the second reply.",
        by=by,
    )
