"""Reads for the web UI: queues, related cases, inboxes, notifications.

Every query starts from `cases_visible_to(user)`, so a page can never show a case the
user may not see. Queues page by keyset on (due_at, id): the cost of page 1,000 is the
cost of page 1, whatever the size of the archive.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case, ExtensionRequest, State
from casesys.cases.selectors import case_search, cases_visible_to, same_petitioner_cases
from casesys.notifications.models import Notification
from casesys.notifications.selectors import inapp_for
from casesys.workcal.calendar import WorkCalendar, local_date

PAGE_SIZE = 50
COUNT_CAP = 1000


# --- urgency marks ----------------------------------------------------------------------


@dataclass
class Urgency:
    mark: str  # overdue | today | soon | ""
    days_left: int

    @property
    def overdue_days(self) -> int:
        return max(-self.days_left, 0)


def urgency_of(case: Case, *, calendar: WorkCalendar, now: dt.datetime) -> Urgency:
    """Overdue / due today / due within 2 working days, with working days left (negative = overdue by)."""
    today = local_date(now)
    due_day = local_date(case.due_at)
    days_left = calendar.working_days_between(today, due_day)
    if not case.is_open:
        return Urgency("", days_left)
    if case.due_at < now:
        return Urgency("overdue", min(days_left, 0))
    if due_day == today:
        return Urgency("today", 0)
    if days_left <= 2:
        return Urgency("soon", days_left)
    return Urgency("", days_left)


# --- queues -------------------------------------------------------------------------------


@dataclass
class QueueRow:
    case: Case
    urgency: Urgency
    # In "my queue": why the case waits on someone else ("中文 / English"), else "".
    waiting: str = ""


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    prev_cursor: str | None
    count: int
    count_capped: bool
    filters: dict = field(default_factory=dict)
    sort: str = "due"
    # "my queue" only: which tab, and how many cases each tab holds (capped like `count`).
    tab: str = ""
    tab_counts: dict = field(default_factory=dict)


# Sortable columns: the query-string key → the model field. Anything else sorts by deadline.
SORTS = {
    "due": "due_at",
    "received": "received_at",
    "number": "number",
    "channel": "channel",
    "state": "state",
}
DEFAULT_SORT = "due"
_DATETIME_SORTS = {"due_at", "received_at"}


def parse_sort(raw: str | None) -> tuple[str, str, bool]:
    """("-received" →) the normalised key, the model field and whether it is descending."""
    raw = (raw or "").strip()
    desc = raw.startswith("-")
    key = raw[1:] if desc else raw
    if key not in SORTS:
        return DEFAULT_SORT, SORTS[DEFAULT_SORT], False
    return ("-" if desc else "") + key, SORTS[key], desc


def _cursor(case: Case, field_name: str) -> str:
    value = getattr(case, field_name)
    if isinstance(value, dt.datetime):
        value = str(int(value.timestamp() * 1_000_000))
    raw = json.dumps([value, case.pk], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(raw: str | None, field_name: str) -> tuple[object, int] | None:
    if not raw or len(raw) > 400:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(value, str) or not isinstance(pk, int):
            return None
        if field_name in _DATETIME_SORTS:
            return dt.datetime.fromtimestamp(int(value) / 1_000_000, tz=dt.UTC), pk
        return value, pk
    except (ValueError, TypeError, OverflowError, OSError):
        return None


def _beyond(field_name: str, value, pk: int, *, desc: bool) -> Q:
    """Rows after (value, pk) in the order (field, pk), ascending or descending."""
    op = "lt" if desc else "gt"
    return Q(**{f"{field_name}__{op}": value}) | Q(**{field_name: value, f"pk__{op}": pk})


def text_search(qs: QuerySet[Case], text: str) -> QuerySet[Case]:
    # The shared bigram-indexed search also answers a whole case number by its unique index.
    text = (text or "").strip()
    return case_search(qs, text) if text else qs


def queue_base(*, user, scope: str) -> QuerySet[Case]:
    qs = cases_visible_to(user).filter(OPEN_Q)
    if scope == "mine":
        return qs.filter(assignee=user)
    if scope == "intake":
        return qs.filter(state=State.RECEIVED)
    return qs.filter(department__isnull=False)


# --- "my queue": to do / waiting on others -------------------------------------------------
# From casesys/cases/workflow.py: a reply submitted for approval waits on a supervisor
# (`approve`); an in-progress case whose extension request is pending cannot be answered until
# a supervisor decides it (`no_extension_awaiting_decision`); one with co-handling parts not
# yet done or released cannot be answered either (`parts_settled`). Everything else in the
# officer's hands is theirs to act on.
TABS = ("todo", "waiting")
WAITING_REASONS = {
    "approval": "答復待主管核定 / Reply awaiting approval",
    "extension": "展延申請待核 / Extension request awaiting a decision",
    "parts": "等待協辦單位 / Waiting on co-handling departments",
}


def _with_waiting(qs: QuerySet[Case]) -> QuerySet[Case]:
    from casesys.cases.workflow import PART_SETTLED
    from casesys.cohandling.models import CasePart

    return qs.annotate(
        waits_extension=Exists(
            ExtensionRequest.objects.filter(case=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
        ),
        waits_parts=Exists(CasePart.objects.filter(case=OuterRef("pk")).exclude(state__in=PART_SETTLED)),
    )


def _waiting_q() -> Q:
    return Q(state=State.PENDING_APPROVAL) | Q(state=State.IN_PROGRESS, waits_extension=True) | Q(
        state=State.IN_PROGRESS, waits_parts=True
    )


def waiting_reason(case: Case) -> str:
    if case.state == State.PENDING_APPROVAL:
        return WAITING_REASONS["approval"]
    if getattr(case, "waits_extension", False):
        return WAITING_REASONS["extension"]
    if getattr(case, "waits_parts", False):
        return WAITING_REASONS["parts"]
    return ""


def queue_page(
    *,
    user,
    scope: str,
    filters: dict,
    search: str = "",
    after: str | None = None,
    before: str | None = None,
    sort: str | None = None,
    tab: str | None = None,
) -> QueuePage:
    now = timezone.now()
    qs = queue_filtered(user=user, scope=scope, filters=filters, search=search, now=now)

    tab_counts: dict[str, int] = {}
    if scope == "mine":
        tab = tab if tab in TABS else "todo"
        qs = _with_waiting(qs)
        for name, q in (("todo", ~_waiting_q()), ("waiting", _waiting_q())):
            tab_counts[name] = min(qs.filter(q).order_by()[: COUNT_CAP + 1].count(), COUNT_CAP)
        qs = qs.filter(_waiting_q() if tab == "waiting" else ~_waiting_q())
    else:
        tab = ""

    sort_key, field_name, desc = parse_sort(sort)
    count = qs.order_by()[: COUNT_CAP + 1].count()
    page_qs = qs.select_related("category", "department", "assignee", "urgency")
    after_key, before_key = _parse_cursor(after, field_name), _parse_cursor(before, field_name)
    forward = [f"-{field_name}", "-pk"] if desc else [field_name, "pk"]
    backward = [field_name, "pk"] if desc else [f"-{field_name}", "-pk"]
    if before_key:
        value, pk = before_key
        rows = list(page_qs.filter(_beyond(field_name, value, pk, desc=not desc)).order_by(*backward)[: PAGE_SIZE + 1])
        has_more_before = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        has_more_after = True
    else:
        if after_key:
            value, pk = after_key
            page_qs = page_qs.filter(_beyond(field_name, value, pk, desc=desc))
        rows = list(page_qs.order_by(*forward)[: PAGE_SIZE + 1])
        has_more_after = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_more_before = after_key is not None
    calendar = WorkCalendar.recent()
    return QueuePage(
        rows=[
            QueueRow(c, urgency_of(c, calendar=calendar, now=now), waiting_reason(c) if scope == "mine" else "")
            for c in rows
        ],
        next_cursor=_cursor(rows[-1], field_name) if rows and has_more_after else None,
        prev_cursor=_cursor(rows[0], field_name) if rows and has_more_before else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        filters=filters,
        sort=sort_key,
        tab=tab,
        tab_counts=tab_counts,
    )


def queue_filtered(*, user, scope: str, filters: dict, search: str = "", now: dt.datetime) -> QuerySet[Case]:
    """The queue's cases under its filters (QueueFilterForm), unpaged: the desk map
    (casesys/web/maps.py) pins them. The same conditions as `queue_page`."""
    qs = queue_base(user=user, scope=scope)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("category"):
        qs = qs.filter(Q(category_id=filters["category"]) | Q(category__parent_id=filters["category"]))
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    if filters.get("district"):
        qs = qs.filter(district=filters["district"])
    if filters.get("overdue"):
        qs = qs.filter(due_at__lt=now)
    return text_search(qs, search)


# --- case page ------------------------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"\W+", "", text or "")
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def related_cases(*, user, case: Case) -> dict[str, list[Case]]:
    """Same petitioner, same address or nearby, similar text – each a bounded, indexed query."""
    visible = cases_visible_to(user).exclude(pk=case.pk).select_related("category")
    since = case.received_at - dt.timedelta(days=180)
    out: dict[str, list[Case]] = {"linked": [], "petitioner": [], "place": [], "text": []}
    out["linked"] = list(
        visible.filter(Q(pk__in=case.related.values("pk")) | Q(merged_into=case) | Q(pk=case.merged_into_id or 0))[:10]
    )
    # Recognised by normalised contact keys; rows show number, subject, state and date only,
    # so the list works on confidential cases without revealing anyone.
    out["petitioner"] = list(same_petitioner_cases(case, user=user)[:10])
    place = Q(pk__in=[])
    if case.address:
        place |= Q(address=case.address)
    if case.lat is not None and case.lng is not None:
        # ~300 m box: close enough to be the same pothole, lamp or noise source.
        # Decimal: the columns are DecimalFields (a float here raised TypeError on every case
        # with coordinates).
        box = Decimal("0.003")
        lat, lng = Decimal(case.lat), Decimal(case.lng)
        place |= Q(lat__range=(lat - box, lat + box), lng__range=(lng - box, lng + box))
    if case.district and (case.address or case.lat is not None):
        out["place"] = list(
            visible.filter(place, district=case.district, received_at__gte=since).order_by("-received_at")[:10]
        )
    mine = _bigrams(case.subject)
    if mine:
        candidates = visible.filter(category_id=case.category_id, received_at__gte=since).order_by("-received_at")[:200]
        scored = []
        for other in candidates:
            theirs = _bigrams(other.subject)
            if theirs:
                score = len(mine & theirs) / len(mine | theirs)
                if score >= 0.3:
                    scored.append((score, other))
        scored.sort(key=lambda p: -p[0])
        out["text"] = [c for _s, c in scored[:5]]
    return out


def repeat_candidates(*, user, case: Case) -> list[Case]:
    """The same petitioner's answered cases a repeat filing (存查) may cite, newest first."""
    if not case.is_open:
        return []
    return list(same_petitioner_cases(case, user=user).filter(state=State.CLOSED)[:10])


