"""Writes to the FAQ: create and edit drafts, the review step, proposals' decisions and the
mailbox's deflection record. Keyword-only, atomic, audited (`FaqEvent`)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from casesys.cases.exceptions import CaseError, ConcurrentUpdate, TransitionPermissionDenied
from casesys.cases.models import Category
from casesys.cases.search import text_bigrams
from casesys.faq.models import (
    DRAFT,
    PUBLISHED,
    FaqEntry,
    FaqEvent,
    FaqProposal,
    MailboxFaqView,
    MailboxVisit,
)
from casesys.faq.permissions import four_eyes, may_edit

TEXT_FIELDS = ("category", "question", "answer", "question_en", "answer_en")
TRANSITIONS = {
    "publish": FaqEvent.Kind.PUBLISHED,
    "review": FaqEvent.Kind.REVIEWED,
    "unpublish": FaqEvent.Kind.UNPUBLISHED,
    "archive": FaqEvent.Kind.ARCHIVED,
    "restore": FaqEvent.Kind.RESTORED,
}
NOT_EDITOR = "您沒有編寫常見問題的權限 / You may not write FAQ entries."
NOT_REVIEWER = "您沒有審核常見問題的權限 / You may not review FAQ entries."
OWN_EDIT = "不可審核自己最後編輯的內容 / You cannot review an entry you edited last."


class FaqStateError(CaseError):
    status_code = 409
    default_message = "常見問題目前的狀態不允許此動作 / The entry's current state does not allow this action."


def entry_bigrams(*, question: str, question_en: str = "") -> list[str]:
    return sorted(text_bigrams(f"{question} {question_en}"))


def _clean_text(*, category, question: str, answer: str, question_en: str, answer_en: str) -> dict:
    data = {
        "question": (question or "").strip(),
        "answer": (answer or "").strip(),
        "question_en": (question_en or "").strip(),
        "answer_en": (answer_en or "").strip(),
    }
    errors: dict[str, list[str]] = {}
    if not data["question"]:
        errors["question"] = ["請填寫問題 / Write the question."]
    if not data["answer"]:
        errors["answer"] = ["請填寫答案 / Write the answer."]
    if bool(data["question_en"]) != bool(data["answer_en"]):
        field = "answer_en" if data["question_en"] else "question_en"
        errors[field] = ["英文問題與答案須一併填寫 / Give both the English question and answer, or neither."]
    if category is None or not isinstance(category, Category):
        errors["category"] = ["請選擇類別 / Choose a category."]
    if errors:
        raise ValidationError(errors)
    return {**data, "category": category}


def _record(entry: FaqEntry, kind: str, *, by, now: dt.datetime, changed: list[str] | None = None, note: str = "") -> None:
    FaqEvent.objects.create(entry=entry, kind=kind, by=by, at=now, changed=changed or [], note=note[:500])


@transaction.atomic
def faq_entry_create(
    *,
    category: Category | None,
    question: str,
    answer: str,
    question_en: str = "",
    answer_en: str = "",
    by,
    now: dt.datetime | None = None,
    kind: str = FaqEvent.Kind.CREATED,
    note: str = "",
) -> FaqEntry:
    if not may_edit(by):
        raise TransitionPermissionDenied(NOT_EDITOR)
    now = now or timezone.now()
    data = _clean_text(category=category, question=question, answer=answer, question_en=question_en, answer_en=answer_en)
    entry = FaqEntry.objects.create(
        **data,
        bigrams=entry_bigrams(question=data["question"], question_en=data["question_en"]),
        created_by=by,
        edited_by=by,
        edited_at=now,
    )
    _record(entry, kind, by=by, now=now, note=note)
    return entry


def _locked(entry: FaqEntry, version: int | None) -> FaqEntry:
    locked = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    if version is not None and locked.version != version:
        raise ConcurrentUpdate("此問答已被他人更新，請重新整理後再試 / Someone else changed this entry; reload and retry.")
    return locked


@transaction.atomic
def faq_entry_update(
    *,
    entry: FaqEntry,
    category: Category | None,
    question: str,
    answer: str,
    question_en: str = "",
    answer_en: str = "",
    by,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> FaqEntry:
    """Save an edit. A published entry goes back to draft: the public sees the change only
    after a reviewer publishes it again. Nothing changed: nothing written."""
    if not may_edit(by):
        raise TransitionPermissionDenied(NOT_EDITOR)
    now = now or timezone.now()
    entry = _locked(entry, version)
    if entry.status not in (DRAFT, PUBLISHED):
        raise FaqStateError("封存的問答須先恢復為草稿 / Restore the archived entry as a draft first.")
    data = _clean_text(category=category, question=question, answer=answer, question_en=question_en, answer_en=answer_en)
    changed = [f for f in TEXT_FIELDS if getattr(entry, f) != data[f]]
    if not changed:
        return entry
    for f in TEXT_FIELDS:
        setattr(entry, f, data[f])
    entry.bigrams = entry_bigrams(question=entry.question, question_en=entry.question_en)
    was_published = entry.status == PUBLISHED
    entry.status = DRAFT
    entry.edited_by, entry.edited_at = by, now
    entry.version += 1
    entry.save()
    note = "已發布的問答改為草稿，待重新審核 / The published entry is a draft again until reviewed" if was_published else ""
    _record(entry, FaqEvent.Kind.EDITED, by=by, now=now, changed=changed, note=note)
    return entry


@transaction.atomic
def faq_entry_transition(
    *, entry: FaqEntry, name: str, by, version: int | None = None, now: dt.datetime | None = None, note: str = ""
) -> FaqEntry:
    """publish · review · unpublish · archive (reviewers) · restore (editors)."""
    if name not in TRANSITIONS:
        raise FaqStateError()
    now = now or timezone.now()
    entry = _locked(entry, version)
    method = getattr(entry, name)
    if not can_proceed(method):
        raise FaqStateError()
    if not has_transition_perm(method, by):
        raise TransitionPermissionDenied(NOT_EDITOR if name == "restore" else NOT_REVIEWER)
    if name in ("publish", "review") and four_eyes() and entry.edited_by_id == by.pk:
        raise TransitionPermissionDenied(OWN_EDIT)
    method(by=by, now=now)
    entry.version += 1
    entry.save()
    _record(entry, TRANSITIONS[name], by=by, now=now, note=note)
    return entry


def available_transitions(entry: FaqEntry, user) -> list[str]:
    out = []
    for name in TRANSITIONS:
        method = getattr(entry, name)
        if not (can_proceed(method) and has_transition_perm(method, user)):
            continue
        if name in ("publish", "review") and four_eyes() and entry.edited_by_id == user.pk:
            continue
        out.append(name)
    return out


# --- proposals --------------------------------------------------------------------------


def _open_proposal(proposal: FaqProposal) -> FaqProposal:
    locked = FaqProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != FaqProposal.Status.OPEN:
        raise FaqStateError("此建議已處理 / This proposal was already decided.")
    return locked


@transaction.atomic
def faq_proposal_accept(*, proposal: FaqProposal, by, now: dt.datetime | None = None) -> FaqEntry:
    """The proposal becomes a draft entry (to edit, then to be reviewed)."""
    if not may_edit(by):
        raise TransitionPermissionDenied(NOT_EDITOR)
    now = now or timezone.now()
    proposal = _open_proposal(proposal)
    numbers = ", ".join(proposal.sample_numbers[:5])
    entry = faq_entry_create(
        category=proposal.category, question=proposal.question, answer=proposal.answer, by=by, now=now,
        kind=FaqEvent.Kind.PROPOSAL_ACCEPTED,
        note=f"{proposal.case_count} 件案件（例：{numbers}）/ {proposal.case_count} cases (e.g. {numbers})",
    )
    proposal.status, proposal.entry = FaqProposal.Status.ACCEPTED, entry
    proposal.decided_by, proposal.decided_at = by, now
    proposal.save(update_fields=["status", "entry", "decided_by", "decided_at"])
    return entry


@transaction.atomic
def faq_proposal_discard(*, proposal: FaqProposal, by, now: dt.datetime | None = None) -> FaqProposal:
    """Not an FAQ: kept as discarded, so the same group of cases is not proposed again."""
    if not may_edit(by):
        raise TransitionPermissionDenied(NOT_EDITOR)
    now = now or timezone.now()
    proposal = _open_proposal(proposal)
    proposal.status = FaqProposal.Status.DISCARDED
    proposal.decided_by, proposal.decided_at = by, now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


# --- the mailbox's deflection record ------------------------------------------------------


def new_visit_key() -> str:
    return secrets.token_urlsafe(24)


def mailbox_faq_viewed(*, key: str, entry: FaqEntry, now: dt.datetime | None = None) -> None:
    """A citizen opened `entry` from the mailbox's suggestions (once per visit and entry)."""
    now = now or timezone.now()
    with transaction.atomic():
        visit, _ = MailboxVisit.objects.get_or_create(key=key, defaults={"started_at": now})
        try:
            with transaction.atomic():
                MailboxFaqView.objects.create(visit=visit, entry=entry, viewed_at=now)
        except IntegrityError:
            pass


def mailbox_submitted(*, key: str, now: dt.datetime | None = None) -> bool:
    """The visit sent its letter (only visits that opened an FAQ entry have a row)."""
    now = now or timezone.now()
    return bool(MailboxVisit.objects.filter(key=key, submitted_at__isnull=True).update(submitted_at=now))
