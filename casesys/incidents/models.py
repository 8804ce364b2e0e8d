"""Incidents (事件): many reports of one event, grouped so that one action answers them all.

A case belongs to at most one incident (`IncidentLink.case` is unique). The incident keeps
what the suggestion needs without touching the cases table: the bounding box and the time
window of its linked reports, and the bigrams of their wording.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

OPEN = "open"
CLOSED = "closed"


def can_close_incident(incident: Incident, user) -> bool:
    from casesys.org.models import Role
    from casesys.org.roles import has_role, in_subtree, is_admin, user_department

    if is_admin(user):
        return True
    return has_role(user, Role.SUPERVISOR) and in_subtree(incident.owner_department, user_department(user))


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = OPEN, _("處理中 / Open")
        CLOSED = CLOSED, _("已結束 / Closed")

    title = models.CharField(_("事件名稱 / title"), max_length=200)
    public_description = models.TextField(_("公開說明 / public description"), blank=True)
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("類別 / category")
    )
    owner_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("主責單位 / owner department")
    )
    status = FSMField(_("狀態 / status"), default=OPEN, choices=Status.choices, protected=False)
    district = models.CharField(_("行政區 / district"), max_length=20, blank=True)
    # Bounding box of the linked reports' coordinates (null while none had coordinates).
    min_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    max_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    min_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    max_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Time window: the first and the latest linked report's receipt.
    started_at = models.DateTimeField(_("首報時間 / first report"))
    last_report_at = models.DateTimeField(_("最近通報 / latest report"))
    # Distinct bigrams of the linked reports' subjects and descriptions (capped), for the
    # text part of the suggestion. Internal: never shown.
    bigrams = models.JSONField(default=list, blank=True, editable=False)

    reply = models.TextField(_("統一答復 / reply to every case"), blank=True)
    reply_drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_drafted_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("結束時間 / closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-last_report_at", "-pk"]
        verbose_name = _("事件 / incident")
        verbose_name_plural = _("事件 / incidents")
        indexes = [
            # The suggestion only ever looks at open incidents of recent hours: partial, so the
            # archive of closed incidents never slows it down.
            models.Index(fields=["last_report_at"], condition=Q(status=OPEN), name="incident_open_last_report"),
            models.Index(fields=["min_lat", "max_lat"], condition=Q(status=OPEN), name="incident_open_lat_box"),
            models.Index(fields=["created_at"], name="incident_created_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def centre(self) -> tuple[float, float] | None:
        if self.min_lat is None or self.min_lng is None:
            return None
        return (float(self.min_lat + self.max_lat) / 2, float(self.min_lng + self.max_lng) / 2)

    @transition(field="status", source=OPEN, target=CLOSED, permission=can_close_incident)
    def close(self, *, by, now):
        self.closed_at = now
        self.closed_by = by


class IncidentLink(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    # One incident per case at most: the database says so, whatever the caller.
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="incident_link")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "pk"]
        indexes = [models.Index(fields=["incident", "linked_at"], name="incident_link_incident_at")]
