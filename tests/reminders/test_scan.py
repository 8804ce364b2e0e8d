from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from casesys.cases.models import Case, State
from casesys.cases.services import (
    case_accept,
    case_approve,
    case_decide_extension,
    case_reopen,
    case_request_extension,
    case_submit_reply,
)
from casesys.notifications.models import Notification
from casesys.notifications.services import notifications_deliver_due
from casesys.reminders import services
from casesys.reminders.models import EscalationRule, Reminder
from casesys.reminders.services import candidates, deadlines_scan
from casesys.workcal.calendar import TAIPEI, WorkCalendar, end_of_day
from casesys.workcal.models import CalendarOverride
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def _in_progress(org, *, due: dt.datetime, officer=None):
    case, _ = new_case(org, category=org.lights)
    case_accept(case=case, by=officer or org.officer_light)
    Case.objects.filter(pk=case.pk).update(due_at=due, dispatch_due_at=due)
    case.refresh_from_db()
    return case


def _inapp(user, **filters):
    return Notification.objects.filter(recipient_user=user, channel="inapp", **filters)


def test_case_due_tomorrow_reminds_its_officer_once(org, rules, now):
    org.officer_light.email = "light@example.invalid"
    org.officer_light.save()
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 26)))

    deadlines_scan(now=now)
    deadlines_scan(now=now)

    reminders = Reminder.objects.filter(case=case)
    assert [(r.kind, r.level) for r in reminders] == [("due-soon", 0)]
    rows = Notification.objects.filter(case=case, template="reminder_due_soon")
    # One message per recipient; the e-mail copy is made when it is delivered.
    assert [(r.channel, r.recipient_user, r.email_copy) for r in rows] == [("inapp", org.officer_light, True)]

    # What the officer reads once it is delivered (rendered at delivery, not by the scan),
    # in the desk and by e-mail.
    notifications_deliver_due(now=now)
    notifications_deliver_due(now=now)
    seen = _inapp(org.officer_light, template="reminder_due_soon", status="sent").get()
    assert case.number in seen.body and "2026-11-26" in seen.body
    [message] = [m for m in mail.outbox if m.to == ["light@example.invalid"]]
    assert message.subject == seen.subject and "2026-11-26" in message.body


def test_case_due_today_reminds_and_unassigned_case_reminds_the_department(org, rules, now):
    case, _ = new_case(org, category=org.lights)  # dispatched to 路燈科, nobody accepted yet
    Case.objects.filter(pk=case.pk).update(due_at=end_of_day(dt.date(2026, 11, 25)), dispatched_at=now - dt.timedelta(hours=1))

    deadlines_scan(now=now)

    assert list(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == ["due-today"]
    assert _inapp(org.officer_light, template="reminder_due_today").count() == 1


def test_overdue_case_escalates_to_officer_and_supervisor_then_to_analysts(org, rules, now):
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 24)))  # due yesterday

    deadlines_scan(now=now)
    assert list(Reminder.objects.filter(case=case).values_list("kind", "level")) == [("overdue", 1)]
    assert _inapp(org.officer_light, template="escalation_overdue").count() == 1
    assert _inapp(org.supervisor, template="escalation_overdue").count() == 1
    assert not _inapp(org.analyst).exists()

    # Three working days later (Mon 30 Nov: Thu, Fri, Mon) the agency's analysts hear of it.
    deadlines_scan(now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=TAIPEI))
    assert Reminder.objects.filter(case=case, kind="overdue-3", level=2).count() == 1
    assert _inapp(org.analyst, template="escalation_overdue_l2").count() == 1
    assert _inapp(org.officer_light, template="escalation_overdue").count() == 1  # not again


