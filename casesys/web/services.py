"""Writes owned by the web UI: mailbox submissions with attachments, the satisfaction
survey and marking in-app notifications read (internal notes: `casesys.cases.notes`).

Workflow transitions are never done here: views call `casesys.cases.services`.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from casesys.cases.events import event_surveyed
from casesys.cases.files import ATTACHMENT_NAME_MAX_CHARS, attachment_name_too_long
from casesys.cases.models import Attachment, Case, Category, State
from casesys.cases.services import IntakeResult, case_intake

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5


# --- attachments ------------------------------------------------------------------------------


def attachment_validate(files: list[UploadedFile]) -> None:
    limit = settings.CASESYS["ATTACHMENT_MAX_BYTES"]
    allowed = set(settings.CASESYS["ATTACHMENT_TYPES"])
    errors: list[str] = []
    if len(files) > MAX_ATTACHMENTS:
        errors.append(f"附件最多 {MAX_ATTACHMENTS} 個 / At most {MAX_ATTACHMENTS} attachments.")
    for f in files:
        if attachment_name_too_long(f.name or ""):
            short = (f.name or "")[:20] + "…"
            errors.append(
                f"檔名過長（上限 {ATTACHMENT_NAME_MAX_CHARS} 字）：{short} / File name too long "
                f"({ATTACHMENT_NAME_MAX_CHARS} characters max): {short}"
            )
            continue
        # Trust neither the browser's type nor the name alone: both must agree with the list.
        guessed = mimetypes.guess_type(f.name or "")[0] or ""
        declared = (f.content_type or "").split(";")[0].strip()
        if declared not in allowed or (guessed and guessed not in allowed):
            errors.append(f"不接受的檔案類型：{f.name} / File type not accepted: {f.name}")
        if f.size > limit:
            errors.append(
                f"檔案過大：{f.name}（上限 {limit // (1024 * 1024)} MB）/ File too large: {f.name} (limit {limit // (1024 * 1024)} MB)"
            )
    if errors:
        raise ValidationError({"attachments": errors})


def attachments_save(*, case: Case, files: list[UploadedFile], by=None) -> list[Attachment]:
    """Save the files and their rows. Call inside the caller's transaction, and on any failure
    of that transaction remove the files with `attachments_discard` (a rollback only undoes rows);
    the files of a failure in here are removed before it is raised."""
    attachment_validate(files)
    saved: list[Attachment] = []
    try:
        for f in files:
            att = Attachment(
                case=case,
                original_name=(f.name or "file")[:200],
                content_type=(f.content_type or "application/octet-stream")[:100],
                size=f.size,
                uploaded_by=by if getattr(by, "pk", None) else None,
            )
            saved.append(att)
            att.file.save(f.name or "file", f, save=False)
            att.save()
    except BaseException:
        attachments_discard(saved)
        raise
    return saved


def attachments_discard(attachments: list[Attachment]) -> None:
    """Delete the stored files of attachments whose rows were (or will be) rolled back."""
    for att in attachments:
        if att.file.name:
            try:
                att.file.storage.delete(att.file.name)
            except OSError:
                logger.warning("could not remove the file of a rolled-back attachment", exc_info=True)


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
