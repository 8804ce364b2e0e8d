"""Writes owned by the web UI: mailbox submissions with attachments, the satisfaction
survey and marking in-app notifications read (internal notes: `casesys.cases.notes`).

Workflow transitions are never done here: views call `casesys.cases.services`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from casesys.cases.attachments import (  # noqa: F401  (the web UI's names for them)
    MAX_ATTACHMENTS,
    attachment_validate,
    attachments_discard,
    attachments_save,
)
from casesys.cases.events import event_surveyed
from casesys.cases.models import Attachment, Case, Category, State
from casesys.cases.services import IntakeResult, case_intake

logger = logging.getLogger(__name__)


# --- mailbox ----------------------------------------------------------------------------------


def mailbox_submit(
    *,
    category: Category,
    subject: str,
    description: str,
    petitioner: dict[str, Any],
    location: dict[str, Any],
    confidential: bool,
    files: list[UploadedFile],
    language: str = "zh",
) -> IntakeResult:
    """A 首長信箱 letter: the case and its attachments commit together or not at all."""
    attachment_validate(files)
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            result = case_intake(
                channel="web",
                category=category,
                subject=subject,
                description=description,
                petitioner=petitioner,
                location=location,
                confidential=confidential,
                language=language,
            )
            saved = attachments_save(case=result.case, files=files)
    except BaseException:
        # The rows are rolled back; their files must go too, or MEDIA_ROOT fills with orphans.
        attachments_discard(saved)
        raise
    return result


# --- satisfaction survey ----------------------------------------------------------------------


def survey_open(case: Case, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if case.state != State.CLOSED or case.closed_at is None or case.surveyed_at is not None:
        return False
    if case.category.survey_exempt:
        return False
    return now <= case.closed_at + dt.timedelta(days=settings.CASESYS["SURVEY_WINDOW_DAYS"])


def case_survey_submit(*, case: Case, score: int, comment: str = "") -> Case:
    """Record the citizen's 1–5 answer. A dissatisfied answer (at or below
    ``CASESYS["SURVEY_DISSATISFIED_MAX"]``) flags the case for a call-back and opens a
    follow-up (回訪) in the same transaction."""
    from casesys.cases.followups import follow_up_open, is_dissatisfied

    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError({"score": ["請選擇 1 到 5 分 / Choose a score from 1 to 5."]}) from None
    if not 1 <= score <= 5:
        raise ValidationError({"score": ["請選擇 1 到 5 分 / Choose a score from 1 to 5."]})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": ["意見請在 2000 字以內 / Keep the comment under 2000 characters."]})
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
        if locked.category.survey_exempt:
            raise ValidationError({"score": ["此類案件不需填寫滿意度調查 / This kind of case has no survey."]})
        if locked.state != State.CLOSED or locked.closed_at is None:
            raise ValidationError({"score": ["案件尚未結案 / The case is not closed yet."]})
        if locked.surveyed_at is not None:
            raise ValidationError({"score": ["已填寫過滿意度調查 / The survey was already answered."]})
        window = dt.timedelta(days=settings.CASESYS["SURVEY_WINDOW_DAYS"])
        if timezone.now() > locked.closed_at + window:
            raise ValidationError(
                {"score": ["滿意度調查已逾填寫期限 / The survey is closed (it stays open for "
                           f"{settings.CASESYS['SURVEY_WINDOW_DAYS']} days after closure)."]}
            )
        locked.satisfaction = score
        locked.survey_comment = comment
        locked.surveyed_at = timezone.now()
        locked.callback_required = is_dissatisfied(score)
        locked.version += 1
        locked.save(update_fields=["satisfaction", "survey_comment", "surveyed_at", "callback_required", "version", "updated_at"])
        event_surveyed(case=locked, score=score, callback_required=locked.callback_required)
        if locked.callback_required:
            follow_up_open(case=locked, score=score, now=locked.surveyed_at)
    return locked



# --- saved queue filters ------------------------------------------------------------------------

# The query-string keys a saved filter keeps (the queue filter form's fields, sort and tab);
# anything else in the submitted query string (cursors, htmx noise) is dropped.
SAVED_FILTER_KEYS = ("q", "state", "category", "channel", "district", "overdue", "sort", "tab")
SAVED_FILTERS_MAX = 30


def saved_filter_query(raw: str) -> str:
    """Keep only the whitelisted keys of a queue query string, re-encoded."""
    from django.http import QueryDict

    params = QueryDict(raw or "", mutable=True)
    kept = QueryDict(mutable=True)
    for key in SAVED_FILTER_KEYS:
        values = [v for v in params.getlist(key) if v][:1]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


@transaction.atomic
def saved_filter_save(*, user, name: str, scope: str, query: str):
    """Save (or overwrite, by name) one of the user's queue filters."""
    from casesys.web.models import SavedFilter

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["請輸入名稱 / Give the filter a name."]})
    if len(name) > 60:
        raise ValidationError({"name": ["名稱最多 60 字 / At most 60 characters."]})
    if scope not in SavedFilter.Scope.values:
        raise ValidationError({"scope": ["沒有這個佇列 / No such queue."]})
    existing = SavedFilter.objects.select_for_update().filter(user=user, name=name).first()
    if existing is None and SavedFilter.objects.filter(user=user).count() >= SAVED_FILTERS_MAX:
        raise ValidationError({"name": [f"最多儲存 {SAVED_FILTERS_MAX} 個篩選 / At most {SAVED_FILTERS_MAX} saved filters."]})
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, name=name, defaults={"scope": scope, "query": saved_filter_query(query)}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, user, pk: int) -> bool:
    from casesys.web.models import SavedFilter

    deleted, _ = SavedFilter.objects.filter(user=user, pk=pk).delete()
    return bool(deleted)
