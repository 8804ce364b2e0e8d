"""Fictional demo data a city would recognise (`manage.py seed_demo`). Never real personal data.

The case texts are hand-written (`casesys.cases.demo_texts`). Every case runs through the real
services (intake, dispatch, accept, reply, approve, transfer, extension, co-handling, survey,
follow-up, incidents), so its timeline, notices and reports are the ones the system writes.

**The case's own times.** The services stamp what they write with the wall clock
(`timezone.now()`), and time-machine is only a test dependency, so each step runs at the real
time inside a `_Clock.at(moment)` block, which notes the audit events and notifications the step
wrote. At the end, one bulk UPDATE per table puts every noted row at its step's moment (received,
dispatched, accepted, replied, closed: working-day office hours after the receipt), and each
case's own time fields (dispatched_at … closed_at, on time or late) are set from the same plan.
Notifications written during the seed are then delivered as of their moment.

Idempotent: cases are made once (their `external_ref` starts with `demo-`); departments,
categories, users, reply templates and keyword rules are updated in place. Connector data
(chat groups, feeds, their leads) comes from each channel's `demo` hook in CASESYS_CHANNELS.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from casesys.cases import services
from casesys.cases.defaults import ensure_urgencies
from casesys.cases.demo_texts import (
    EN_NAMES,
    GIVEN,
    INCIDENT_TEXTS,
    INCIDENTS,
    KEYWORD_RULES,
    REPLY_TEMPLATES,
    SPOTS,
    STREETS,
    SURNAMES,
    SURVEY_COMMENTS,
    TEXTS,
    DemoText,
)
from casesys.cases.followups import follow_up_due, follow_up_record_callback
from casesys.cases.models import (
    Case,
    CaseClosure,
    CaseEvent,
    Category,
    Channel,
    ExtensionRequest,
    FollowUp,
    Language,
    SlaUnit,
    State,
    Urgency,
)
from casesys.common.channels import chat_channels
from casesys.notifications.models import Notification, NotificationChannel
from casesys.org.models import Department, Role, StaffProfile
from casesys.workcal.calendar import WorkCalendar

DEMO_PASSWORD = "casesys-demo"

DEPARTMENTS = [
    # code, parent, name, name_en, kind
    ("CITY", "", "示範市政府", "Demo City Government", "agency"),
    ("RDEC", "CITY", "研究發展考核委員會", "Research, Development and Evaluation Commission", "unit"),
    ("RDEC-SVC", "RDEC", "為民服務科", "Citizen Service Section", "section"),
    ("PWD", "CITY", "工務局", "Public Works Department", "unit"),
    ("PWD-ROAD", "PWD", "道路養護科", "Road Maintenance Section", "section"),
    ("PWD-LIGHT", "PWD", "公園路燈科", "Parks and Street Lights Section", "section"),
    ("EPB", "CITY", "環境保護局", "Environmental Protection Bureau", "unit"),
    ("EPB-CLEAN", "EPB", "環境清潔科", "Sanitation Section", "section"),
    ("EPB-NOISE", "EPB", "空氣噪音防制科", "Air and Noise Section", "section"),
    ("TRAF", "CITY", "交通局", "Department of Transportation", "unit"),
    ("TRAF-PARK", "TRAF", "停車管理科", "Parking Section", "section"),
    ("TRAF-SIG", "TRAF", "號誌管理科", "Traffic Signals Section", "section"),
    ("AGR", "CITY", "動物保護處", "Animal Protection Office", "unit"),
    ("BLDG", "CITY", "建築管理工程處", "Building Administration Office", "unit"),
    ("SOC", "CITY", "社會局", "Department of Social Welfare", "unit"),
    ("SOC-AID", "SOC", "社會救助科", "Social Assistance Section", "section"),
    ("DO-ZS", "CITY", "中山區公所", "Zhongshan District Office", "unit"),
    ("DO-ZS-CIV", "DO-ZS", "民政課", "Civil Affairs Section", "section"),
    ("DO-ZS-ECO", "DO-ZS", "經建課", "Economic Development Section", "section"),
]

CATEGORIES = [
    # code, parent, name, name_en, dept, unit, value, public, survey_exempt
    ("GEN", "", "一般陳情", "General", "", "working_days", 6, True, False),
    ("GEN-MAILBOX", "GEN", "首長信箱一般陳情", "Mayor's mailbox", "", "working_days", 6, True, False),
    ("GEN-PRAISE", "GEN", "表揚與建議", "Praise and suggestions", "", "working_days", 6, True, True),
    ("GEN-MULTI", "GEN", "跨機關陳情", "Multi-agency petition", "", "working_days", 10, True, False),
    ("ROAD", "", "道路與人行道", "Roads and sidewalks", "PWD-ROAD", "working_days", 6, True, False),
    ("ROAD-POTHOLE", "ROAD", "道路坑洞", "Pothole", "PWD-ROAD", "hours", 24, True, False),
    ("ROAD-SIDEWALK", "ROAD", "人行道損壞", "Damaged sidewalk", "PWD-ROAD", "working_days", 6, True, False),
    ("ROAD-FLOOD", "ROAD", "道路積水與側溝", "Flooding and drains", "PWD-ROAD", "working_days", 3, True, False),
    ("LIGHT", "", "路燈與公園", "Street lights and parks", "PWD-LIGHT", "working_days", 3, True, False),
    ("LIGHT-OUT", "LIGHT", "路燈不亮", "Street light out", "PWD-LIGHT", "working_days", 3, True, False),
    ("LIGHT-PARK", "LIGHT", "公園設施損壞", "Park facility damaged", "PWD-LIGHT", "working_days", 6, True, False),
    ("LIGHT-TREE", "LIGHT", "行道樹", "Street trees", "PWD-LIGHT", "working_days", 6, True, False),
    ("ENV", "", "環境衛生", "Environment", "EPB-CLEAN", "working_days", 6, True, False),
    ("ENV-GARBAGE", "ENV", "垃圾未清運", "Uncollected garbage", "EPB-CLEAN", "working_days", 3, True, False),
    ("ENV-NOISE", "ENV", "噪音", "Noise", "EPB-NOISE", "working_days", 6, True, False),
    ("ENV-ANIMAL", "ENV", "流浪動物", "Stray animals", "AGR", "working_days", 6, True, False),
    ("TRAF", "", "交通停車", "Traffic and parking", "TRAF-PARK", "working_days", 6, True, False),
    ("TRAF-PARKING", "TRAF", "違規停車", "Illegal parking", "TRAF-PARK", "calendar_days", 3, True, False),
    ("TRAF-SIGNAL", "TRAF", "交通號誌", "Traffic signals", "TRAF-SIG", "working_days", 3, True, False),
    ("BLDG", "", "建築管理", "Buildings", "BLDG", "working_days", 6, True, False),
    ("BLDG-ILLEGAL", "BLDG", "違章建築", "Illegal construction", "BLDG", "working_days", 6, True, False),
    ("SOC", "", "社會福利", "Social welfare", "SOC-AID", "working_days", 6, True, False),
    ("SOC-AID", "SOC", "急難救助", "Emergency assistance", "SOC-AID", "working_days", 6, True, True),
    ("INT", "", "內部管考", "Internal follow-up", "", "working_days", 6, False, True),
    ("INT-AUDIT", "INT", "研考列管", "Evaluation follow-up", "", "working_days", 10, False, True),
]

USERS = [
    # username, first name, department, roles
    ("intake", "受理員", "RDEC-SVC", [Role.INTAKE]),
    ("officer", "承辦員", "PWD-ROAD", [Role.OFFICER]),
    ("officer2", "路燈承辦", "PWD-LIGHT", [Role.OFFICER]),
    ("supervisor", "主管", "PWD", [Role.SUPERVISOR, Role.OFFICER]),
    ("officer3", "清潔承辦", "EPB-CLEAN", [Role.OFFICER]),
    ("supervisor2", "環保主管", "EPB", [Role.SUPERVISOR, Role.OFFICER]),
    ("supervisor3", "交通主管", "TRAF", [Role.SUPERVISOR, Role.OFFICER]),
    ("analyst", "研考員", "RDEC", [Role.ANALYST]),
    ("admin", "管理者", "CITY", [Role.ADMIN]),
]


def seed_org() -> dict[str, Department]:
    ensure_urgencies()
    depts: dict[str, Department] = {}
    for code, parent, name, name_en, kind in DEPARTMENTS:
        dept, _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "parent": depts.get(parent)}
        )
        depts[code] = dept
    return depts


def seed_categories(depts: dict[str, Department]) -> dict[str, Category]:
    cats: dict[str, Category] = {}
    for code, parent, name, name_en, dept, unit, value, public, exempt in CATEGORIES:
        cat, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "parent": cats.get(parent),
                "name": name,
                "name_en": name_en,
                "department": depts.get(dept),
                "sla_unit": unit,
                "sla_value": value,
                "public": public,
                "survey_exempt": exempt,
            },
        )
        cats[code] = cat
    return cats


def seed_users(depts: dict[str, Department]) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, first, dept, roles in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": first})
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.is_staff = Role.ADMIN in roles
        user.is_superuser = Role.ADMIN in roles
        user.email = f"{username}@demo.invalid"
        user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={"department": depts[dept], "roles": list(roles)})
        users[username] = user
    return users




def seed_reply_templates(cats: dict[str, Category]) -> int:
    from casesys.web.models import ReplyTemplate

    for code, title, body in REPLY_TEMPLATES:
        ReplyTemplate.objects.update_or_create(category=cats[code], title=title, defaults={"body": body, "active": True})
    return len(REPLY_TEMPLATES)


def seed_keyword_rules(cats: dict[str, Category], depts: dict[str, Department]) -> int:
    from casesys.inbound.models import KeywordRule

    for phrase, cat, dept in KEYWORD_RULES:
        KeywordRule.objects.update_or_create(
            phrase=phrase, defaults={"category": cats[cat], "department": depts[dept], "active": True}
        )
    return len(KEYWORD_RULES)


# --- the case's own times ---------------------------------------------------------------------

OFFICE_OPEN, OFFICE_CLOSE = dt.time(8, 30), dt.time(17, 30)


def office_after(moment: dt.datetime, hours: float, calendar: WorkCalendar) -> dt.datetime:
    """`hours` office hours (working days, 08:30–17:30 local) after `moment`."""
    tz = timezone.get_current_timezone()
    local = timezone.localtime(moment, tz)
    remaining = dt.timedelta(hours=hours)
    while True:
        day = local.date()
        opens = timezone.make_aware(dt.datetime.combine(day, OFFICE_OPEN), tz)
        closes = timezone.make_aware(dt.datetime.combine(day, OFFICE_CLOSE), tz)
        if not calendar.is_working_day(day) or local >= closes:
            local = timezone.make_aware(dt.datetime.combine(calendar.next_working_day(day), OFFICE_OPEN), tz)
            continue
        local = max(local, opens)
        if remaining <= closes - local:
            return local + remaining
        remaining -= closes - local
        local = closes


class _Clock:
    """Notes the audit events and notifications each step writes, to stamp them with the
    step's own moment afterwards (`apply`: one bulk UPDATE per table)."""

    def __init__(self) -> None:
        self.event_mark = CaseEvent.objects.aggregate(m=Max("pk"))["m"] or 0
        self.notice_mark = self.first_notice = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        self.events: dict[int, dt.datetime] = {}
        self.notices: dict[int, dt.datetime] = {}

    @contextmanager
    def at(self, moment: dt.datetime) -> Iterator[None]:
        yield
        for pk in CaseEvent.objects.filter(pk__gt=self.event_mark).values_list("pk", flat=True):
            self.events[pk] = moment
            self.event_mark = max(self.event_mark, pk)
        for pk in Notification.objects.filter(pk__gt=self.notice_mark).values_list("pk", flat=True):
            self.notices[pk] = moment
            self.notice_mark = max(self.notice_mark, pk)

    def apply(self) -> None:
        CaseEvent.objects.bulk_update(
            [CaseEvent(pk=pk, at=at) for pk, at in self.events.items()], ["at"], batch_size=500
        )
        from casesys.notifications.services import notifications_backdate

        notifications_backdate(stamps=self.notices)

    def deliver(self, *, now: dt.datetime, calendar: WorkCalendar) -> int:
        """Deliver the in-app notices the steps queued, as of each step's moment (a staff message
        that waits for office hours: as of the next opening), so the desk's notifications page
        shows them. Messages to citizens stay queued for the worker, as after any intake."""
        from casesys.notifications.officehours import next_office_time
        from casesys.notifications.services import notification_deliver

        rows = Notification.objects.filter(
            pk__gt=self.first_notice, channel=NotificationChannel.INAPP, status=Notification.Status.PENDING
        )
        sent = 0
        for pk, office_only in rows.order_by("created_at", "pk").values_list("pk", "office_hours_only"):
            at = self.notices.get(pk)
            if at is None:
                continue
            moment = next_office_time(at, calendar) if office_only else at
            if moment <= now:
                sent += notification_deliver(notification_id=pk, now=moment) == "sent"
        return sent