def test_undispatched_unaccepted_and_unapproved_cases_remind_the_right_people(org, rules, now):
    undispatched, _ = new_case(org)  # mailbox: no department, stays with intake
    Case.objects.filter(pk=undispatched.pk).update(dispatch_due_at=end_of_day(dt.date(2026, 11, 24)))
    unaccepted, _ = new_case(org, category=org.lights)
    Case.objects.filter(pk=unaccepted.pk).update(dispatched_at=dt.datetime(2026, 11, 23, 9, tzinfo=TAIPEI))
    waiting = _in_progress(org, due=end_of_day(dt.date(2026, 12, 4)))
    case_submit_reply(case=waiting, reply="已修復路燈。", by=org.officer_light)
    Case.objects.filter(pk=waiting.pk).update(reply_submitted_at=dt.datetime(2026, 11, 23, 15, tzinfo=TAIPEI))

    deadlines_scan(now=now)

    assert _inapp(org.intake, case=undispatched, template="reminder_dispatch_late").count() == 1
    assert _inapp(org.supervisor, case=unaccepted, template="reminder_accept_late").count() == 1
    assert _inapp(org.supervisor, case=waiting, template="reminder_approval_late").count() == 1


def test_closed_cases_are_never_reminded(org, rules, now):
    case = _in_progress(org, due=end_of_day(dt.date(2026, 12, 4)))
    case_submit_reply(case=case, reply="已修復。", by=org.officer_light)
    case_approve(case=case, by=org.supervisor)
    Case.objects.filter(pk=case.pk).update(due_at=end_of_day(dt.date(2026, 11, 20)))

    deadlines_scan(now=now)

    assert not Reminder.objects.exists()


def test_extension_allows_fresh_reminders_for_the_new_due_date(org, rules):
    case, _ = new_case(org, category=org.lights)
    case_accept(case=case, by=org.officer_light)
    calendar = WorkCalendar.load()

    def day_before(due):
        day = due.astimezone(TAIPEI).date() - dt.timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(10), tzinfo=TAIPEI)

    old_due = case.due_at
    deadlines_scan(now=day_before(old_due))
    deadlines_scan(now=day_before(old_due))
    assert Reminder.objects.filter(case=case, kind="due-soon").count() == 1

    case_request_extension(case=case, days=2, reason="需會勘 / site visit", status_text="已排定會勘", by=org.officer_light)
    case.refresh_from_db()
    case_decide_extension(case=case, approve=True, by=org.supervisor)
    case.refresh_from_db()
    assert case.due_at > old_due

    deadlines_scan(now=day_before(case.due_at))
    assert sorted(Reminder.objects.filter(case=case, kind="due-soon").values_list("due_for", flat=True)) == [
        old_due,
        case.due_at,
    ]
    assert _inapp(org.officer_light, template="reminder_due_soon").count() == 2


def test_rules_are_data_an_inactive_rule_sends_nothing(org, rules, now):
    EscalationRule.objects.filter(code="due-soon").update(active=False)
    EscalationRule.objects.filter(code="due-today").update(days=2, template="reminder_due_soon")
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 26)))

    deadlines_scan(now=now)
    assert not Reminder.objects.filter(case=case).exists()

    deadlines_scan(now=now - dt.timedelta(days=1))  # Tuesday: 2 working days left
    assert list(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == ["due-today"]


def test_reminders_found_at_night_wait_for_the_next_office_hour(org, rules):
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 24)))
    friday_night = dt.datetime(2026, 11, 27, 22, 0, tzinfo=TAIPEI)

    deadlines_scan(now=friday_night)

    row = _inapp(org.officer_light, case=case).get()
    assert row.status == "pending"
    assert row.next_attempt_at == dt.datetime(2026, 11, 30, 8, 30, tzinfo=TAIPEI)  # Monday 08:30
    for moment in (friday_night, dt.datetime(2026, 11, 28, 10, 0, tzinfo=TAIPEI)):  # night, Saturday
        notifications_deliver_due(now=moment)
        row.refresh_from_db()
        assert row.status == "pending" and row.attempts == 0
    notifications_deliver_due(now=dt.datetime(2026, 11, 30, 8, 31, tzinfo=TAIPEI))
    row.refresh_from_db()
    assert row.status == "sent"


