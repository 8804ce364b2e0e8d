from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.models import CaseEvent
from casesys.web.services import case_survey_submit, survey_open
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def closed_case(org, **kwargs):
    case, password = new_case(org, category=org.pothole, **kwargs)
    services.case_accept(case=case, by=org.officer)
    services.case_submit_reply(case=case, reply="已修補完成。", by=org.officer)
    services.case_approve(case=case, by=org.supervisor)
    return case, password


def test_dissatisfied_answer_flags_the_case_for_a_call_back(org):
    case, _ = closed_case(org)
    case_survey_submit(case=case, score=2, comment="太慢了")
    case.refresh_from_db()
    assert (case.satisfaction, case.survey_comment, case.callback_required) == (2, "太慢了", True)
    assert case.surveyed_at is not None
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.SURVEYED).exists()


def test_satisfied_answer_needs_no_call_back(org):
    case, _ = closed_case(org)
    case_survey_submit(case=case, score=4)
    case.refresh_from_db()
    assert case.satisfaction == 4 and not case.callback_required


def test_survey_closes_after_the_window(org, settings):
    case, _ = closed_case(org)
    settings.CASESYS = {**settings.CASESYS, "SURVEY_WINDOW_DAYS": 7}
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, hours=1)):
        assert not survey_open(case)
        with pytest.raises(ValidationError) as exc:
            case_survey_submit(case=case, score=5)
    assert "score" in exc.value.message_dict
    case.refresh_from_db()
    assert case.satisfaction is None


def test_survey_is_refused_for_exempt_categories_and_open_cases(org):
    org.pothole.survey_exempt = True
    org.pothole.save()
    case, _ = closed_case(org)
    with pytest.raises(ValidationError):
        case_survey_submit(case=case, score=5)
    open_case, _ = new_case(org)
    with pytest.raises(ValidationError):
        case_survey_submit(case=open_case, score=5)


def test_survey_is_answered_once_and_scores_stay_in_range(org):
    case, _ = closed_case(org)
    for bad in (0, 6, "x"):
        with pytest.raises(ValidationError):
            case_survey_submit(case=case, score=bad)
    case_survey_submit(case=case, score=3)
    with pytest.raises(ValidationError):
        case_survey_submit(case=case, score=1)