# --- people and places ---------------------------------------------------------------------------


def fake_phone(rng: random.Random) -> str:
    """A mobile number in the clearly fictional 09xx-000-xxx pattern."""
    return f"09{rng.randint(10, 99)}-000-{rng.randint(100, 999)}"


def _place(rng: random.Random, district: str | None = None, street: str | None = None) -> dict:
    district = district or rng.choice(list(STREETS))
    streets = STREETS[district]
    name, lat, lng = next((s for s in streets if s[0] == street), None) or rng.choice(streets)
    no = rng.randint(1, 320)
    return {
        "district": district,
        "street": name,
        "addr": f"{name}{no}號",
        "lane": f"{name}{rng.randint(2, 260)}巷",
        "spot": rng.choice(SPOTS),
        "lat": Decimal(f"{lat + rng.uniform(-0.0012, 0.0012):.6f}"),
        "lng": Decimal(f"{lng + rng.uniform(-0.0015, 0.0015):.6f}"),
    }


def _petitioner(rng: random.Random, tone: str, i: int, chat_channel: str) -> dict | None:
    if tone == "en":
        name = rng.choice(EN_NAMES)
        return {"name": name, "email": f"{name.split()[0].lower()}.{i:04d}@example.com"}
    surname = rng.choice(SURNAMES)
    full = surname + rng.choice(GIVEN)
    if tone == "phone":
        if rng.random() < 0.04:
            return None  # 民眾不願留下姓名
        name = full if rng.random() < 0.6 else surname + rng.choice(("先生", "小姐", "太太"))
        return {"name": name, "phone": fake_phone(rng)}
    if tone == "chat":
        pet: dict = {"name": full if rng.random() < 0.5 else rng.choice(("阿明", "小芬", "Kevin", "小魚", "阿伯"))}
        if chat_channel:
            pet["contacts"] = [{"channel": chat_channel, "address": f"demo-chat-{i:05d}", "verified": True}]
        return pet
    return {
        "name": full,
        "email": f"citizen{i:04d}@example.com",
        "phone": fake_phone(rng) if rng.random() < 0.5 else "",
        "address": _home(rng),
    }


