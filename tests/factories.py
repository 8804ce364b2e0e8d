"""factory_boy factories and a small fixed organisation for tests."""

from __future__ import annotations

from dataclasses import dataclass

import factory
from django.contrib.auth import get_user_model
from faker import Faker

from casesys.cases.defaults import ensure_urgencies
from casesys.cases.models import Category, Channel, SlaUnit
from casesys.cases.services import case_intake
from casesys.org.models import Department, Role, StaffProfile

fake = Faker("zh_TW")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"測試單位{n}")
    kind = Department.Kind.SECTION


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(fake.first_name)
    password = factory.django.Password("pw-for-tests-123")


def make_staff(username: str, department: Department, roles: list[str]):
    user = UserFactory(username=username)
    if Role.ADMIN in roles:
        user.is_superuser = user.is_staff = True
        user.save()
    StaffProfile.objects.update_or_create(user=user, defaults={"department": department, "roles": roles})
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.Sequence(lambda n: f"類別{n}")
    sla_unit = SlaUnit.WORKING_DAYS
    sla_value = 6


@dataclass
class Org:
    city: Department
    intake_dept: Department
    pwd: Department
    road: Department
    light: Department
    epb: Department
    clean: Department
    intake: object
    officer: object
    officer_light: object
    officer_clean: object
    supervisor: object
    supervisor_epb: object
    analyst: object
    admin: object
    mailbox: Category
    pothole: Category
    lights: Category


def build_org() -> Org:
    ensure_urgencies()
    city = DepartmentFactory(code="CITY", name="示範市政府", kind="agency")
    intake_dept = DepartmentFactory(code="RDEC", name="研考會", parent=city, kind="unit")
    pwd = DepartmentFactory(code="PWD", name="工務局", parent=city, kind="unit")
    road = DepartmentFactory(code="PWD-ROAD", name="道路養護科", parent=pwd)
    light = DepartmentFactory(code="PWD-LIGHT", name="路燈科", parent=pwd)
    epb = DepartmentFactory(code="EPB", name="環保局", parent=city, kind="unit")
    clean = DepartmentFactory(code="EPB-CLEAN", name="清潔科", parent=epb)
    return Org(
        city=city,
        intake_dept=intake_dept,
        pwd=pwd,
        road=road,
        light=light,
        epb=epb,
        clean=clean,
        intake=make_staff("intake", intake_dept, [Role.INTAKE]),
        officer=make_staff("officer", road, [Role.OFFICER]),
        officer_light=make_staff("officer_light", light, [Role.OFFICER]),
        officer_clean=make_staff("officer_clean", clean, [Role.OFFICER]),
        supervisor=make_staff("supervisor", pwd, [Role.SUPERVISOR]),
        supervisor_epb=make_staff("supervisor_epb", epb, [Role.SUPERVISOR]),
        analyst=make_staff("analyst", intake_dept, [Role.ANALYST]),
        admin=make_staff("admin", city, [Role.ADMIN]),
        mailbox=CategoryFactory(code="GEN-MAILBOX", name="首長信箱", sla_value=6),
        pothole=CategoryFactory(code="ROAD-POTHOLE", name="道路坑洞", sla_unit=SlaUnit.HOURS, sla_value=24, department=road),
        lights=CategoryFactory(code="LIGHT-OUT", name="路燈不亮", sla_value=3, department=light),
    )


def new_case(org: Org, *, category: Category | None = None, by=None, **kwargs):
    """Intake a case with fictional petitioner data; returns (case, password)."""
    params = {
        "channel": Channel.WEB,
        "category": category or org.mailbox,
        "subject": "中山路路燈不亮",
        "description": "中山路二段巷口路燈已經三天不亮，夜間行人危險。",
        "petitioner": {"name": fake.name(), "phone": "0912345678", "email": "citizen@example.invalid"},
        "location": {"address": "中山區中山路二段10號", "district": "中山區"},
    }
    params.update(kwargs)
    result = case_intake(by=by, **params)
    return result.case, result.password