def approvals_inbox(*, user) -> dict[str, list]:
    from casesys.cases.selectors import case_approvers
    from casesys.cases.workflow import can_approve, can_decide_extension

    # Four eyes: what the user drafted is in someone else's inbox; show them whose.
    own = list(
        cases_visible_to(user)
        .filter(state=State.PENDING_APPROVAL, replied_by=user)
        .select_related("category", "department")
        .order_by("due_at")[:50]
    )
    awaiting_others = [{"case": c, "approvers": case_approvers(c, excluding=user.pk)} for c in own if not can_approve(c, user)]
    replies = [
        c
        for c in cases_visible_to(user)
        .filter(state=State.PENDING_APPROVAL)
        .select_related("category", "department", "replied_by")
        .order_by("due_at")[:200]
        if can_approve(c, user)
    ]
    extensions = [
        e
        for e in ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING, case__in=cases_visible_to(user).filter(state=State.IN_PROGRESS)
        )
        .select_related("case", "case__department", "requested_by")
        .order_by("requested_at")[:200]
        if can_decide_extension(e.case, user, requested_by_id=e.requested_by_id)
    ]
    return {"replies": replies, "extensions": extensions, "awaiting_others": awaiting_others}


def _waiting_for_others(message: str, case: Case, user) -> str:
    from casesys.cases.selectors import case_approvers

    names = "、".join(u.first_name or u.username for u in case_approvers(case, excluding=user.pk)) or "—"
    zh, en = message.split(" / ", 1)
    return f"{zh.rstrip('。')}，待 {names} 核定。 / {en} Waiting for: {names}."