def _home(rng: random.Random) -> str:
    district = rng.choice(list(STREETS))
    return f"示範市{district}{rng.choice(STREETS[district])[0]}{rng.randint(1, 300)}號{rng.randint(2, 12)}樓"


def _channel(rng: random.Random, tone: str, chats: list[str]) -> str:
    if tone == "phone":
        return Channel.PHONE
    if tone == "chat":
        return chats[0] if chats and rng.random() < 0.8 else (chats[-1] if chats else Channel.WEB)
    if tone == "en":
        return rng.choice([Channel.WEB, Channel.EMAIL])
    return rng.choices([Channel.WEB, Channel.EMAIL, Channel.LETTER, Channel.WALK_IN], weights=[6, 2, 1, 1])[0]


def _received_at(rng: random.Random, tone: str, now: dt.datetime, max_days: float = 55) -> dt.datetime:
    day = timezone.localtime(now).date() - dt.timedelta(days=int(rng.random() ** 1.4 * max_days))
    lo, hi = {"phone": (7.5, 22.5), "chat": (6.5, 24.0)}.get(tone, (0.0, 24.0))
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone())
    moment += dt.timedelta(hours=rng.uniform(lo, hi))
    return min(moment, now - dt.timedelta(minutes=rng.randint(10, 90)))


