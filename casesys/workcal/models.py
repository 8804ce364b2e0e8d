from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """A day whose working status differs from (or confirms) the `holidays` package.

    Fed by the DGPA office-calendar import and by administrators declaring closures
    (颱風停班). An override always wins over the package.
    """

    class Source(models.TextChoices):
        DGPA = "dgpa", _("人事行政總處辦公日曆 / DGPA calendar")
        CLOSURE = "closure", _("停班停課 / Office closure")
        MANUAL = "manual", _("手動 / Manual")

    date = models.DateField(_("日期 / date"), unique=True)
    is_working_day = models.BooleanField(_("上班日 / working day"))
    reason = models.CharField(_("說明 / reason"), max_length=200, blank=True)
    source = models.CharField(_("來源 / source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("辦公日曆例外 / calendar override")
        verbose_name_plural = _("辦公日曆例外 / calendar overrides")

    def __str__(self) -> str:
        kind = "上班" if self.is_working_day else "放假"
        return f"{self.date} {kind} {self.reason}"


class CalendarYear(models.Model):
    """A year whose office calendar was imported (DGPA CSV), even if no day changed: until
    next year's is here, its make-up workdays are unknown and deadlines may be wrong."""

    year = models.PositiveIntegerField(_("年 / year"), primary_key=True)
    source = models.CharField(_("來源 / source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("匯入時間 / imported at"))
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    days = models.PositiveIntegerField(_("天數 / days in file"), default=0)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已匯入辦公日曆年度 / imported calendar year")
        verbose_name_plural = _("已匯入辦公日曆年度 / imported calendar years")

    def __str__(self) -> str:
        return str(self.year)
