"""A trained suggestion model, stored in the database so every web process and worker reads
the same one (no shared file system needed). The newest row is the one in use; training
keeps the last few for comparison and deletes older ones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestModel(models.Model):
    trained_at = models.DateTimeField(_("訓練時間 / trained at"))
    # The closed cases it learned from: received in [since, until).
    since = models.DateTimeField(_("起 / from"))
    until = models.DateTimeField(_("迄 / until"))
    cases = models.PositiveIntegerField(_("案件數 / cases"))
    categories = models.PositiveIntegerField(_("類別數 / categories"))
    features = models.PositiveIntegerField(_("特徵數 / features"), default=0)
    seconds = models.FloatField(_("訓練秒數 / training seconds"), default=0)
    # casesys.suggest.classifier's data, JSON compressed with zlib (never pickle).
    data = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-pk"]
        verbose_name = _("類別建議模型 / suggestion model")
        verbose_name_plural = _("類別建議模型 / suggestion models")

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.cases} cases, {self.categories} categories)"