# --- how each department handles its cases --------------------------------------------------------

# department → (who accepts and replies, who approves); others wait in their department's queue.
HANDLERS = {
    "PWD-ROAD": ("officer", "supervisor"),
    "PWD-LIGHT": ("officer2", "supervisor"),
    "EPB-CLEAN": ("officer3", "supervisor2"),
    "EPB-NOISE": ("supervisor2", "admin"),
    "TRAF-PARK": ("supervisor3", "admin"),
    "TRAF-SIG": ("supervisor3", "admin"),
}
# Categories another agency is competent for (移文): (agency, reason).
TRANSFERS = {
    "TRAF-PARKING": ("示範市政府警察局交通警察大隊", "違規停車之舉發與拖吊屬警察機關權責，移請警察局辦理。"),
}


def _handled(text: DemoText, cats: dict[str, Category]) -> bool:
    dept = cats[text.category].department
    return (dept.code if dept else text.department) in HANDLERS or text.category in TRANSFERS


def _reply_text(case: Case, cats: dict[str, Category], rng: random.Random) -> str:
    from casesys.web.models import ReplyTemplate

    codes = [case.category.code]
    if case.category.parent_id:
        codes.append(case.category.parent.code)
    templates = list(ReplyTemplate.objects.filter(category__code__in=codes, active=True).order_by("pk"))
    if case.language == Language.EN:
        return (
            f"Thank you for your message about \"{case.subject}\" (case {case.number}). Our staff inspected the site "
            "and the problem has been dealt with. Please contact us again through the mailbox or 1999 if it recurs."
        )
    if not templates:
        return f"您好：有關「{case.subject}」（案號 {case.number}）一案，已由權責單位處理完成，感謝您的反映。"
    return rng.choice(templates).render(case)


