"""Reply templates (答復範本) per category, picked by officers when drafting a reply."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReplyTemplate(models.Model):
    # A template for a parent category also serves its subcategories.
    category = models.ForeignKey(
        "cases.Category", on_delete=models.CASCADE, related_name="reply_templates", verbose_name=_("類別 / category")
    )
    title = models.CharField(_("範本名稱 / title"), max_length=100)
    body = models.TextField(
        _("範本內容 / body"), help_text=_("可用 {number}、{subject} / May use {number} and {subject}")
    )
    active = models.BooleanField(_("啟用 / active"), default=True)

    class Meta:
        ordering = ["category__code", "title"]
        verbose_name = _("答復範本 / reply template")
        verbose_name_plural = _("答復範本 / reply templates")

    def __str__(self) -> str:
        return self.title

    def render(self, case) -> str:
        # str.format_map with a fixed dict: unknown braces stay as typed instead of raising.
        class _Safe(dict):
            def __missing__(self, key):
                return "{" + key + "}"

        return self.body.format_map(_Safe(number=case.number, subject=case.subject))


class SavedFilter(models.Model):
    """A queue's filters (and sort) saved by one user under a name, listed as links on the queue."""

    class Scope(models.TextChoices):
        MINE = "mine", _("我的案件 / My queue")
        DEPARTMENT = "department", _("單位案件 / Department queue")
        INTAKE = "intake", _("待分文 / Intake queue")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("使用者 / user")
    )
    name = models.CharField(_("名稱 / name"), max_length=60)
    scope = models.CharField(_("佇列 / queue"), max_length=20, choices=Scope.choices)
    # The queue's query string, only the whitelisted filter keys (casesys.web.services).
    query = models.CharField(_("條件 / query"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("建立時間 / created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("儲存的篩選 / saved filter")
        verbose_name_plural = _("儲存的篩選 / saved filters")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="web_savedfilter_user_name")]

    def __str__(self) -> str:
        return self.name
