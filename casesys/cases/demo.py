"""Fictional demo data (Faker zh_TW). Never real personal data."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker

from casesys.cases import services
from casesys.cases.defaults import ensure_urgencies
from casesys.cases.districts import DISTRICTS
from casesys.cases.followups import follow_up_open, follow_up_record_callback, is_dissatisfied
from casesys.cases.models import Case, CaseClosure, Category, Channel, State, Urgency
from casesys.common.channels import chat_channels
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
    ("LIGHT", "", "路燈與公園", "Street lights and parks", "PWD-LIGHT", "working_days", 3, True, False),
    ("LIGHT-OUT", "LIGHT", "路燈不亮", "Street light out", "PWD-LIGHT", "working_days", 3, True, False),
    ("LIGHT-PARK", "LIGHT", "公園設施損壞", "Park facility damaged", "PWD-LIGHT", "working_days", 6, True, False),
    ("ENV", "", "環境衛生", "Environment", "EPB-CLEAN", "working_days", 6, True, False),
    ("ENV-GARBAGE", "ENV", "垃圾未清運", "Uncollected garbage", "EPB-CLEAN", "working_days", 3, True, False),
    ("ENV-NOISE", "ENV", "噪音", "Noise", "EPB-NOISE", "working_days", 6, True, False),
    ("TRAF", "", "交通停車", "Traffic and parking", "TRAF-PARK", "working_days", 6, True, False),
    ("TRAF-PARKING", "TRAF", "違規停車", "Illegal parking", "TRAF-PARK", "calendar_days", 3, True, False),
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
    ("analyst", "研考員", "RDEC", [Role.ANALYST]),
    ("admin", "管理者", "CITY", [Role.ADMIN]),
]

SUBJECTS = {
    "ROAD-POTHOLE": ["{street}路面坑洞請儘速修補", "{street}有大坑洞，機車險摔", "{street}人孔蓋凹陷"],
    "ROAD-SIDEWALK": ["{street}人行道地磚鬆動", "{street}騎樓不平請改善"],
    "LIGHT-OUT": ["{street}路燈不亮", "{street}路燈閃爍", "{street}巷口路燈故障"],
    "LIGHT-PARK": ["{street}公園溜滑梯損壞", "{street}公園座椅破損"],
    "ENV-GARBAGE": ["{street}垃圾車未到", "{street}路邊垃圾堆積"],
    "ENV-NOISE": ["{street}夜間施工噪音", "{street}工廠噪音擾民"],
    "TRAF-PARKING": ["{street}紅線違停嚴重", "{street}公車站違規停車"],
    "SOC-AID": ["家中經濟困難請求協助", "獨居長者需要關懷"],
    "GEN-MAILBOX": ["建議增設{street}公車站", "{street}行道樹修剪建議", "申請書表流程建議"],
    "GEN-PRAISE": ["感謝{street}清潔隊員", "稱讚區公所服務"],
}


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


def seed_cases(n: int, users: dict, cats: dict[str, Category], *, seed: int = 1999) -> int:
    if Case.objects.filter(external_ref__startswith="demo-").exists():
        return 0
    fake = Faker("zh_TW")
    Faker.seed(seed)
    rng = random.Random(seed)
    calendar = WorkCalendar.load()
    now = timezone.now()
    leaf_codes = [c for c in SUBJECTS]
    urgencies = {u.code: u for u in Urgency.objects.all()}
    # The chat connectors configured in CASESYS_CHANNELS take part like the built-in channels.
    channels = [Channel.WEB, Channel.PHONE, *chat_channels(), Channel.LETTER, Channel.WALK_IN, Channel.EMAIL]
    created = 0
    for i in range(n):
        code = rng.choice(leaf_codes)
        cat = cats[code]
        street = fake.street_name()
        received_at = now - dt.timedelta(minutes=rng.randint(10, 55 * 24 * 60))
        urgency = urgencies["normal"]
        roll = rng.random()
        if roll < 0.05:
            urgency = urgencies["most_urgent"]
        elif roll < 0.15:
            urgency = urgencies["urgent"]
        district = rng.choice(DISTRICTS)
        with transaction.atomic():
            result = services.case_intake(
                channel=rng.choice(channels),
                category=cat,
                urgency=urgency,
                subject=rng.choice(SUBJECTS[code]).format(street=street),
                description=fake.paragraph(nb_sentences=4),
                received_at=received_at,
                petitioner={
                    "name": fake.name(),
                    "phone": fake.phone_number(),
                    "email": fake.free_email(),
                    "address": fake.address(),
                },
                location={"address": f"{district}{street}{rng.randint(1, 300)}號", "district": district},
                confidential=rng.random() < 0.1,
                external_ref=f"demo-{i:05d}",
                by=users["intake"],
                calendar=calendar,
            )
            _advance(result.case, users, rng, now)
        created += 1
    return created


def _co_handle(case: Case, users: dict, target: float) -> None:
    """Every sixth road case is co-handled by the street-light section (主辦/協辦 demo); the
    part is done before the lead can answer. Decided by the case id, not the random stream,
    so the other demo cases stay as they were."""
    from casesys.cohandling import services as cohandling

    [part] = cohandling.case_add_co_handlers(
        case=case, departments=[Department.objects.get(code="PWD-LIGHT")],
        request_note="請協助檢查周邊路燈是否正常", by=users["supervisor"],
    )
    case.refresh_from_db()
    if target < 0.1:
        return  # the part waits in the street-light section's queue
    cohandling.part_accept(part=part, by=users["officer2"])
    cohandling.part_submit_reply(part=part, reply="周邊路燈經檢查均正常運作。", by=users["officer2"])
    if target >= 0.2:
        cohandling.part_approve(part=part, by=users["supervisor"])


def _advance(case: Case, users: dict, rng: random.Random, now: dt.datetime) -> None:
    """Walk a case to a plausible state for its age; old cases are mostly closed."""
    intake, officer, supervisor = users["intake"], users["officer"], users["supervisor"]
    age_days = (now - case.received_at).days
    target = rng.random()
    if case.state == State.RECEIVED:
        if target < 0.3 or (age_days < 1 and target < 0.6):
            return  # still waiting in the intake queue (some past their dispatch deadline)
        if target < 0.05:
            services.case_file(case=case, reason_code="no_content", note="內容不具體", by=intake)
            return
        if target < 0.08:
            services.case_transfer(case=case, agency="交通部公路局", reason="非本府權責", by=intake)
            return
        dept_code = rng.choice(["PWD-ROAD", "PWD-LIGHT", "EPB-CLEAN", "DO-ZS-CIV"])
        services.case_dispatch(case=case, department=Department.objects.get(code=dept_code), by=intake)
    if age_days < 2 and target < 0.5:
        return
    # Only PWD cases have demo officers who can take them further.
    if case.department.code not in ("PWD-ROAD", "PWD-LIGHT"):
        return
    handler = officer if case.department.code == "PWD-ROAD" else users["officer2"]
    services.case_accept(case=case, by=handler)
    if case.department.code == "PWD-ROAD" and case.pk % 6 == 0:
        _co_handle(case, users, target)
    if target < 0.25:
        return  # in progress (some overdue)
    services.case_submit_reply(case=case, reply=f"已派員查處完成。{case.subject}已改善，謝謝您的反映。", by=handler)
    if target < 0.35:
        return  # pending approval
    services.case_approve(case=case, by=supervisor)
    # Spread closures over the case's life so reports have history.
    span = max((now - case.received_at).total_seconds(), 3600)
    closed_at = case.received_at + dt.timedelta(seconds=rng.uniform(0.2, 1.0) * span)
    on_time = closed_at <= case.due_at
    satisfaction = rng.choice([None, 5, 5, 4, 4, 3, 2, 1]) if not case.category.survey_exempt else None
    Case.objects.filter(pk=case.pk).update(
        closed_at=closed_at,
        on_time=on_time,
        missed_due_at=None if on_time else case.due_at,
        satisfaction=satisfaction,
        surveyed_at=closed_at + dt.timedelta(days=1) if satisfaction else None,
        callback_required=is_dissatisfied(satisfaction),
    )
    CaseClosure.objects.filter(case=case).update(closed_at=closed_at, on_time=on_time)
    if is_dissatisfied(satisfaction):
        case.refresh_from_db()
        follow_up = follow_up_open(case=case, score=satisfaction, now=closed_at + dt.timedelta(days=1))
        if follow_up.due_at < now and target < 0.9:
            follow_up_record_callback(follow_up=follow_up, note="已電話回訪，說明後續改善情形。", by=supervisor)