def case_action_notes(*, case: Case, user) -> list[str]:
    """Why an action the user would expect is not offered on the case page right now
    (pending extension, past the deadline, four eyes), in "中文 / English" pairs."""
    from casesys.cases import workflow

    notes: list[str] = []
    if case.state == State.IN_PROGRESS:
        if workflow.can_reply(case, user) and not workflow.no_extension_awaiting_decision(case):
            notes.append(workflow.no_extension_awaiting_decision.message)
        if workflow.can_request_extension(case, user) and not workflow.not_yet_due(case):
            notes.append(workflow.not_yet_due.message)
    if case.state == State.PENDING_APPROVAL and workflow.four_eyes_denial(case, "approve", user):
        notes.append(_waiting_for_others(workflow.OWN_REPLY, case, user))
    if case.state == State.IN_PROGRESS and workflow.four_eyes_denial(case, "decide_extension", user):
        notes.append(_waiting_for_others(workflow.OWN_EXTENSION, case, user))
    notes.extend(_parts_waiting(case, user))
    return notes


def _parts_waiting(case: Case, user) -> list[str]:
    """Co-handling: the reply waits for the parts still open (named by department)."""
    from casesys.cases import workflow

    waiting = (case.state == State.IN_PROGRESS and workflow.can_reply(case, user)) or (
        case.state == State.PENDING_APPROVAL and workflow.can_approve(case, user)
    )
    if not waiting or workflow.parts_settled(case):
        return []
    names = "、".join(
        case.parts.exclude(state__in=workflow.PART_SETTLED).order_by("requested_at").values_list("department__name", flat=True)
    )
    return [f"尚待協辦單位完成：{names}。 / Waiting for the co-handling departments: {names}."]


# --- notifications ------------------------------------------------------------------------


def notifications_for(*, user) -> QuerySet[Notification]:
    """Delivered in-app notifications, newest first."""
    return inapp_for(user)


def notifications_unread_count(*, user) -> int:
    return notifications_for(user=user).filter(read_at__isnull=True).count()
