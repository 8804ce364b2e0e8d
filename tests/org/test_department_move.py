"""Moving a department carries its whole subtree: materialised paths and supervisors' scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from casesys.cases import services
from casesys.cases.models import Case
from casesys.org.models import Department
from tests.factories import DepartmentFactory, new_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Wednesday


@pytest.fixture
def subtree(org):
    """道路養護科 with a child (北區工務段) and a grandchild (北區一分隊), a case in each level."""
    north = DepartmentFactory(code="ROAD-N", name="北區工務段", parent=org.road)
    north1 = DepartmentFactory(code="ROAD-N1", name="北區一分隊", parent=north)
    with time_machine.travel(NOW, tick=False):
        at_road, _ = new_case(org, category=org.pothole, subject="道路科的坑洞")
        at_n1, _ = new_case(org, subject="分隊的坑洞")
        services.case_dispatch(case=at_n1, department=north1, by=org.intake)
    # Both overdue, so they are in the overdue report too.
    Case.objects.filter(pk__in=[at_road.pk, at_n1.pk]).update(due_at=NOW - dt.timedelta(days=2))
    return north, north1


def fresh(user):
    # A new request loads the user (and their department) afresh.
    return get_user_model().objects.get(pk=user.pk)


def paths() -> dict[str, str]:
    return dict(Department.objects.values_list("code", "path"))


def test_moving_a_department_in_the_admin_moves_its_whole_subtree(org, subtree):
    admin = Client()
    admin.force_login(org.admin)
    resp = admin.post(
        f"/admin/org/department/{org.road.pk}/change/",
        {"code": "PWD-ROAD", "parent": org.epb.pk, "name": "道路養護科", "name_en": "", "kind": "section", "active": "on"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    expected = {
        "PWD-ROAD": "/CITY/EPB/PWD-ROAD/",
        "ROAD-N": "/CITY/EPB/PWD-ROAD/ROAD-N/",
        "ROAD-N1": "/CITY/EPB/PWD-ROAD/ROAD-N/ROAD-N1/",
        "PWD-LIGHT": "/CITY/PWD/PWD-LIGHT/",  # a sibling stays where it was
    }
    assert {code: paths()[code] for code in expected} == expected


def test_supervisors_scope_follows_the_move(org, subtree):
    road = Department.objects.get(pk=org.road.pk)
    road.parent = org.epb
    road.save()  # what the admin does
    assert Department.objects.get(code="ROAD-N1").path == "/CITY/EPB/PWD-ROAD/ROAD-N/ROAD-N1/"

    new_boss, old_boss = Client(), Client()
    new_boss.force_login(fresh(org.supervisor_epb))
    old_boss.force_login(fresh(org.supervisor))
    with time_machine.travel(NOW, tick=False):
        for url in ("/desk/queue/department/", "/reports/overdue/"):
            new_html = new_boss.get(url).content.decode()
            old_html = old_boss.get(url).content.decode()
            assert "道路科的坑洞" in new_html and "分隊的坑洞" in new_html, url
            assert "道路科的坑洞" not in old_html and "分隊的坑洞" not in old_html, url


def test_moving_a_department_through_the_import_moves_grandchildren(org, subtree, tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("code,parent_code,name,name_en\nPWD-ROAD,EPB,道路養護科,Roads\n", encoding="utf-8")
    call_command("import_departments", str(csv))
    assert paths()["ROAD-N1"] == "/CITY/EPB/PWD-ROAD/ROAD-N/ROAD-N1/"
    assert paths()["ROAD-N"] == "/CITY/EPB/PWD-ROAD/ROAD-N/"


def test_renaming_a_code_rewrites_the_paths_below_it(org, subtree):
    road = Department.objects.get(pk=org.road.pk)
    road.code = "ROADS"
    road.save()
    assert paths()["ROAD-N1"] == "/CITY/PWD/ROADS/ROAD-N/ROAD-N1/"


def test_a_department_cannot_move_under_its_own_descendant(org, subtree):
    north, north1 = subtree
    road = Department.objects.get(pk=org.road.pk)
    road.parent = north1
    with pytest.raises(ValidationError) as err:
        road.save()
    assert "parent" in err.value.message_dict
    assert paths()["PWD-ROAD"] == "/CITY/PWD/PWD-ROAD/"
    assert paths()["ROAD-N1"] == "/CITY/PWD/PWD-ROAD/ROAD-N/ROAD-N1/"


def test_the_admin_refuses_a_move_under_a_descendant_with_a_form_error(org, subtree):
    north, _ = subtree
    admin = Client()
    admin.force_login(org.admin)
    resp = admin.post(
        f"/admin/org/department/{org.road.pk}/change/",
        {"code": "PWD-ROAD", "parent": north.pk, "name": "道路養護科", "name_en": "", "kind": "section", "active": "on"},
    )
    assert resp.status_code == 200
    assert "不可將單位移到自己或其下級單位之下" in resp.content.decode()
    assert paths()["PWD-ROAD"] == "/CITY/PWD/PWD-ROAD/"


def test_the_import_refuses_a_move_under_a_descendant_and_changes_nothing(org, subtree, tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("code,parent_code,name,name_en\nPWD-ROAD,ROAD-N1,道路養護科,Roads\n", encoding="utf-8")
    before = paths()
    with pytest.raises(CommandError, match="循環"):
        call_command("import_departments", str(csv))
    assert paths() == before
