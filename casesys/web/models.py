"""Reply templates (答復範本) per category, picked by officers when drafting a reply."""

from __future__ import annotations

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
