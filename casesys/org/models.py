"""Agencies, departments and staff roles.

Departments form one tree (機關 → 單位 → 科室). ``path`` is a materialised path of codes
("/TPE/CIV/CIV01/") so a supervisor's subtree is one indexed ``LIKE 'prefix%'``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("受理分文 / Intake")
    OFFICER = "officer", _("承辦人 / Case officer")
    SUPERVISOR = "supervisor", _("主管 / Supervisor")
    ANALYST = "analyst", _("研考 / Analyst")
    ADMIN = "admin", _("系統管理者 / Administrator")


MOVE_UNDER_ITSELF = (
    "不可將單位移到自己或其下級單位之下 / A department cannot be moved under itself or one of its own sub-departments."
)


class Department(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("機關 / Agency")
        UNIT = "unit", _("單位 / Unit")
        SECTION = "section", _("科室 / Section")

    code = models.CharField(_("代碼 / code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上級 / parent")
    )
    name = models.CharField(_("名稱 / name"), max_length=100)
    name_en = models.CharField(_("英文名稱 / English name"), max_length=150, blank=True)
    kind = models.CharField(_("層級 / level"), max_length=10, choices=Kind.choices, default=Kind.SECTION)
    path = models.CharField(max_length=500, editable=False, db_index=True)
    active = models.BooleanField(_("啟用 / active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("機關單位 / department")
        verbose_name_plural = _("機關單位 / departments")
        indexes = [models.Index(fields=["path"], name="org_dept_path_like", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def _moves_under_itself(self, parent: Department | None, own_path: str) -> bool:
        return parent is not None and self.pk is not None and (parent.pk == self.pk or parent.path.startswith(own_path))

    def clean(self) -> None:
        super().clean()
        # The admin form: a clear field error instead of the save's exception.
        if self.pk is not None and self.parent_id is not None:
            own_path = Department.objects.filter(pk=self.pk).values_list("path", flat=True).first() or self.path
            if self._moves_under_itself(Department.objects.filter(pk=self.parent_id).first(), own_path):
                raise ValidationError({"parent": [MOVE_UNDER_ITSELF]})

    def save(self, *args, **kwargs):
        """Save, and rewrite the paths of the whole subtree when this one's path changes (a
        move or a new code), in one transaction: a supervisor's scope is a prefix match on
        `path`, so every row below must follow at once."""
        if self.pk is None:
            self.path = self.compute_path()
            return super().save(*args, **kwargs)
        with transaction.atomic():
            # Lock this row and the new parent (in id order) against a concurrent move that
            # could otherwise close a loop between the two.
            locked = {
                d.pk: d
                for d in Department.objects.select_for_update()
                .filter(pk__in=[pk for pk in (self.pk, self.parent_id) if pk is not None])
                .order_by("pk")
                .only("pk", "path")
            }
            old_path = locked[self.pk].path if self.pk in locked else self.path
            if self.parent_id is not None:
                parent = self.parent
                parent.path = locked[self.parent_id].path if self.parent_id in locked else parent.path
                if self._moves_under_itself(parent, old_path):
                    raise ValidationError({"parent": [MOVE_UNDER_ITSELF]})
            self.path = self.compute_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                Department.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(self.path), Substr("path", len(old_path) + 1), output_field=models.CharField())
                )

    @property
    def agency(self) -> Department:
        node = self
        while node.parent_id is not None and node.kind != self.Kind.AGENCY:
            node = node.parent
        return node

    def ancestors_and_self_ids(self) -> list[int]:
        codes = [c for c in self.path.strip("/").split("/") if c]
        return list(Department.objects.filter(code__in=codes).values_list("id", flat=True))


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="staff", verbose_name=_("所屬單位 / department")
    )
    roles = models.JSONField(_("角色 / roles"), default=list, help_text="intake, officer, supervisor, analyst, admin")
    title = models.CharField(_("職稱 / title"), max_length=50, blank=True)
    phone = models.CharField(_("電話 / phone"), max_length=30, blank=True)
    # The language of their messages (in-app, e-mail copies); the web pages follow the switch.
    language = models.CharField(
        _("通知語言 / language of notifications"),
        max_length=2,
        choices=[("zh", _("中文 / Chinese")), ("en", _("英文 / English"))],
        default="zh",
    )

    class Meta:
        verbose_name = _("人員 / staff member")
        verbose_name_plural = _("人員 / staff")

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.department.code}"

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])
