"""Survey answers, location changes, extension decisions and lead conversions are writes like
any other: through a service that bumps the case's `version` (a desk form read before them is
stale) and records the event on the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import Case
from casesys.inbound.chat import ChatLocation, chat_message_record
from casesys.inbound.models import Lead
from casesys.inbound.services import lead_convert, lead_dismiss, lead_record
from casesys.web.services import case_survey_submit
from tests.factories import new_case

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday


def _version(case: Case) -> int:
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


def _kinds(case: Case) -> list[str]:
    return list(case.events.order_by("at", "id").values_list("kind", flat=True))


def _in_progress(org) -> Case:
    case, _ = new_case(org)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    return case


@time_machine.travel(NOW, tick=False)
def test_a_survey_answer_bumps_the_version_and_is_on_the_timeline(org):
    case = _in_progress(org)
    services.case_submit_reply(case=case, reply="已修復。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    before = _version(case)
    case_survey_submit(case=case, score=4, comment="謝謝")
    assert _version(case) == before + 1
    assert _kinds(case)[-1] == CaseEventKind.SURVEYED
    assert case.events.get(kind=CaseEventKind.SURVEYED).changes["satisfaction"] == [None, 4]


@time_machine.travel(NOW, tick=False)
def test_a_location_change_bumps_the_version_and_is_on_the_timeline(org):
    case = _in_progress(org)
    stale = Case.objects.get(pk=case.pk)
    before = _version(case)
    services.case_set_location(case=case, lat="25.033964", lng="121.564468", address="信義區市府路1號", by=org.officer)
    assert _version(case) == before + 1 == case.version
    fresh = Case.objects.get(pk=case.pk)
    assert (str(fresh.lat), str(fresh.lng), fresh.address) == ("25.033964", "121.564468", "信義區市府路1號")
    event = fresh.events.get(kind=CaseEventKind.LOCATION_SET)
    assert event.note == "信義區市府路1號" and event.actor == org.officer
    # The caller's copy stays usable; a copy read before the change is stale for the desk.
    services.case_submit_reply(case=case, reply="已修復。", by=org.officer)
    assert stale.version != _version(case)


@pytest.mark.parametrize("lat, lng", [(95, 121.5), (25.0, -181), ("north", 121.5)])
def test_a_bad_location_is_refused_and_nothing_is_written(org, lat, lng):
    from django.core.exceptions import ValidationError

    case = _in_progress(org)
    before = _version(case)
    with pytest.raises(ValidationError):
        services.case_set_location(case=case, lat=lat, lng=lng, address="某處")
    assert _version(case) == before
    assert CaseEventKind.LOCATION_SET not in _kinds(case)


@time_machine.travel(NOW, tick=False)
def test_a_citizen_sending_a_chat_location_goes_through_the_service(org):
    first = chat_message_record(channel="line", user_key="U-loc", external_id="m1", text="路燈不亮")
    case = first.case
    before = _version(case)
    chat_message_record(
        channel="line", user_key="U-loc", external_id="m2", kind="location",
        location=ChatLocation(lat=25.0478, lng=121.5170, address="中正區忠孝西路一段"),
    )
    assert _version(case) == before + 1
    assert _kinds(case)[-1] == CaseEventKind.LOCATION_SET
    assert Case.objects.get(pk=case.pk).address == "中正區忠孝西路一段"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("approve", [True, False])
def test_an_extension_decision_bumps_the_version_and_is_on_the_timeline(org, approve):
    case = _in_progress(org)
    services.case_request_extension(case=case, days=3, reason="需會勘", status_text="已派員會勘", by=org.officer)
    before = _version(case)
    services.case_decide_extension(case=case, approve=approve, note="" if approve else "請依限辦理", by=org.supervisor)
    assert _version(case) == before + 1
    kind = CaseEventKind.EXTENSION_APPROVED if approve else CaseEventKind.EXTENSION_REJECTED
    assert _kinds(case)[-1] == kind
    event = case.events.get(kind=kind)
    assert event.public == approve  # the petitioner's timeline shows the new deadline only
    if approve:
        assert timezone.localtime(case.due_at).strftime("%Y-%m-%d") in event.public_text


def _lead() -> Lead:
    lead, _ = lead_record(
        source="feed", external_id="news-1", text="市府路人行道破損，行人易跌倒", occurred_at=NOW, reason="keyword",
    )
    return lead


@time_machine.travel(NOW, tick=False)
def test_converting_a_lead_bumps_the_new_cases_version_and_records_where_it_came_from(org):
    lead = _lead()
    result = lead_convert(lead=lead, by=org.intake, category=org.mailbox, notify_group=False)
    case = result.case
    # Intake (version 1, not routed: the mailbox category names no department), then the lead.
    assert _version(case) == 2 == case.version
    assert _kinds(case) == [CaseEventKind.CREATED, CaseEventKind.LEAD_CONVERTED]
    event = case.events.get(kind=CaseEventKind.LEAD_CONVERTED)
    assert event.actor == org.intake and event.changes == {"lead": lead.pk}
    assert "市府路" not in event.note  # the lead's text stays on the lead and the case message


@time_machine.travel(NOW, tick=False)
def test_dismissing_a_lead_touches_no_case(org):
    lead = lead_dismiss(lead=_lead(), by=org.intake, reason="非本府權責")
    assert lead.status == Lead.Status.DISMISSED and lead.case_id is None
    assert not Case.objects.exists()
