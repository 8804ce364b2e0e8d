"""Reads for the web UI: queues, related cases, inboxes, notifications.

Every query starts from `cases_visible_to(user)`, so a page can never show a case the
user may not see. Queues page by keyset on (due_at, id): the cost of page 1,000 is the
cost of page 1, whatever the size of the archive.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
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


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    prev_cursor: str | None
    count: int
    count_capped: bool
    filters: dict = field(default_factory=dict)


def _cursor(case: Case) -> str:
    return f"{int(case.due_at.timestamp() * 1_000_000)}.{case.pk}"


def _parse_cursor(raw: str | None) -> tuple[dt.datetime, int] | None:
    if not raw:
        return None
    try:
        micros, pk = raw.split(".", 1)
        return dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


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


def queue_page(
    *, user, scope: str, filters: dict, search: str = "", after: str | None = None, before: str | None = None
) -> QueuePage:
    now = timezone.now()
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
    qs = text_search(qs, search)

    count = qs.order_by()[: COUNT_CAP + 1].count()
    page_qs = qs.select_related("category", "department", "assignee", "urgency")
    after_key, before_key = _parse_cursor(after), _parse_cursor(before)
    if before_key:
        d, pk = before_key
        rows = list(page_qs.filter(Q(due_at__lt=d) | Q(due_at=d, pk__lt=pk)).order_by("-due_at", "-pk")[: PAGE_SIZE + 1])
        has_more_before = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        has_more_after = True
    else:
        if after_key:
            d, pk = after_key
            page_qs = page_qs.filter(Q(due_at__gt=d) | Q(due_at=d, pk__gt=pk))
        rows = list(page_qs.order_by("due_at", "pk")[: PAGE_SIZE + 1])
        has_more_after = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_more_before = after_key is not None
    calendar = WorkCalendar.recent()
    return QueuePage(
        rows=[QueueRow(c, urgency_of(c, calendar=calendar, now=now)) for c in rows],
        next_cursor=_cursor(rows[-1]) if rows and has_more_after else None,
        prev_cursor=_cursor(rows[0]) if rows and has_more_before else None,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        filters=filters,
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