def test_typhoon_day_counts_as_closed_office(org, rules):
    CalendarOverride.objects.create(date=dt.date(2026, 11, 30), is_working_day=False, reason="颱風停班")
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 24)))

    deadlines_scan(now=dt.datetime(2026, 11, 27, 22, 0, tzinfo=TAIPEI))

    row = _inapp(org.officer_light, case=case).get()
    assert row.next_attempt_at == dt.datetime(2026, 12, 1, 8, 30, tzinfo=TAIPEI)


def test_scan_works_in_batches_with_a_bounded_number_of_queries(org, rules, now):
    for _ in range(7):
        _in_progress(org, due=end_of_day(dt.date(2026, 11, 26)))

    with CaptureQueriesContext(connection) as small:
        first = deadlines_scan(now=now, batch_size=2)
    assert first.batches == 4 and first.reminders == 7
    Reminder.objects.all().delete()
    Notification.objects.filter(template="reminder_due_soon").delete()
    with CaptureQueriesContext(connection) as big:
        second = deadlines_scan(now=now, batch_size=7)
    assert second.batches == 1 and second.reminders == 7

    # rules, calendar, departments, staff, the candidate cases; and the co-handling parts'
    # scan: their missed sub-deadlines UPDATE, the open parts.
    setup = 7
    per_batch_small = (len(small) - setup) / first.batches
    per_batch_big = (len(big) - setup) / second.batches
    # savepoint, reminders INSERT, outbox INSERT, release: the same whatever the batch size.
    assert per_batch_small == per_batch_big == 4


def test_case_changed_while_the_scan_runs_gets_no_stale_reminder(org, rules, now, monkeypatch):
    case = _in_progress(org, due=end_of_day(dt.date(2026, 11, 26)))
    read = services.DueCase.from_row

    def read_then_changed(row):
        due = read(row)
        # Between the scan's read and its insert, the officer acts on the case.
        Case.objects.filter(pk=due.pk).update(version=F("version") + 1)
        return due

    monkeypatch.setattr(services.DueCase, "from_row", staticmethod(read_then_changed))
    assert deadlines_scan(now=now).reminders == 0
    assert not Notification.objects.filter(case=case, template="reminder_due_soon").exists()

    monkeypatch.undo()  # the next scan judges the case as it is now
    assert deadlines_scan(now=now).reminders == 1


def test_candidate_query_uses_partial_indexes_on_open_cases(org, rules, now):

    qs = candidates(list(EscalationRule.objects.filter(active=True)), now=now, calendar=WorkCalendar.load())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.order_by("pk").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Only partial indexes over open cases: the closed archive is never read.
    assert "Seq Scan" not in plan
    used = re.findall(r"Index (?:Only )?Scan (?:Backward )?(?:using|on) (\w+)", plan)
    assert used and all(name.startswith("case_open_") for name in used), plan


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_moment_send_one_reminder(org, rules, now):
    cases = [_in_progress(org, due=end_of_day(dt.date(2026, 11, 26))) for _ in range(5)]
    barrier = threading.Barrier(2)
    errors = []

    def scan():
        try:
            barrier.wait(timeout=10)
            deadlines_scan(now=now, batch_size=2)
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert not errors
    for case in cases:
        assert Reminder.objects.filter(case=case).count() == 1
    assert _inapp(org.officer_light, template="reminder_due_soon").count() == 5
    assert Case.objects.filter(state=State.IN_PROGRESS).count() == 5


# --- issue 13: the missed deadline, and reopened cases --------------------------------------


