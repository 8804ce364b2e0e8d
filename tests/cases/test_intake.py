from __future__ import annotations

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casesys.cases.models import Case, Urgency
from casesys.cases.numbering import check_case_password, next_case_number, roc_date
from casesys.cases.services import case_intake
from tests.factories import new_case

TPE = ZoneInfo("Asia/Taipei")


def test_roc_date_uses_minguo_year():
    assert roc_date(dt.date(2026, 11, 22)) == "1151122"
    assert roc_date(dt.date(2011, 1, 1)) == "1000101"


@pytest.mark.django_db
def test_case_number_has_prefix_roc_date_and_daily_sequence(org, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 11, 22, 10, 0, tzinfo=TPE))
    first, _ = new_case(org)
    second, _ = new_case(org)
    assert first.number == "CS-1151122-00001" and second.number == "CS-1151122-00002"
    time_machine.move_to(dt.datetime(2026, 11, 23, 0, 5, tzinfo=TPE))
    third, _ = new_case(org)
    assert third.number == "CS-1151123-00001"


@pytest.mark.django_db
def test_prefix_is_configurable(org, settings):
    settings.CASESYS = {**settings.CASESYS, "CASE_NUMBER_PREFIX": "T10"}
    case, _ = new_case(org)
    assert re.fullmatch(r"T10-\d{7}-\d{5}", case.number)


@pytest.mark.django_db(transaction=True)
def test_numbers_stay_unique_under_concurrent_intake(org):
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def worker() -> None:
        from django.db import connection

        try:
            barrier.wait()
            for _ in range(5):
                case, _ = new_case(org)
                with lock:
                    numbers.append(case.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 50 and len(set(numbers)) == 50
    seqs = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(1, 51))


@pytest.mark.django_db
def test_sequence_function_is_per_day():
    day = dt.date(2026, 1, 2)
    assert next_case_number(day).endswith("-00001")
    assert next_case_number(day).endswith("-00002")
    assert next_case_number(dt.date(2026, 1, 3)).endswith("-00001")


@pytest.mark.django_db
def test_password_is_shown_once_and_stored_hashed(org):
    case, password = new_case(org)
    assert len(password) == 10
    assert password not in case.password_hash
    assert check_case_password(password, case.password_hash)
    assert not check_case_password(password.swapcase(), case.password_hash)


@pytest.mark.django_db
def test_urgency_above_normal_overrides_category_deadline(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TPE))
    most = Urgency.objects.get(code="most_urgent")
    case, _ = new_case(org, urgency=most)
    assert case.due_at == dt.datetime(2026, 11, 24, 23, 59, 59, tzinfo=TPE)
    urgent, _ = new_case(org, urgency=Urgency.objects.get(code="urgent"))
    assert urgent.due_at.date() == dt.date(2026, 11, 26)
    normal_pothole, _ = new_case(org, category=org.pothole)
    assert normal_pothole.due_at == normal_pothole.received_at + dt.timedelta(hours=24)


@pytest.mark.django_db
def test_intake_staff_may_backdate_receipt(org, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 9, 0, tzinfo=TPE))
    letter_day = dt.datetime(2026, 11, 23, 16, 0, tzinfo=TPE)
    case, _ = new_case(org, received_at=letter_day, by=org.intake)
    assert case.received_at == letter_day
    assert case.due_at.date() == dt.date(2026, 12, 1)


@pytest.mark.django_db
def test_officers_may_not_backdate_receipt(org):
    with pytest.raises(ValidationError) as err:
        new_case(org, received_at=timezone.now() - dt.timedelta(days=1), by=org.officer)
    assert "received_at" in err.value.message_dict
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_receipt_time_cannot_be_in_the_future(org):
    with pytest.raises(ValidationError):
        new_case(org, received_at=timezone.now() + dt.timedelta(days=1), by=org.intake)


@pytest.mark.django_db
def test_intake_rejects_blank_subject_and_stores_nothing(org):
    with pytest.raises(ValidationError) as err:
        case_intake(channel="web", category=org.mailbox, subject=" ", description="")
    assert {"subject", "description"} <= set(err.value.message_dict)
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_anonymous_intake_has_no_petitioner(org):
    case = case_intake(channel="phone", category=org.mailbox, subject="匿名反映", description="路口號誌故障").case
    assert case.petitioner is None and case.anonymous


@pytest.mark.django_db
def test_confidentiality_request_is_recorded(org):
    case, _ = new_case(org, petitioner={"name": "林小美", "phone": "0911222333", "confidential": True})
    assert case.confidential
    assert case.dispatch_due_at < case.due_at