class _Flow:
    """Walks one case through the services along a plan of moments; steps whose moment is
    still ahead of `now` do not happen, so the case ends in the state its age gives it."""

    def __init__(self, *, case: Case, users: dict, clock: _Clock, now: dt.datetime, calendar: WorkCalendar,
                 rng: random.Random, cats: dict[str, Category]) -> None:
        self.case, self.users, self.clock, self.now = case, users, clock, now
        self.calendar, self.rng, self.cats = calendar, rng, cats
        self.times: dict[str, dt.datetime | None] = {}

    def due(self, moment: dt.datetime) -> bool:
        return moment <= self.now

    def run(self, text: DemoText) -> None:
        case, rng, users = self.case, self.rng, self.users
        received = case.received_at
        if case.state == State.RECEIVED:
            dispatch_at = office_after(received, rng.uniform(0.3, 5), self.calendar)
            if not self.due(dispatch_at) or rng.random() < 0.04:
                return  # waits in the intake queue (some past their dispatch deadline)
            with self.clock.at(dispatch_at):
                services.case_dispatch(
                    case=case, department=Department.objects.get(code=text.department or "RDEC-SVC"), by=users["intake"]
                )
            self.times["dispatched_at"] = dispatch_at
        else:
            self.times["dispatched_at"] = received
        now_at = self.times["dispatched_at"]
        if case.category.code in TRANSFERS and rng.random() < 0.75:
            at = office_after(now_at, rng.uniform(0.5, 6), self.calendar)
            if self.due(at):
                agency, reason = TRANSFERS[case.category.code]
                with self.clock.at(at):
                    services.case_transfer(case=case, agency=agency, reason=reason, by=users["admin"], calendar=self.calendar)
                self.times["closed_at"] = at
            return
        handler_name, approver_name = HANDLERS.get(case.department.code, (None, None))
        if handler_name is None:
            return  # waits in a department the demo has no officer for
        handler, approver = users[handler_name], users[approver_name]
        accept_at = office_after(now_at, rng.uniform(0.5, 9), self.calendar)
        if not self.due(accept_at):
            return
        with self.clock.at(accept_at):
            services.case_accept(case=case, by=handler)
        self.times["accepted_at"] = accept_at
        fate = rng.random()
        if case.department.code == "PWD-ROAD" and fate > 0.8 and not self._co_handle(accept_at):
            return  # the street-light section's part is not done yet
        due_at = case.due_at
        span = max((due_at - accept_at).total_seconds(), 3600)
        if fate < 0.12:
            self._extension(accept_at)
            return  # still being handled (and overdue once the deadline passes)
        if fate < 0.27:
            reply_at = due_at + dt.timedelta(hours=rng.uniform(4, 96))  # late
            reply_at = office_after(reply_at, rng.uniform(0.1, 4), self.calendar)
        else:
            reply_at = office_after(
                accept_at + dt.timedelta(seconds=rng.uniform(0.1, 0.85) * span), rng.uniform(0.1, 3), self.calendar
            )
        reply_at = max(reply_at, office_after(accept_at, 0.5, self.calendar))
        if not self.due(reply_at):
            return
        with self.clock.at(reply_at):
            services.case_submit_reply(case=case, reply=_reply_text(case, self.cats, rng), by=handler)
        self.times["reply_submitted_at"] = reply_at
        approve_at = office_after(reply_at, rng.uniform(0.5, 7), self.calendar)
        if not self.due(approve_at) or rng.random() < 0.06:
            return  # awaiting approval
        with self.clock.at(approve_at):
            services.case_approve(case=case, by=approver)
        self.times["closed_at"] = approve_at
        self._survey(approve_at)

    def _co_handle(self, accept_at: dt.datetime) -> bool:
        """The street-light section co-handles a road case (主辦/協辦); True when its part is done."""
        from casesys.cohandling import services as cohandling

        users, case = self.users, self.case
        add_at = office_after(accept_at, 0.5, self.calendar)
        if not self.due(add_at):
            return False
        with self.clock.at(add_at):
            [part] = cohandling.case_add_co_handlers(
                case=case, departments=[Department.objects.get(code="PWD-LIGHT")],
                request_note="案址周邊路燈疑似同時損壞，請協助檢查周邊路燈照明。", by=users["supervisor"], now=add_at,
            )
        case.refresh_from_db()
        steps = (
            (4, lambda: cohandling.part_accept(part=part, by=users["officer2"])),
            (8, lambda: cohandling.part_submit_reply(part=part, reply="周邊路燈經檢查，已更換故障燈具一盞，其餘均正常運作。", by=users["officer2"])),
            (3, lambda: cohandling.part_approve(part=part, by=users["supervisor"])),
        )
        at = add_at
        for hours, step in steps:
            at = office_after(at, hours * self.rng.uniform(0.5, 1.5), self.calendar)
            if not self.due(at):
                return False
            with self.clock.at(at):
                step()
            part.refresh_from_db()
        case.refresh_from_db()
        self.times.setdefault("parts_done_at", at)
        return True

    def _extension(self, accept_at: dt.datetime) -> None:
        """Some cases still being handled ask for more time, while it is still before the deadline."""
        case, rng = self.case, self.rng
        if case.due_at <= self.now or rng.random() < 0.5 or case.sla_unit == SlaUnit.HOURS:
            return
        ask_at = office_after(accept_at, rng.uniform(2, 12), self.calendar)
        if not self.due(ask_at) or ask_at >= case.due_at:
            return
        handler, approver = (self.users[name] for name in HANDLERS[case.department.code])
        with self.clock.at(ask_at):
            req = services.case_request_extension(
                case=case, days=rng.choice([3, 5]), reason="需會同管線單位現場會勘，並待材料進場施工。",
                status_text="已完成現場勘查，正協調施工單位排定施工日期。", by=handler,
            )
        ExtensionRequest.objects.filter(pk=req.pk).update(requested_at=ask_at)
        decide_at = office_after(ask_at, rng.uniform(1, 6), self.calendar)
        if rng.random() < 0.5 or not self.due(decide_at):
            return  # pending: waits in the supervisor's approvals inbox
        case.refresh_from_db()
        with self.clock.at(decide_at):
            services.case_decide_extension(case=case, approve=True, note="同意展延。", by=approver)
        ExtensionRequest.objects.filter(pk=req.pk).update(decided_at=decide_at)

    def _survey(self, closed_at: dt.datetime) -> None:
        from casesys.web.services import case_survey_submit

        case, rng = self.case, self.rng
        if case.category.survey_exempt or rng.random() < 0.45:
            return
        answered_at = closed_at + dt.timedelta(hours=rng.uniform(2, 72))
        if not self.due(answered_at):
            return
        score = rng.choice([5, 5, 5, 4, 4, 4, 3, 2, 1])
        with self.clock.at(answered_at):
            case_survey_submit(case=case, score=score, comment=rng.choice(SURVEY_COMMENTS[score]))
        self.times["surveyed_at"] = answered_at
        follow_up = FollowUp.objects.filter(case=case, status=FollowUp.Status.OPEN).first()
        if follow_up is None:
            return
        FollowUp.objects.filter(pk=follow_up.pk).update(
            opened_at=answered_at, due_at=follow_up_due(answered_at, self.calendar)
        )
        call_at = office_after(answered_at, rng.uniform(3, 20), self.calendar)
        if self.due(call_at) and rng.random() < 0.6:
            follow_up.refresh_from_db()
            with self.clock.at(call_at):
                follow_up_record_callback(
                    follow_up=follow_up, note="已電話聯繫陳情人，說明後續改善及複查時程，陳情人表示理解。",
                    by=self.users[HANDLERS[case.department.code][1]],
                )
            FollowUp.objects.filter(pk=follow_up.pk).update(closed_at=call_at)

    def finish(self) -> None:
        """The case's own time fields, from the plan (the services wrote the wall clock)."""
        case = self.case
        case.refresh_from_db()
        fields = {k: v for k, v in self.times.items() if k in {"dispatched_at", "accepted_at", "reply_submitted_at", "surveyed_at"}}
        closed_at = self.times.get("closed_at")
        if closed_at is not None:
            fields["closed_at"] = closed_at
            if case.state == State.TRANSFERRED:
                from casesys.cases import deadlines

                due = deadlines.transfer_due(received_at=case.received_at, site_visit=case.site_visit, calendar=self.calendar)
                fields["transfer_on_time"] = closed_at <= due
                CaseClosure.objects.filter(case=case).update(closed_at=closed_at)
            else:
                on_time = closed_at <= case.due_at
                fields.update(on_time=on_time, missed_due_at=None if on_time else case.due_at)
                CaseClosure.objects.filter(case=case).update(closed_at=closed_at, on_time=on_time)
        if fields:
            Case.objects.filter(pk=case.pk).update(**fields)


