"""常見問題集 / FAQ: entries written by staff and published after a review, proposals drawn
from the agency's own closed cases, and the mailbox's deflection record.

An entry has a Chinese question and answer and, optionally, English ones; the English UI shows
only entries with English text. Its life: draft → published (a reviewer, never its last
editor while `CASESYS_FOUR_EYES` holds) → archived; an edit of a published entry takes it back
to draft until it is reviewed again. Every change writes an `FaqEvent` (who, when, what).

Deflection (docs/faq.md): a mailbox visit is a random key kept in the citizen's browser
session — no address, no name, no cookie value — with the FAQ entries opened from the mailbox's
suggestions and whether a letter was then sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

DRAFT = "draft"
PUBLISHED = "published"
ARCHIVED = "archived"


def can_publish(entry: FaqEntry, user) -> bool:
    from casesys.faq.permissions import may_publish

    return may_publish(user)


def can_edit(entry: FaqEntry, user) -> bool:
    from casesys.faq.permissions import may_edit

    return may_edit(user)


class FaqEntry(models.Model):
    class Status(models.TextChoices):
        DRAFT = DRAFT, _("草稿 / Draft")
        PUBLISHED = PUBLISHED, _("已發布 / Published")
        ARCHIVED = ARCHIVED, _("已封存 / Archived")

    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="faq_entries", verbose_name=_("類別 / category")
    )
    question = models.CharField(_("問題 / question"), max_length=200)
    answer = models.TextField(_("答案 / answer"), max_length=5000)
    question_en = models.CharField(_("英文問題 / question in English"), max_length=300, blank=True)
    answer_en = models.TextField(_("英文答案 / answer in English"), max_length=8000, blank=True)
    status = FSMField(_("狀態 / status"), default=DRAFT, choices=Status.choices, protected=False)
    # Lower-cased overlapping 2-character pieces of the question (both languages), for the
    # mailbox's suggestions (casesys.faq.selectors.matching_entries). Internal.
    bigrams = models.JSONField(default=list, blank=True, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(_("最後編輯 / last edited"), null=True, blank=True)
    published_at = models.DateTimeField(_("發布時間 / published at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_reviewed_at = models.DateTimeField(_("最後檢視日期 / last reviewed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["category__code", "question", "pk"]
        verbose_name = _("常見問題 / FAQ entry")
        verbose_name_plural = _("常見問題 / FAQ entries")
        permissions = [
            ("edit_faq", _("可編寫常見問題 / Can write FAQ entries")),
            ("publish_faq", _("可審核發布常見問題 / Can review and publish FAQ entries")),
        ]
        indexes = [models.Index(fields=["category"], condition=Q(status=PUBLISHED), name="faq_published_category")]

    def __str__(self) -> str:
        return self.question

    @property
    def has_english(self) -> bool:
        return bool(self.question_en.strip() and self.answer_en.strip())

    @transition(field="status", source=DRAFT, target=PUBLISHED, permission=can_publish)
    def publish(self, *, by, now):
        self.published_at = self.published_at or now
        self.last_reviewed_at = now
        self.reviewed_by = by

    @transition(field="status", source=PUBLISHED, target=PUBLISHED, permission=can_publish)
    def review(self, *, by, now):
        self.last_reviewed_at = now
        self.reviewed_by = by

    @transition(field="status", source=PUBLISHED, target=DRAFT, permission=can_publish)
    def unpublish(self, *, by, now):
        pass

    @transition(field="status", source=[DRAFT, PUBLISHED], target=ARCHIVED, permission=can_publish)
    def archive(self, *, by, now):
        pass

    @transition(field="status", source=ARCHIVED, target=DRAFT, permission=can_edit)
    def restore(self, *, by, now):
        pass


class FaqEvent(models.Model):
    """The audit trail of an entry (and of the proposals' decisions)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("建立草稿 / Draft created")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("採用建議 / Proposal accepted")
        EDITED = "edited", _("編輯 / Edited")
        PUBLISHED = "published", _("審核發布 / Reviewed and published")
        REVIEWED = "reviewed", _("檢視確認 / Reviewed, still correct")
        UNPUBLISHED = "unpublished", _("下架 / Unpublished")
        ARCHIVED = "archived", _("封存 / Archived")
        RESTORED = "restored", _("恢復為草稿 / Restored as draft")

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    # Which fields an edit changed (names only: the text is on the entry).
    changed = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["entry", "at"], name="faq_event_entry_at")]


class FaqProposal(models.Model):
    """A draft proposed from frequent closed cases: a group of cases of one category with
    similar subjects, and the most common approved reply among them (personal data masked)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待處理 / Open")
        ACCEPTED = "accepted", _("已採用 / Accepted")
        DISCARDED = "discarded", _("已捨棄 / Discarded")

    category = models.ForeignKey("cases.Category", on_delete=models.CASCADE, related_name="faq_proposals")
    question = models.CharField(max_length=200)
    answer = models.TextField()
    case_count = models.PositiveIntegerField(default=0)
    # How many of those cases carried the proposed reply.
    reply_count = models.PositiveIntegerField(default=0)
    sample_numbers = models.JSONField(default=list, blank=True)
    # The group's signature: bigrams most of its subjects share. A later run recognises the
    # same group by it, so a discarded proposal is not proposed again.
    bigrams = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    entry = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    created_at = models.DateTimeField()
    refreshed_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-case_count", "-pk"]
        verbose_name = _("常見問題建議 / FAQ proposal")
        verbose_name_plural = _("常見問題建議 / FAQ proposals")
        indexes = [models.Index(fields=["category", "status"], name="faq_proposal_cat_status")]

    def __str__(self) -> str:
        return self.question


class MailboxVisit(models.Model):
    """One citizen's use of the mailbox form in one browser session: a random key, when the
    first FAQ entry was opened from its suggestions, and when (if) a letter was sent."""

    key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["started_at"], name="faq_visit_started")]


class MailboxFaqView(models.Model):
    visit = models.ForeignKey(MailboxVisit, on_delete=models.CASCADE, related_name="views")
    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="mailbox_views")
    viewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "entry"], name="faq_view_once_per_visit")]
        indexes = [models.Index(fields=["viewed_at"], name="faq_view_viewed_at")]
