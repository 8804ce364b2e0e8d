"""Report and dashboard aggregates.

Each function runs a fixed number of GROUP BY queries, whatever the number of cases; the
time windows are ranges on `received_at` / `closed_at`, which are indexed. Working-day
figures are computed in Python over *distinct dates* (not over rows), so their cost is
bounded by the length of the period, not by the number of cases in it.

Every query here runs on `settings.CASESYS_REPORTS_DB`: the read replica when
`DATABASE_REPLICA_URL` is set, else the primary. Reports are read-only aggregates where a few
seconds of replication lag do not matter; anything a user expects to see right after writing
it (case pages, queues, the citizen lookup) reads the primary through casesys/cases/selectors.py.
Who may see what (roles, department) is still read from the primary: a role just withdrawn
must take effect at once.

The on-time rate (依限結案率) counts answered cases only (state `closed`): a transferred (移文),
filed (存查) or merged case left the agency's hands without an answer and is counted in its
own columns, never as on time or late. Transfers have their own timeliness
(`Case.transfer_on_time`: the end of the next working day after receipt, two with a site visit).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from casesys.cases.events import CaseEventKind
from casesys.cases.models import (
    OPEN_Q,
    Case,
    CaseEvent,
    ExtensionRequest,
    FollowUp,
    State,
    channel_choices,
)
from casesys.cases.selectors import case_scope_q
from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.workcal.calendar import WorkCalendar, end_of_day, local_date

TZ = ZoneInfo(settings.TIME_ZONE)

# Labels are "中文 / English" pairs, shown in the reader's language when rendered (pages,
# charts and exports pick the half): a department's and a category's English name, a district's.
WITH_INTAKE = "（受理中） / (with intake)"
UNASSIGNED = "（未分派） / (unassigned)"
TOTAL = "合計 / Total"


class _EnglishNames:
    """Chinese name → English name of departments and categories: one query each, per report."""

    def __init__(self):
        self._maps: dict[str, dict[str, str]] = {}

    def _map(self, model: str) -> dict[str, str]:
        if model not in self._maps:
            from casesys.cases.models import Category
            from casesys.org.models import Department

            cls = {"department": Department, "category": Category}[model]
            self._maps[model] = dict(
                cls.objects.using(reports_db()).exclude(name_en="").values_list("name", "name_en")
            )
        return self._maps[model]

    def en(self, model: str, name: str) -> str:
        if model == "district":
            from casesys.cases.districts import DISTRICTS_EN

            return DISTRICTS_EN.get(name, name)
        return self._map(model).get(name, name)

    def label(self, model: str, name: str | None, *, missing: str = WITH_INTAKE) -> str:
        if not name:
            return missing
        en = self.en(model, name)
        return f"{name} / {en}" if en != name else name


def may_see_reports(user) -> bool:
    return bool(roles_of(user) & {Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})


def reports_db() -> str:
    """The database alias report queries run on (read per call: tests switch it)."""
    return settings.CASESYS_REPORTS_DB


def scoped_cases(user) -> QuerySet[Case]:
    """Supervisors see their subtree; analysts and administrators everything."""
    cases = Case.objects.using(reports_db())
    if not may_see_reports(user):
        return cases.none()
    roles = roles_of(user)
    if roles & {Role.ANALYST, Role.ADMIN}:
        return cases.all()
    # A department's own cases: the parts it co-handles are reported apart (co_handling_*).
    q = case_scope_q(user, co_handling=False)
    return cases.all() if q is None else cases.filter(q)


def _pct(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


# --- dashboard ------------------------------------------------------------------------------


def weekly_received_closed(user, *, weeks: int = 12, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = local_date(now)
    first_monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    start = dt.datetime.combine(first_monday, dt.time.min, tzinfo=TZ)
    qs = scoped_cases(user).order_by()
    received = dict(
        qs.filter(received_at__gte=start)
        .annotate(w=TruncWeek("received_at", tzinfo=TZ))
        .values_list("w")
        .annotate(n=Count("id"))
    )
    # Answered cases and those that left unanswered (transferred, filed, merged), apart.
    left = {
        local_date(row["w"]): row
        for row in qs.filter(closed_at__gte=start)
        .annotate(w=TruncWeek("closed_at", tzinfo=TZ))
        .values("w")
        .annotate(
            n_closed=Count("id", filter=Q(state=State.CLOSED)),
            n_other=Count("id", filter=~Q(state=State.CLOSED)),
        )
    }
    received = {local_date(k): v for k, v in received.items()}
    labels, r, c, o = [], [], [], []
    for i in range(weeks):
        monday = first_monday + dt.timedelta(weeks=i)
        labels.append(monday.isoformat())
        r.append(received.get(monday, 0))
        c.append(left[monday]["n_closed"] if monday in left else 0)
        o.append(left[monday]["n_other"] if monday in left else 0)
    return {"labels": labels, "received": r, "closed": c, "routed_out": o}


def monthly_on_time(user, *, months: int = 12, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = local_date(now)
    y, m = today.year, today.month - (months - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    start = dt.datetime(y, m, 1, tzinfo=TZ)
    rows = (
        scoped_cases(user)
        .order_by()
        .filter(closed_at__gte=start, state=State.CLOSED, on_time__isnull=False)
        .annotate(mo=TruncMonth("closed_at", tzinfo=TZ))
        .values("mo")
        .annotate(total=Count("id"), n_on_time=Count("id", filter=Q(on_time=True)))
    )
    by_month = {(r["mo"].astimezone(TZ).year, r["mo"].astimezone(TZ).month): r for r in rows}
    labels, rates, totals = [], [], []
    for _ in range(months):
        r = by_month.get((y, m))
        labels.append(f"{y}-{m:02d}")
        totals.append(r["total"] if r else 0)
        rates.append(_pct(r["n_on_time"], r["total"]) if r else None)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return {"labels": labels, "rate": rates, "closed": totals}


def open_overdue_by(user, dimension: str, *, now: dt.datetime | None = None) -> dict:
    """Open and overdue counts grouped by department, category, channel or district."""
    now = now or timezone.now()
    key = {
        "department": "department__name",
        "category": "category__name",
        "channel": "channel",
        "district": "district",
    }[dimension]
    rows = (
        scoped_cases(user)
        .order_by()
        .filter(OPEN_Q)
        .values(key)
        .annotate(n_open=Count("id"), n_overdue=Count("id", filter=Q(due_at__lt=now)))
        .order_by("-n_open")[:20]
    )
    channel_labels = dict(channel_choices())
    names = _EnglishNames()
    labels, open_, overdue = [], [], []
    for r in rows:
        label = r[key]
        if dimension == "channel":
            label = str(channel_labels.get(label, label))
        else:
            label = names.label(dimension, label, missing=UNASSIGNED)
        labels.append(label or UNASSIGNED)
        open_.append(r["n_open"])
        overdue.append(r["n_overdue"])
    return {"labels": labels, "open": open_, "overdue": overdue}


def dashboard(user, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "weekly": weekly_received_closed(user, now=now),
        "on_time": monthly_on_time(user, now=now),
        "by_department": open_overdue_by(user, "department", now=now),
        "by_category": open_overdue_by(user, "category", now=now),
        "by_channel": open_overdue_by(user, "channel", now=now),
        "by_district": open_overdue_by(user, "district", now=now),
    }


# --- overdue report -----------------------------------------------------------------------------


@dataclass
class OverdueGroup:
    department: str
    officer: str
    count: int
    max_days_overdue: int


@dataclass
class OverdueRow:
    number: str
    subject: str
    department: str
    officer: str
    state: str
    due_at: dt.datetime
    days_overdue: int


DETAIL_LIMIT = 1000


def overdue_report(user, *, now: dt.datetime | None = None, detail_limit: int | None = DETAIL_LIMIT) -> dict:
    """Open overdue cases grouped by department and officer, and the cases themselves."""
    now = now or timezone.now()
    calendar = WorkCalendar.load(using=reports_db())
    today = local_date(now)
    qs = scoped_cases(user).order_by().filter(OPEN_Q, due_at__lt=now)
    groups_raw = (
        qs.values("department__name", "assignee__username", "assignee__first_name")
        .annotate(n=Count("id"), oldest=Min("due_at"))
        .order_by("department__name", "assignee__username")
    )
    names = _EnglishNames()
    groups = [
        OverdueGroup(
            department=names.label("department", g["department__name"]),
            officer=(g["assignee__first_name"] or g["assignee__username"] or UNASSIGNED),
            count=g["n"],
            max_days_overdue=max(calendar.working_days_between(local_date(g["oldest"]), today), 0),
        )
        for g in groups_raw
    ]
    detail_qs = qs.values(
        "number", "subject", "department__name", "assignee__username", "assignee__first_name", "state", "due_at"
    ).order_by("due_at", "id")
    if detail_limit is not None:
        detail_qs = detail_qs[:detail_limit]
    days_cache: dict[dt.date, int] = {}

    def days_overdue(due: dt.datetime) -> int:
        d = local_date(due)
        if d not in days_cache:
            days_cache[d] = max(calendar.working_days_between(d, today), 0)
        return days_cache[d]

    state_labels = dict(Case._meta.get_field("state").choices)
    detail = [
        OverdueRow(
            number=r["number"],
            subject=r["subject"],
            department=names.label("department", r["department__name"], missing=""),
            officer=r["assignee__first_name"] or r["assignee__username"] or "",
            state=str(state_labels.get(r["state"], r["state"])),
            due_at=r["due_at"],
            days_overdue=days_overdue(r["due_at"]),
        )
        for r in detail_qs.iterator(chunk_size=2000)
    ]
    total = sum(g.count for g in groups)
    return {
        "groups": groups,
        "detail": detail,
        "total": total,
        "truncated": detail_limit is not None and total > detail_limit,
        "co_handling": co_handling_overdue(user, now=now),  # lead cases and parts, per department
    }


# --- performance report -------------------------------------------------------------------------


@dataclass
class PerformanceRow:
    department: str
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    closed_late: int = 0
    on_time_rate: float | None = None
    avg_working_days: float | None = None
    transferred: int = 0
    transferred_on_time: int = 0
    transferred_late: int = 0
    filed: int = 0
    merged: int = 0
    reopened: int = 0
    extensions: int = 0
    surveys: int = 0
    satisfaction: float | None = None

    SUMMED = (
        "received", "closed", "closed_on_time", "closed_late", "transferred", "transferred_on_time",
        "transferred_late", "filed", "merged", "reopened", "extensions", "surveys",
    )


def performance_report(user, *, start: dt.date, end: dt.date, by_category: bool = False) -> dict:
    """Per department (or department × category) for [start, end] (local dates, inclusive).

    A fixed number of grouped queries whatever the number of cases: the grouping happens in
    SQL on the indexed receipt and closure times. `closed` and the on-time rate count
    answered cases; transfers (on time / late), filings and mergers have their own columns;
    `reopened` counts the cases reopened in the period (their `reopened` audit events).
    """
    since = dt.datetime.combine(start, dt.time.min, tzinfo=TZ)
    until = end_of_day(end)
    qs = scoped_cases(user).order_by()
    keys = ["department__name", "category__name"] if by_category else ["department__name"]
    answered = Q(state=State.CLOSED)
    transferred = Q(state=State.TRANSFERRED)

    def key_of(values: dict) -> tuple:
        return tuple(values[k] for k in keys)

    received = {
        key_of(r): r["n"]
        for r in qs.filter(received_at__range=(since, until)).values(*keys).annotate(n=Count("id"))
    }
    closed_rows = (
        qs.filter(closed_at__range=(since, until))
        .values(*keys)
        .annotate(
            n_closed=Count("id", filter=answered),
            n_on_time=Count("id", filter=answered & Q(on_time=True)),
            n_late=Count("id", filter=answered & Q(on_time=False)),
            n_transferred=Count("id", filter=transferred),
            n_transferred_on_time=Count("id", filter=transferred & Q(transfer_on_time=True)),
            n_transferred_late=Count("id", filter=transferred & Q(transfer_on_time=False)),
            n_filed=Count("id", filter=Q(state=State.FILED)),
            n_merged=Count("id", filter=Q(state=State.MERGED)),
            n_surveys=Count("id", filter=answered & Q(satisfaction__isnull=False)),
            avg_sat=Avg("satisfaction", filter=answered),
        )
    )
    # Working days to close (answered cases): group by (key, receipt date, closing date) in
    # SQL, then count working days once per distinct date pair.
    # Plain tuples (key..., receipt date, closing date, count): thousands of rows a month, where
    # building a dict per row cost more than the query.
    pairs = (
        qs.filter(answered, closed_at__range=(since, until))
        .annotate(rd=TruncDate("received_at", tzinfo=TZ), cd=TruncDate("closed_at", tzinfo=TZ))
        .values(*keys, "rd", "cd")
        .annotate(n=Count("id"))
        .values_list(*keys, "rd", "cd", "n")
    )
    extensions = {
        tuple(r[f"case__{k}"] for k in keys): r["n"]
        for r in ExtensionRequest.objects.using(reports_db())
        .filter(case__in=qs.values("pk"), requested_at__range=(since, until))
        .order_by()
        .values(*[f"case__{k}" for k in keys])
        .annotate(n=Count("id"))
    }
    # Reopenings from the audit trail (indexed on kind): every reopening writes one event.
    reopened = {
        tuple(r[f"case__{k}"] for k in keys): r["n"]
        for r in CaseEvent.objects.using(reports_db())
        .filter(kind=CaseEventKind.REOPENED, at__range=(since, until), case__in=qs.values("pk"))
        .order_by()
        .values(*[f"case__{k}" for k in keys])
        .annotate(n=Count("case_id", distinct=True))
    }
    calendar = WorkCalendar.load(using=reports_db())
    wd_cache: dict[tuple[dt.date, dt.date], int] = {}
    wd_sum: dict[tuple, int] = defaultdict(int)
    wd_n: dict[tuple, int] = defaultdict(int)
    for *key_values, rd, cd, n in pairs:
        days = wd_cache.get((rd, cd))
        if days is None:
            days = wd_cache[(rd, cd)] = max(calendar.working_days_between(rd, cd), 0)
        key = tuple(key_values)
        wd_sum[key] += days * n
        wd_n[key] += n

    rows: dict[tuple, PerformanceRow] = {}
    names = _EnglishNames()

    def row(key: tuple) -> PerformanceRow:
        if key not in rows:
            label = names.label("department", key[0])
            if by_category:
                zh, _, en = label.partition(" / ")
                cat_zh, cat_en = key[1] or "", names.en("category", key[1] or "")
                label_zh, label_en = f"{zh} · {cat_zh}", f"{en or zh} · {cat_en}"
                label = f"{label_zh} / {label_en}" if label_en != label_zh else label_zh
            rows[key] = PerformanceRow(department=label)
        return rows[key]

    for key, n in received.items():
        row(key).received = n
    for r in closed_rows:
        pr = row(key_of(r))
        pr.closed, pr.closed_on_time, pr.closed_late = r["n_closed"], r["n_on_time"], r["n_late"]
        pr.on_time_rate = _pct(r["n_on_time"], r["n_on_time"] + r["n_late"])
        pr.transferred = r["n_transferred"]
        pr.transferred_on_time, pr.transferred_late = r["n_transferred_on_time"], r["n_transferred_late"]
        pr.filed, pr.merged = r["n_filed"], r["n_merged"]
        pr.surveys = r["n_surveys"]
        pr.satisfaction = round(r["avg_sat"], 2) if r["avg_sat"] is not None else None
    for key, total in wd_sum.items():
        row(key).avg_working_days = round(total / wd_n[key], 1) if wd_n[key] else None
    for key, n in extensions.items():
        row(key).extensions = n
    for key, n in reopened.items():
        row(key).reopened = n
    ordered = sorted(rows.values(), key=lambda r: r.department)
    totals = PerformanceRow(department=TOTAL)
    for r in ordered:
        for f in PerformanceRow.SUMMED:
            setattr(totals, f, getattr(totals, f) + getattr(r, f))
    totals.on_time_rate = _pct(totals.closed_on_time, totals.closed_on_time + totals.closed_late)
    all_n = sum(wd_n.values())
    totals.avg_working_days = round(sum(wd_sum.values()) / all_n, 1) if all_n else None
    sat = [(r.satisfaction, r.surveys) for r in ordered if r.satisfaction is not None]
    n_sat = sum(n for _s, n in sat)
    totals.satisfaction = round(sum(s * n for s, n in sat) / n_sat, 2) if n_sat else None
    return {
        "rows": ordered,
        "totals": totals,
        "start": start,
        "end": end,
        "co_handling": co_handling_performance(user, start=start, end=end),  # lead cases and parts apart
    }


# --- survey analysis ----------------------------------------------------------------------------


@dataclass
class SurveyRow:
    department: str
    month: str  # YYYY-MM
    closed: int = 0
    invited: int = 0
    surveyed: int = 0
    response_rate: float | None = None
    avg_score: float | None = None
    dissatisfied: int = 0
    follow_ups: int = 0
    follow_ups_done: int = 0
    follow_up_rate: float | None = None
    score_sum: int = 0  # for weighted averages over rows; not shown

    def finish(self) -> SurveyRow:
        self.response_rate = _pct(self.surveyed, self.invited)
        self.avg_score = round(self.score_sum / self.surveyed, 2) if self.surveyed else None
        self.follow_up_rate = _pct(self.follow_ups_done, self.follow_ups)
        return self


def _months(start: dt.date, end: dt.date) -> list[str]:
    y, m, out = start.year, start.month, []
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def survey_report(user, *, start: dt.date, end: dt.date) -> dict:
    """Survey analysis per department and per month for [start, end] (local dates, inclusive).

    - Cases: answered cases (state `closed`) closed in the month. Invited: those whose category
      is not survey-exempt; response rate = surveyed / invited; average score; dissatisfied =
      score ≤ `CASESYS["SURVEY_DISSATISFIED_MAX"]`.
    - Follow-ups (回訪): opened in the month, and how many of them are done.

    Two grouped queries whatever the number of cases (the closure time is indexed; follow-ups
    exist only for dissatisfied answers, a small table).
    """
    since = dt.datetime.combine(start, dt.time.min, tzinfo=TZ)
    until = end_of_day(end)
    low = settings.CASESYS["SURVEY_DISSATISFIED_MAX"]
    qs = scoped_cases(user).order_by()
    invited = Q(category__survey_exempt=False)
    surveyed = invited & Q(satisfaction__isnull=False)
    case_rows = (
        qs.filter(state=State.CLOSED, closed_at__range=(since, until))
        .annotate(mo=TruncMonth("closed_at", tzinfo=TZ))
        .values("department__name", "mo")
        .annotate(
            n_closed=Count("id"),
            n_invited=Count("id", filter=invited),
            n_surveyed=Count("id", filter=surveyed),
            score_sum=Sum("satisfaction", filter=surveyed),
            n_low=Count("id", filter=surveyed & Q(satisfaction__lte=low)),
        )
    )
    follow_rows = (
        FollowUp.objects.using(reports_db())
        .filter(case__in=qs.values("pk"), opened_at__range=(since, until))
        .order_by()
        .annotate(mo=TruncMonth("opened_at", tzinfo=TZ))
        .values("case__department__name", "mo")
        .annotate(n=Count("id"), n_done=Count("id", filter=Q(status=FollowUp.Status.DONE)))
    )

    def month_of(value: dt.datetime) -> str:
        local = value.astimezone(TZ)
        return f"{local.year}-{local.month:02d}"

    rows: dict[tuple[str, str], SurveyRow] = {}
    names = _EnglishNames()

    def row(department: str | None, month: str) -> SurveyRow:
        key = (names.label("department", department), month)
        if key not in rows:
            rows[key] = SurveyRow(department=key[0], month=month)
        return rows[key]

    for r in case_rows:
        sr = row(r["department__name"], month_of(r["mo"]))
        sr.closed, sr.invited, sr.surveyed = r["n_closed"], r["n_invited"], r["n_surveyed"]
        sr.score_sum, sr.dissatisfied = r["score_sum"] or 0, r["n_low"]
    for r in follow_rows:
        sr = row(r["case__department__name"], month_of(r["mo"]))
        sr.follow_ups, sr.follow_ups_done = r["n"], r["n_done"]

    months = _months(start, end)
    trend = {m: SurveyRow(department=TOTAL, month=m) for m in months}
    total = SurveyRow(department=TOTAL, month=f"{months[0]} – {months[-1]}")
    summed = ("closed", "invited", "surveyed", "score_sum", "dissatisfied", "follow_ups", "follow_ups_done")
    for r in rows.values():
        for target in (trend[r.month], total):
            for f in summed:
                setattr(target, f, getattr(target, f) + getattr(r, f))
    detail = sorted((r.finish() for r in rows.values()), key=lambda r: (r.department, r.month))
    trend_rows = [trend[m].finish() for m in months]
    chart = {
        "labels": months,
        "response_rate": [r.response_rate for r in trend_rows],
        "follow_up_rate": [r.follow_up_rate for r in trend_rows],
        "avg_score": [r.avg_score for r in trend_rows],
        "dissatisfied": [r.dissatisfied for r in trend_rows],
    }
    return {
        "rows": detail,
        "trend": trend_rows,
        "totals": total.finish(),
        "chart": chart,
        "threshold": low,
        "start": start,
        "end": end,
    }


# --- co-handling (主辦 / 協辦): lead cases and co-handling parts, per department -----------------
# A department's own cases (it leads them) and the parts it co-handles for other departments'
# cases are counted apart, each with its on-time rate: a part is on time when approved by its
# sub-deadline (`CasePart.on_time`); released and withdrawn parts are neither.


def scoped_parts(user):
    """Parts of the departments the user reports on: supervisors their subtree, analysts and
    administrators every department."""
    from casesys.cohandling.models import CasePart
    from casesys.org.roles import user_department

    parts = CasePart.objects.using(reports_db())
    if not may_see_reports(user):
        return parts.none()
    roles = roles_of(user)
    if roles & {Role.ANALYST, Role.ADMIN}:
        return parts.all()
    dept = user_department(user)
    return parts.none() if dept is None else parts.filter(department__path__startswith=dept.path)


@dataclass
class CoHandlingOverdueRow:
    department: str
    lead_open: int = 0
    lead_overdue: int = 0
    parts_open: int = 0
    parts_overdue: int = 0


@dataclass
class PartOverdueRow:
    number: str
    subject: str
    department: str
    lead: str
    officer: str
    state: str
    due_at: dt.datetime
    days_overdue: int


def co_handling_overdue(user, *, now: dt.datetime | None = None, detail_limit: int = DETAIL_LIMIT) -> dict:
    """Per department: its open and overdue lead cases, its open and overdue co-handling parts;
    and the overdue parts themselves (oldest sub-deadline first)."""
    from casesys.cohandling.models import CasePart, PartState

    now = now or timezone.now()
    live = [PartState.REQUESTED, PartState.IN_PROGRESS, PartState.PENDING_APPROVAL]
    rows: dict[str, CoHandlingOverdueRow] = {}

    names = _EnglishNames()

    def row(name: str | None) -> CoHandlingOverdueRow:
        name = names.label("department", name)
        return rows.setdefault(name, CoHandlingOverdueRow(department=name))

    for r in (
        scoped_cases(user).order_by().filter(OPEN_Q, department__isnull=False)
        .values("department__name")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now)))
    ):
        cr = row(r["department__name"])
        cr.lead_open, cr.lead_overdue = r["n"], r["late"]
    parts = scoped_parts(user).order_by().filter(state__in=live)
    for r in parts.values("department__name").annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lt=now))):
        cr = row(r["department__name"])
        cr.parts_open, cr.parts_overdue = r["n"], r["late"]
    calendar = WorkCalendar.load(using=reports_db())
    today = local_date(now)
    labels = dict(CasePart._meta.get_field("state").choices)
    detail = [
        PartOverdueRow(
            number=r["case__number"],
            subject=r["case__subject"],
            department=names.label("department", r["department__name"]),
            lead=names.label("department", r["case__department__name"], missing=""),
            officer=r["officer__first_name"] or r["officer__username"] or "",
            state=str(labels.get(r["state"], r["state"])),
            due_at=r["due_at"],
            days_overdue=max(calendar.working_days_between(local_date(r["due_at"]), today), 0),
        )
        for r in parts.filter(due_at__lt=now)
        .values("case__number", "case__subject", "department__name", "case__department__name", "officer__first_name",
                "officer__username", "state", "due_at")
        .order_by("due_at", "id")[:detail_limit]
    ]
    ordered = sorted((r for r in rows.values() if r.lead_open or r.parts_open), key=lambda r: r.department)
    return {"rows": ordered, "detail": detail, "parts_overdue": sum(r.parts_overdue for r in ordered)}


@dataclass
class CoHandlingPerformanceRow:
    department: str
    lead_closed: int = 0
    lead_on_time: int = 0
    lead_late: int = 0
    lead_rate: float | None = None
    parts_requested: int = 0
    parts_done: int = 0
    parts_on_time: int = 0
    parts_late: int = 0
    parts_rate: float | None = None
    parts_released: int = 0

    SUMMED = ("lead_closed", "lead_on_time", "lead_late", "parts_requested", "parts_done", "parts_on_time", "parts_late",
              "parts_released")

    def finish(self) -> CoHandlingPerformanceRow:
        self.lead_rate = _pct(self.lead_on_time, self.lead_on_time + self.lead_late)
        self.parts_rate = _pct(self.parts_on_time, self.parts_on_time + self.parts_late)
        return self


def co_handling_performance(user, *, start: dt.date, end: dt.date) -> dict:
    """Per department for [start, end]: lead cases answered (on time, late, rate) and
    co-handling parts requested, done (on time, late, rate) and released. Three grouped
    queries whatever the number of cases."""
    from casesys.cohandling.models import PartState

    since = dt.datetime.combine(start, dt.time.min, tzinfo=TZ)
    until = end_of_day(end)
    rows: dict[str, CoHandlingPerformanceRow] = {}

    names = _EnglishNames()

    def row(name: str | None) -> CoHandlingPerformanceRow:
        name = names.label("department", name)
        return rows.setdefault(name, CoHandlingPerformanceRow(department=name))

    answered = Q(state=State.CLOSED)
    for r in (
        scoped_cases(user).order_by().filter(answered, closed_at__range=(since, until))
        .values("department__name")
        .annotate(on=Count("id", filter=Q(on_time=True)), late=Count("id", filter=Q(on_time=False)), n=Count("id"))
    ):
        cr = row(r["department__name"])
        cr.lead_closed, cr.lead_on_time, cr.lead_late = r["n"], r["on"], r["late"]
    parts = scoped_parts(user).order_by()
    for r in parts.filter(requested_at__range=(since, until)).values("department__name").annotate(n=Count("id")):
        row(r["department__name"]).parts_requested = r["n"]
    for r in (
        parts.filter(closed_at__range=(since, until))
        .values("department__name")
        .annotate(
            done=Count("id", filter=Q(state=PartState.DONE)),
            on=Count("id", filter=Q(state=PartState.DONE, on_time=True)),
            late=Count("id", filter=Q(state=PartState.DONE, on_time=False)),
            released=Count("id", filter=Q(state=PartState.RELEASED)),
        )
    ):
        cr = row(r["department__name"])
        cr.parts_done, cr.parts_on_time, cr.parts_late, cr.parts_released = r["done"], r["on"], r["late"], r["released"]
    ordered = sorted((r.finish() for r in rows.values()), key=lambda r: r.department)
    totals = CoHandlingPerformanceRow(department=TOTAL)
    for r in ordered:
        for f in CoHandlingPerformanceRow.SUMMED:
            setattr(totals, f, getattr(totals, f) + getattr(r, f))
    return {"rows": ordered, "totals": totals.finish()}
