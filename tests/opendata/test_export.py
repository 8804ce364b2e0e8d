"""Monthly open-data CSV: columns, de-identification, command and public URL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from casesys.cases.services import case_accept, case_approve, case_submit_reply
from casesys.opendata.export import COLUMNS
from tests.factories import CategoryFactory, new_case

TPE = ZoneInfo("Asia/Taipei")
PERSONAL = ("王大明", "0912345678", "wang@example.invalid", "中山路二段10號", "請儘速修復", "已修復完成", "25.05")


@pytest.fixture
def october(org):
    """Cases received in October 2025 (one closed on time, one open, one undispatched) and one in November."""
    street = CategoryFactory(code="STREET", name="路燈及號誌")
    lamp = CategoryFactory(code="STREET-LAMP", name="路燈故障", parent=street, department=org.light)
    personal = {
        "petitioner": {"name": "王大明", "phone": "0912345678", "email": "wang@example.invalid"},
        "location": {"address": "中山區中山路二段10號", "district": "中山區", "lat": "25.05", "lng": "121.52"},
        "description": "路燈不亮，請儘速修復。",
    }
    with time_machine.travel(dt.datetime(2025, 10, 6, 9, 0, tzinfo=TPE), tick=False):
        closed, _ = new_case(org, category=org.pothole, **personal)
        case_accept(case=closed, by=org.officer)
    with time_machine.travel(dt.datetime(2025, 10, 6, 15, 0, tzinfo=TPE), tick=False):
        case_submit_reply(case=closed, reply="已修復完成。", by=org.officer)
        case_approve(case=closed, by=org.supervisor)
    with time_machine.travel(dt.datetime(2025, 10, 31, 23, 30, tzinfo=TPE), tick=False):
        open_case, _ = new_case(org, category=lamp, **personal)
        undispatched, _ = new_case(org, **personal)
    with time_machine.travel(dt.datetime(2025, 11, 1, 0, 5, tzinfo=TPE), tick=False):
        november, _ = new_case(org, category=lamp, **personal)
    return {"closed": closed, "open": open_case, "undispatched": undispatched, "november": november}


def read(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text[1:]))
    header = next(reader)
    assert header == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_columns_and_rows_of_a_month(october, tmp_path):
    out = tmp_path / "cases-2025-10.csv"
    call_command("export_open_data", "2025-10", "--output", str(out), stderr=io.StringIO())

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so Excel opens it correctly
    rows = read(raw.decode("utf-8"))
    assert [r["案件編號"] for r in rows] == [october["closed"].number, october["open"].number, october["undispatched"].number]
    closed, open_, undispatched = rows
    assert closed == {
        "案件編號": october["closed"].number,
        "案件主類別": "道路坑洞",
        "案件子類別": "",
        "受理機關": "示範市政府",
        "受理科室": "道路養護科",
        "受理日期": "2025-10-06",
        "送達日期": "2025-10-06",
        "結案日期": "2025-10-06",
        "行政區": "中山區",
        "依限結案": "依限",
        "結案方式": "答復",
    }
    # Received at 23:30 local time on the 31st: still October (Asia/Taipei, not UTC).
    assert open_["受理日期"] == "2025-10-31"
    assert (open_["案件主類別"], open_["案件子類別"], open_["受理科室"]) == ("路燈及號誌", "路燈故障", "路燈科")
    assert (open_["結案日期"], open_["依限結案"], open_["結案方式"]) == ("", "", "")
    assert (undispatched["受理機關"], undispatched["受理科室"], undispatched["送達日期"]) == ("", "", "")


def test_transferred_filed_and_merged_cases_are_neither_on_time_nor_late(org):
    from casesys.cases.services import case_file, case_merge, case_transfer

    with time_machine.travel(dt.datetime(2025, 10, 7, 9, 0, tzinfo=TPE), tick=False):
        transferred, _ = new_case(org)
        filed, _ = new_case(org)
        merged, _ = new_case(org)
        carrier, _ = new_case(org)
    with time_machine.travel(dt.datetime(2025, 10, 7, 10, 0, tzinfo=TPE), tick=False):
        case_transfer(case=transferred, agency="交通部公路局", reason="非本府權責", by=org.intake)
        case_file(case=filed, reason_code="no_content", by=org.intake)
        case_merge(case=merged, into=carrier, by=org.intake)
    out = io.StringIO()
    call_command("export_open_data", "2025-10", stdout=out, stderr=io.StringIO())
    by_number = {r["案件編號"]: r for r in read(out.getvalue())}
    for case, outcome in ((transferred, "移文"), (filed, "存查"), (merged, "併案")):
        row = by_number[case.number]
        assert (row["結案日期"], row["依限結案"], row["結案方式"]) == ("2025-10-07", "", outcome)
    assert (by_number[carrier.number]["依限結案"], by_number[carrier.number]["結案方式"]) == ("", "")


def test_export_carries_no_personal_data_or_free_text(october):
    out = io.StringIO()
    call_command("export_open_data", "2025-10", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert len(read(text)) == 3
    for value in PERSONAL:
        assert value not in text


def test_bad_month_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("export_open_data", "2025-13")


def test_public_url_serves_ended_months_only(client, october):
    response = client.get("/open-data/cases-2025-10.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="cases-2025-10.csv"' in response["Content-Disposition"]
    rows = read(b"".join(response.streaming_content).decode("utf-8"))
    assert len(rows) == 3

    with time_machine.travel(dt.datetime(2025, 11, 20, 12, 0, tzinfo=TPE), tick=False):
        assert client.get("/open-data/cases-2025-11.csv").status_code == 404  # month still running
    assert client.get("/open-data/cases-2025-00.csv").status_code == 404
    assert client.get("/open-data/cases-2999-01.csv").status_code == 404