# --- cases ----------------------------------------------------------------------------------------


def _intake(*, text: DemoText, place: dict, tone: str, i: int, received_at: dt.datetime, users: dict,
            cats: dict[str, Category], urgency: Urgency, rng: random.Random, chats: list[str],
            calendar: WorkCalendar, clock: _Clock, ref: str) -> Case:
    channel = _channel(rng, tone, chats)
    with clock.at(received_at):
        result = services.case_intake(
            channel=channel,
            category=cats[text.category],
            urgency=urgency,
            language=Language.EN if tone == "en" else Language.ZH,
            subject=text.subject.format(**place),
            description=text.body.format(**place),
            received_at=received_at,
            petitioner=_petitioner(rng, tone, i, channel if channel in chats else ""),
            location={"address": f"{place['district']}{place['addr']}", "district": place["district"],
                      "lat": place["lat"], "lng": place["lng"]},
            confidential=rng.random() < 0.08,
            external_ref=ref,
            by=users["intake"],
            calendar=calendar,
        )
    return result.case


def seed_cases(n: int, users: dict, cats: dict[str, Category], *, seed: int = 1999, now: dt.datetime | None = None) -> int:
    """`n` demo cases (incident reports included), once: nothing when demo cases exist."""
    if Case.objects.filter(external_ref__startswith="demo-").exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    calendar = WorkCalendar.load()
    urgencies = {u.code: u for u in Urgency.objects.all()}
    chats = chat_channels()
    clock = _Clock()
    created = 0
    incident_cases = sum(k for *_rest, k in INCIDENTS)
    deck: list[DemoText] = []
    with transaction.atomic():
        for i in range(max(n - incident_cases, 0)):
            if not deck:
                # Departments the demo has officers for get most of the cases.
                deck = [t for t in TEXTS for _ in range(3 if _handled(t, cats) else 1)]
                rng.shuffle(deck)
            text = deck.pop()
            place = _place(rng)
            roll = rng.random()
            urgency = urgencies["most_urgent"] if roll < 0.04 else urgencies["urgent"] if roll < 0.12 else urgencies["normal"]
            case = _intake(
                text=text, place=place, tone=text.tone, i=i, received_at=_received_at(rng, text.tone, now),
                users=users, cats=cats, urgency=urgency, rng=rng, chats=chats, calendar=calendar, clock=clock,
                ref=f"demo-{i:05d}",
            )
            flow = _Flow(case=case, users=users, clock=clock, now=now, calendar=calendar, rng=rng, cats=cats)
            flow.run(text)
            flow.finish()
            created += 1
        created += _seed_incidents(users=users, cats=cats, rng=rng, now=now, calendar=calendar, clock=clock,
                                   chats=chats, urgency=urgencies["normal"], limit=n)
        clock.apply()
        clock.deliver(now=now, calendar=calendar)
    return created