def test_scan_writes_no_case_rows_and_the_missed_deadline_shows_all_the_same(org, rules, now):
    from rest_framework.test import APIClient

    late = _in_progress(org, due=end_of_day(dt.date(2026, 11, 20)))
    upcoming = _in_progress(org, due=end_of_day(dt.date(2026, 11, 26)))
    versions = dict(Case.objects.values_list("pk", "version"))

    with CaptureQueriesContext(connection) as queries:
        deadlines_scan(now=now)
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert dict(Case.objects.values_list("pk", "version")) == versions

    client = APIClient()
    client.force_authenticate(org.supervisor)
    with time_machine.travel(now, tick=False):
        late_body = client.get(f"/api/v1/cases/{late.number}/").json()
        upcoming_body = client.get(f"/api/v1/cases/{upcoming.number}/").json()
    assert dt.datetime.fromisoformat(late_body["missed_due_at"]) == late.due_at
    assert upcoming_body["missed_due_at"] is None


def test_reopened_case_is_reminded_only_about_its_new_deadline(org, rules, time_machine):
    def at(moment: dt.datetime) -> dt.datetime:
        time_machine.move_to(moment, tick=False)
        return moment

    at(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TAIPEI))  # Monday
    case, _ = new_case(org, category=org.lights)  # 3 working days: due Thursday 26th
    case_accept(case=case, by=org.officer_light)
    old_due = case.due_at
    deadlines_scan(now=at(dt.datetime(2026, 11, 27, 10, 0, tzinfo=TAIPEI)))  # a day late
    assert list(Reminder.objects.filter(case=case).values_list("kind", "due_for")) == [("overdue", old_due)]

    case_submit_reply(case=case, reply="已修復路燈。", by=org.officer_light)
    case_approve(case=case, by=org.supervisor)
    case.refresh_from_db()
    assert case.on_time is False
    at(dt.datetime(2026, 11, 30, 10, 0, tzinfo=TAIPEI))
    case_reopen(case=case, reason="路燈又不亮了", by=org.supervisor)
    case.refresh_from_db()
    new_due = case.due_at
    assert new_due == end_of_day(dt.date(2026, 12, 3))

    before = set(Reminder.objects.filter(case=case).values_list("pk", flat=True))
    for moment in (
        dt.datetime(2026, 11, 30, 10, 5, tzinfo=TAIPEI),
        dt.datetime(2026, 12, 2, 10, 0, tzinfo=TAIPEI),  # the old deadline is 4 working days past
    ):
        deadlines_scan(now=at(moment))
    fresh = Reminder.objects.filter(case=case).exclude(pk__in=before)
    assert list(fresh.values_list("kind", "due_for")) == [("due-soon", new_due)]
    assert not Reminder.objects.filter(case=case, kind="overdue-3").exists()
    case.refresh_from_db()
    assert case.missed_due_at is None


def test_reply_awaiting_approval_reminds_another_supervisor_than_its_drafter(org, rules, now):
    from casesys.cases.services import case_assign
    from casesys.org.models import Role
    from tests.factories import make_staff

    chief = make_staff("light_chief", org.light, [Role.SUPERVISOR])
    by_officer = _in_progress(org, due=end_of_day(dt.date(2026, 12, 4)))
    by_chief = _in_progress(org, due=end_of_day(dt.date(2026, 12, 4)))
    case_assign(case=by_chief, assignee=chief, by=org.supervisor)
    case_submit_reply(case=by_officer, reply="已修復路燈。", by=org.officer_light)
    case_submit_reply(case=by_chief, reply="已修復路燈。", by=chief)
    submitted = dt.datetime(2026, 11, 23, 15, tzinfo=TAIPEI)
    Case.objects.filter(pk__in=[by_officer.pk, by_chief.pk]).update(reply_submitted_at=submitted)

    deadlines_scan(now=now)

    # The section chief approves the officer's reply; the chief's own waits for the bureau.
    assert _inapp(chief, case=by_officer, template="reminder_approval_late").count() == 1
    assert not _inapp(org.supervisor, case=by_officer, template="reminder_approval_late").exists()
    assert not _inapp(chief, case=by_chief, template="reminder_approval_late").exists()
    assert _inapp(org.supervisor, case=by_chief, template="reminder_approval_late").count() == 1
