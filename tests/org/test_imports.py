from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casesys.cases.models import Category
from casesys.org.models import Department


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


DEPTS = """code,parent_code,name,name_en
CITY,,示範市政府,Demo City
PWD,CITY,工務局,Public Works
PWD-ROAD,PWD,道路養護科,Roads
"""


@pytest.mark.django_db
def test_import_departments_builds_the_tree(tmp_path):
    call_command("import_departments", write(tmp_path, "d.csv", DEPTS))
    road = Department.objects.get(code="PWD-ROAD")
    assert road.path == "/CITY/PWD/PWD-ROAD/" and road.kind == "section"
    assert Department.objects.get(code="CITY").kind == "agency"


@pytest.mark.django_db
def test_import_departments_updates_and_moves_subtrees(tmp_path):
    call_command("import_departments", write(tmp_path, "d.csv", DEPTS))
    moved = DEPTS + "EPB,CITY,環保局,EPB\n"
    moved = moved.replace("PWD,CITY,工務局,Public Works", "PWD,EPB,工務局（改）,Public Works")
    call_command("import_departments", write(tmp_path, "d2.csv", moved))
    assert Department.objects.get(code="PWD").name == "工務局（改）"
    assert Department.objects.get(code="PWD-ROAD").path == "/CITY/EPB/PWD/PWD-ROAD/"


@pytest.mark.django_db
def test_import_departments_reports_bad_rows_and_imports_nothing(tmp_path):
    bad = DEPTS + "X1,NOPE,未知上級,\n,CITY,沒有代碼,\n"
    with pytest.raises(CommandError) as err:
        call_command("import_departments", write(tmp_path, "bad.csv", bad))
    assert "第 5 行" in str(err.value) and "第 6 行" in str(err.value)
    assert not Department.objects.exists()


@pytest.mark.django_db
def test_import_departments_rejects_cycles(tmp_path):
    with pytest.raises(CommandError, match="循環"):
        call_command("import_departments", write(tmp_path, "c.csv", "code,parent_code,name,name_en\nA,B,甲,\nB,A,乙,\n"))


CATS = """code,parent_code,name,name_en,department_code,sla_unit,sla_value,public,survey_exempt
ROAD,,道路,Roads,PWD-ROAD,working_days,6,1,0
ROAD-POTHOLE,ROAD,道路坑洞,Pothole,PWD-ROAD,hours,24,1,0
INT,,內部管考,Internal,,working_days,10,0,1
"""


@pytest.mark.django_db
def test_import_categories_loads_and_updates(tmp_path):
    call_command("import_departments", write(tmp_path, "d.csv", DEPTS))
    call_command("import_categories", write(tmp_path, "c.csv", CATS))
    pothole = Category.objects.get(code="ROAD-POTHOLE")
    assert pothole.parent.code == "ROAD" and pothole.sla_unit == "hours" and pothole.sla_value == 24
    assert pothole.department.code == "PWD-ROAD"
    internal = Category.objects.get(code="INT")
    assert not internal.public and internal.survey_exempt
    call_command("import_categories", write(tmp_path, "c2.csv", CATS.replace("hours,24", "hours,4")))
    assert Category.objects.get(code="ROAD-POTHOLE").sla_value == 4
    assert Category.objects.count() == 3


@pytest.mark.django_db
def test_import_categories_reports_each_bad_line_and_imports_nothing(tmp_path):
    call_command("import_departments", write(tmp_path, "d.csv", DEPTS))
    bad = CATS + "X,,壞單位,,NOPE,working_days,6,1,0\nY,,壞期限,,,weeks,-1,maybe,0\n"
    with pytest.raises(CommandError) as err:
        call_command("import_categories", write(tmp_path, "bad.csv", bad))
    text = str(err.value)
    assert "第 5 行" in text and "第 6 行" in text and "sla_unit" in text and "public" in text
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_import_rejects_missing_columns_and_missing_file(tmp_path):
    with pytest.raises(CommandError, match="缺少欄位"):
        call_command("import_categories", write(tmp_path, "x.csv", "code,name\nA,甲\n"))
    with pytest.raises(CommandError, match="找不到檔案"):
        call_command("import_categories", str(tmp_path / "missing.csv"))