def _seed_incidents(*, users: dict, cats: dict[str, Category], rng: random.Random, now: dt.datetime,
                    calendar: WorkCalendar, clock: _Clock, chats: list[str], urgency: Urgency, limit: int) -> int:
    """A few incidents (事件): several reports of one event on one street, linked together."""
    from casesys.incidents import services as incidents

    created = 0
    for k, (title, code, district, street, count) in enumerate(INCIDENTS):
        if limit < sum(c for *_r, c in INCIDENTS):
            break
        start = office_after(now - dt.timedelta(days=3 + 4 * k), rng.uniform(0, 4), calendar)
        cases = []
        for j, (subject, body) in enumerate(INCIDENT_TEXTS[code][:count]):
            tone = "chat" if "你好" in body or "您好" in body else "letter" if "市長" in body else "phone"
            received = min(start + dt.timedelta(minutes=25 * j + rng.randint(0, 20)), now - dt.timedelta(minutes=5))
            case = _intake(
                text=DemoText(code, tone, subject, body), place=_place(rng, district, street), tone=tone,
                i=9000 + 10 * k + j, received_at=received, users=users, cats=cats, urgency=urgency, rng=rng,
                chats=chats, calendar=calendar, clock=clock, ref=f"demo-incident-{k}-{j}",
            )
            cases.append(case)
            created += 1
        handler, approver = (users[name] for name in HANDLERS[cases[0].department.code])
        first = cases[0]
        link_at = office_after(first.received_at, 0.5, calendar)
        with clock.at(link_at):
            incident = incidents.incident_create(
                case=first, title=title, by=approver, now=link_at,
                public_description="同一地點多位民眾通報，已併同處理，搶修進度將統一答復。",
            )
            incidents.incident_link(incident=incident, cases=cases[1:], by=approver, now=link_at)
        for case in cases:
            flow = _Flow(case=case, users=users, clock=clock, now=now, calendar=calendar, rng=rng, cats=cats)
            accept_at = office_after(link_at, 0.5, calendar)
            with clock.at(accept_at):
                services.case_accept(case=case, by=handler)
            flow.times.update(dispatched_at=case.received_at, accepted_at=accept_at)
            flow.finish()
    return created


def seed_connectors(*, users: dict, categories: dict[str, Category], now: dt.datetime) -> dict[str, str]:
    """Each connector's own demo data (a chat group, a feed, their leads), through the `demo`
    hook its CASESYS_CHANNELS entry names: the core imports no connector."""
    from django.utils.module_loading import import_string

    from casesys.common.channels import demo_seeders

    done = {}
    for name, path in demo_seeders().items():
        with transaction.atomic():
            done[name] = import_string(path)(users=users, categories=categories, now=now)
    return done
