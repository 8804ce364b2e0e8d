"""Case records. Behaviour lives in `workflow` (transitions) and `services` (writes)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from casesys.cases.workflow import CaseWorkflow
from casesys.common.versioning import VersionLocked


class SlaUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作天 / working days")
    CALENDAR_DAYS = "calendar_days", _("日曆天 / calendar days")
    HOURS = "hours", _("小時 / hours")


class Channel(models.TextChoices):
    """Intake channels the core implements. Connector channels (LINE, Telegram, Facebook…)
    come from `settings.CASESYS_CHANNELS` (`channel_choices`)."""

    WEB = "web", _("首長信箱 / Web mailbox")
    PHONE = "phone", _("1999 話務 / 1999 hotline")
    LETTER = "letter", _("書函 / Letter")
    WALK_IN = "walk_in", _("臨櫃 / Walk-in")
    EMAIL = "email", _("電子郵件 / E-mail")
    OPEN311 = "open311", _("Open311")
    TRANSFER = "transfer", _("他機關移文 / Transfer from another agency")


def channel_choices() -> list[tuple[str, str]]:
    """Every intake channel: the core's own and the connectors' (read when used, so a field's
    choices never freeze a connector into a migration)."""
    from casesys.common.channels import intake_choices

    return [*Channel.choices, *intake_choices()]


class State(models.TextChoices):
    RECEIVED = "received", _("已受理 / Received")
    DISPATCHED = "dispatched", _("已分文 / Dispatched")
    IN_PROGRESS = "in_progress", _("處理中 / In progress")
    PENDING_APPROVAL = "pending_approval", _("待核定 / Pending approval")
    CLOSED = "closed", _("已結案 / Closed")
    TRANSFERRED = "transferred", _("已移文 / Transferred")
    FILED = "filed", _("存查 / Filed")
    MERGED = "merged", _("已併案 / Merged")


OPEN_STATES = (State.RECEIVED, State.DISPATCHED, State.IN_PROGRESS, State.PENDING_APPROVAL)
FINAL_STATES = (State.CLOSED, State.TRANSFERRED, State.FILED, State.MERGED)
OPEN_Q = Q(state__in=[s.value for s in OPEN_STATES])


class Language(models.TextChoices):
    ZH = "zh", _("中文 / Chinese")
    EN = "en", _("英文 / English")


class Urgency(models.Model):
    """最速件 / 速件 / 普通件 with their default deadlines (文書處理手冊 pt 78)."""

    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(_("名稱 / name"), max_length=20)
    name_en = models.CharField(_("英文名稱 / English name"), max_length=40)
    rank = models.PositiveSmallIntegerField(_("優先序 / rank"), help_text=_("0 最急 / 0 is most urgent"))
    sla_unit = models.CharField(_("期限單位 / deadline unit"), max_length=20, choices=SlaUnit.choices)
    sla_value = models.PositiveIntegerField(_("期限 / deadline"))

    NORMAL = "normal"

    class Meta:
        ordering = ["rank"]
        verbose_name = _("速別 / urgency")
        verbose_name_plural = _("速別 / urgency levels")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.CharField(_("代碼 / code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("主類別 / parent")
    )
    name = models.CharField(_("名稱 / name"), max_length=100)
    name_en = models.CharField(_("英文名稱 / English name"), max_length=150, blank=True)
    department = models.ForeignKey(
        "org.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
        verbose_name=_("預設承辦單位 / default department"),
    )
    sla_unit = models.CharField(
        _("期限單位 / deadline unit"), max_length=20, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS
    )
    sla_value = models.PositiveIntegerField(_("處理期限 / deadline"), default=6)
    public = models.BooleanField(_("開放民眾選擇 / public"), default=True)
    survey_exempt = models.BooleanField(_("免滿意度調查 / survey exempt"), default=False)
    active = models.BooleanField(_("啟用 / active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("案件類別 / category")
        verbose_name_plural = _("案件類別 / categories")
        constraints = [models.CheckConstraint(condition=Q(sla_value__gt=0), name="category_sla_positive")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ChannelDeadlineRule(models.Model):
    """A category's deadline for one intake channel (e.g. 1999 calls on potholes: 4 hours),
    used instead of the category's own rule for cases from that channel. A row without a
    category applies to every category for that channel unless a category row exists."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="channel_rules", verbose_name=_("類別 / category")
    )
    channel = models.CharField(_("管道 / channel"), max_length=20, choices=channel_choices)
    sla_unit = models.CharField(_("期限單位 / deadline unit"), max_length=20, choices=SlaUnit.choices)
    sla_value = models.PositiveIntegerField(_("處理期限 / deadline"))

    class Meta:
        ordering = ["category__code", "channel"]
        verbose_name = _("管道處理期限 / channel deadline rule")
        verbose_name_plural = _("管道處理期限 / channel deadline rules")
        constraints = [
            models.CheckConstraint(condition=Q(sla_value__gt=0), name="channel_rule_sla_positive"),
            models.UniqueConstraint(fields=["category", "channel"], name="channel_rule_unique"),
            models.UniqueConstraint(
                fields=["channel"], condition=Q(category__isnull=True), name="channel_rule_unique_any_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id or '*'} / {self.channel}: {self.sla_value} {self.sla_unit}"


class Petitioner(models.Model):
    """Who petitioned. Kept apart from the case: identity is masked and its reads audited."""

    name = models.CharField(_("姓名 / name"), max_length=100, blank=True)
    phone = models.CharField(_("電話 / phone"), max_length=30, blank=True)
    email = models.EmailField(_("電子郵件 / e-mail"), blank=True)
    address = models.CharField(_("通訊地址 / postal address"), max_length=200, blank=True)
    # Normalised contact keys for recognising a returning petitioner (digits-only phone in
    # national form, lower-cased e-mail); never shown, only compared.
    phone_key = models.CharField(max_length=30, blank=True, db_index=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    is_legal_person = models.BooleanField(_("法人 / legal person"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("陳情人 / petitioner")
        verbose_name_plural = _("陳情人 / petitioners")
        # Staff search by a petitioner's full name (casesys.cases.staff_search): exact match.
        indexes = [models.Index(fields=["name"], name="petitioner_name")]

    def __str__(self) -> str:
        return f"Petitioner #{self.pk}"

    def save(self, *args, **kwargs):
        from casesys.cases.contacts import email_key, phone_key

        self.phone_key, self.email_key = phone_key(self.phone), email_key(self.email)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "phone_key", "email_key"}
        super().save(*args, **kwargs)


class ContactAddress(models.Model):
    """A petitioner's address on a connector channel: a LINE user id, a Telegram chat id, a
    mobile number for SMS. One table for every channel, so routing, masking and recognising
    a returning petitioner treat all of them alike (`casesys.common.channels`)."""

    petitioner = models.ForeignKey(Petitioner, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("管道 / channel"), max_length=20)
    address = models.CharField(_("位址 / address"), max_length=320)
    # Came from the channel itself (the person messaged us from it), not typed in by staff.
    verified = models.BooleanField(_("已驗證 / verified"), default=False)
    # The person asked not to be messaged there (SMS 取消/STOP, or an administrator).
    opted_out = models.BooleanField(_("已退訂 / opted out"), default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("聯絡位址 / contact address")
        verbose_name_plural = _("聯絡位址 / contact addresses")
        constraints = [
            models.UniqueConstraint(fields=["petitioner", "channel", "address"], name="contact_address_unique"),
        ]
        indexes = [models.Index(fields=["channel", "address"], name="contact_channel_address")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class Case(CaseWorkflow, VersionLocked, ConcurrentTransitionMixin, models.Model):
    # Optimistic concurrency: besides the state (ConcurrentTransitionMixin), every write
    # through the workflow checks the version it read (VersionLocked), so self-loop
    # transitions (reassign, extension) also lose cleanly to a concurrent writer.
    version_conflict = "Case changed since it was read (version mismatch)."

    number = models.CharField(_("案號 / case number"), max_length=32, unique=True)
    password_hash = models.CharField(max_length=200, editable=False)
    state = FSMField(_("狀態 / state"), default=State.RECEIVED, choices=State.choices, protected=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    channel = models.CharField(_("管道 / channel"), max_length=20, choices=channel_choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("類別 / category"))
    urgency = models.ForeignKey(
        Urgency, on_delete=models.PROTECT, default=Urgency.NORMAL, related_name="+", verbose_name=_("速別 / urgency")
    )
    subject = models.CharField(_("主旨 / subject"), max_length=200)
    description = models.TextField(_("內容 / description"))
    language = models.CharField(_("語言 / language"), max_length=2, choices=Language.choices, default=Language.ZH)

    address = models.CharField(_("案發地址 / address"), max_length=200, blank=True)
    district = models.CharField(_("行政區 / district"), max_length=20, blank=True, db_index=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    petitioner = models.ForeignKey(
        Petitioner, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("陳情人 / petitioner")
    )
    co_petitioners = models.ManyToManyField(Petitioner, blank=True, related_name="co_cases")
    confidential = models.BooleanField(_("要求身分保密 / confidentiality requested"), default=False)
    anonymous = models.BooleanField(_("匿名 / anonymous"), default=False)

    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("承辦單位 / department")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("承辦人 / officer"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="registered_cases"
    )

    # The rule the deadline was computed with, frozen at intake: later edits to a category's
    # rule must not silently move the deadlines of cases already running.
    sla_unit = models.CharField(max_length=20, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS)
    sla_value = models.PositiveIntegerField(default=6)
    received_at = models.DateTimeField(_("收件時間 / received at"))
    # When the current deadline started counting: the receipt, or the latest reopening.
    clock_started_at = models.DateTimeField(_("期限起算時間 / deadline counted from"), null=True, blank=True)
    due_at = models.DateTimeField(_("處理期限 / due at"))
    dispatch_due_at = models.DateTimeField(_("分文期限 / dispatch due at"))
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    reply_submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("結案時間 / closed at"), null=True, blank=True)
    on_time = models.BooleanField(_("依限結案 / closed on time"), null=True, blank=True)
    extension_days = models.PositiveIntegerField(_("展延工作天 / extension days"), default=0)
    # The deadline in force when the case first went past it (in this round of handling): an
    # extension approved later moves due_at but never makes the case on time again.
    missed_due_at = models.DateTimeField(_("逾限時之期限 / deadline missed"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("重新處理次數 / times reopened"), default=0)
    site_visit = models.BooleanField(_("需現場會勘 / site visit recorded"), default=False)
    # 移文 timeliness: due the next working day after receipt (2 with a site visit).
    transfer_on_time = models.BooleanField(_("移文依限 / transferred on time"), null=True, blank=True)

    reply = models.TextField(_("答復內容 / reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases", verbose_name=_("併入案件 / merged into")
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("相關案件 / related cases"))
    transferred_to = models.CharField(_("移文機關 / transferred to"), max_length=200, blank=True)
    filed_reason = models.CharField(_("存查理由 / filing reason"), max_length=20, blank=True)
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats", verbose_name=_("重複案件 / repeat of")
    )

    satisfaction = models.PositiveSmallIntegerField(_("滿意度 / satisfaction"), null=True, blank=True)
    survey_comment = models.TextField(_("滿意度意見 / survey comment"), blank=True)
    surveyed_at = models.DateTimeField(null=True, blank=True)
    callback_required = models.BooleanField(_("需回電 / call-back required"), default=False)

    external_ref = models.CharField(_("外部編號 / external reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("陳情案件 / case")
        verbose_name_plural = _("陳情案件 / cases")
        permissions = [
            ("view_identity", _("可檢視陳情人身分 / Can view petitioner identity")),
            ("reveal_confidential", _("可揭露保密陳情人身分 / Can reveal confidential petitioner identity")),
        ]
        indexes = [
            # Queues and the deadline scan only ever look at open cases: partial indexes keep
            # their cost independent of the (ever-growing) closed archive.
            models.Index(fields=["assignee", "due_at"], condition=OPEN_Q, name="case_open_assignee_due"),
            models.Index(fields=["department", "due_at"], condition=OPEN_Q, name="case_open_dept_due"),
            models.Index(fields=["due_at"], condition=OPEN_Q, name="case_open_due"),
            models.Index(fields=["state", "received_at"], condition=OPEN_Q, name="case_open_state_recv"),
            models.Index(fields=["received_at"], name="case_received_at"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="case_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def deadline_start(self) -> dt.datetime:
        """When the current deadline counts from: the receipt, or the latest reopening."""
        return self.clock_started_at or self.received_at

    @property
    def is_overdue(self) -> bool:
        if self.is_open:
            return timezone.now() > self.due_at
        return False


class CaseSequence(models.Model):
    """Daily counter behind case numbers; incremented atomically with UPDATE … RETURNING."""

    prefix = models.CharField(max_length=16)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="case_sequence_unique_day")]


def event_kind_choices() -> list[tuple[str, str]]:
    """`events.CaseEventKind` (a callable, as events imports these models; the migration
    refers to this function, so a new kind needs no migration)."""
    from casesys.cases.events import CaseEventKind

    return CaseEventKind.choices


class CaseEvent(models.Model):
    """Audit trail: one row per transition, reveal, recomputation or other notable fact."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, db_index=True, choices=event_kind_choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    # Shown on the citizen's status page (no personal data, no internal notes).
    public = models.BooleanField(default=False)
    public_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待核 / Pending")
        APPROVED = "approved", _("核准 / Approved")
        REJECTED = "rejected", _("駁回 / Rejected")
        WITHDRAWN = "withdrawn", _("撤回 / Withdrawn")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveIntegerField(_("展延工作天 / working days"))
    reason = models.TextField(_("展延理由 / reason"))
    # The handling status in the officer's own words, for the petitioner's notice.
    status_text = models.TextField(_("目前處理情形 / current handling status"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    old_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="one_pending_extension_per_case"
            ),
            models.CheckConstraint(condition=Q(days__gt=0), name="extension_days_positive"),
        ]


class CaseClosure(models.Model):
    """One row per time a case reached a final state: a reopening starts a new round, and the
    earlier rounds' results (on time or late, against which deadline) stay here."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closures")
    round = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=20, choices=State.choices)
    closed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    on_time = models.BooleanField(null=True)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="case_closure_unique_round")]


class FollowUp(models.Model):
    """回訪: a dissatisfied survey answer opens one; closed by a call-back or a second reply."""

    class Status(models.TextChoices):
        OPEN = "open", _("待回訪 / Open")
        DONE = "done", _("已回訪 / Done")

    class Method(models.TextChoices):
        CALLBACK = "callback", _("電話回訪 / Call-back")
        SECOND_REPLY = "second_reply", _("再次答復 / Second reply")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    department = models.ForeignKey("org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="open"), name="one_open_follow_up_per_case"),
        ]
        indexes = [models.Index(fields=["department", "due_at"], condition=Q(status="open"), name="follow_up_open_dept_due")]


def attachment_path(instance: Attachment, filename: str) -> str:
    today = dt.date.today()
    return f"attachments/{today:%Y/%m}/{instance.case_id}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_message = models.ForeignKey("CaseMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class CaseMessage(models.Model):
    """A message exchanged with the petitioner through a channel (LINE, Telegram, e-mail…)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("民眾來訊 / From citizen")
        OUTBOUND = "out", _("機關回覆 / To citizen")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=20, choices=channel_choices)
    kind = models.CharField(max_length=20, default="text")
    text = models.TextField(blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    deleted = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="case_message_unique_external"
            )
        ]


class CaseNote(models.Model):
    """Internal note: never shown to the citizen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("內部註記 / internal note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class IdentitySearch(models.Model):
    """Audit of a search by personal data (name, phone, e-mail): who, when, from where, by
    which fields, and which cases it listed. Like a reveal (`identity_revealed` events), it
    is an access to identity; the term itself is never stored in clear, only masked
    (王○明, 09xx-xxx-678, a○○○@example.com) and as a keyed digest (HMAC with the secret key)
    so an auditor can check whether a given number was searched without the log holding it."""

    class Source(models.TextChoices):
        SEARCH = "search", _("案件搜尋 / Case search")
        INTAKE = "intake", _("登錄時來電查詢 / Caller lookup at intake")
        API = "api", _("API / API")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    fields = models.JSONField(default=list)  # e.g. ["phone"]
    masked_terms = models.JSONField(default=dict)  # field -> masked term
    digests = models.JSONField(default=dict)  # field -> HMAC-SHA256 of the normalised term
    result_count = models.PositiveIntegerField(default=0)  # cases listed (on the page shown)
    case_numbers = models.JSONField(default=list)  # the cases listed to the searcher

    class Meta:
        verbose_name = _("個資查詢紀錄 / personal-data search")
        verbose_name_plural = _("個資查詢紀錄 / personal-data searches")
        indexes = [models.Index(fields=["actor", "at"], name="identity_search_actor_at")]

    def __str__(self) -> str:
        return f"IdentitySearch #{self.pk}"
