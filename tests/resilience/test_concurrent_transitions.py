"""20 simultaneous transitions on one case: one wins, 19 get a conflict, the audit agrees.

Runs in `make test` (one round per starting state) and, with CASESYS_RESILIENCE_FULL=1 in
`make resilience`, for several rounds.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from casesys.cases import services
from casesys.cases.events import CaseEventKind
from casesys.cases.exceptions import ConcurrentUpdate, TransitionNotPermittedNow
from casesys.cases.models import Case, CaseEvent, ExtensionRequest
from casesys.org.models import Role
from tests.factories import make_staff, new_case
from tests.resilience.support import scaled

N = 20


def _in_progress(org) -> Case:
    case, _ = new_case(org)
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    services.case_accept(case=case, by=org.officer)
    return case


def _pending_approval(org) -> Case:
    case = _in_progress(org)
    services.case_submit_reply(case=case, reply="已完成修復。", by=org.officer)
    return case


def _moves_in_progress(org, other: Case) -> list[tuple[str, Callable[[Case], object]]]:
    # Every kind of write the workflow allows from in_progress, by the people allowed to
    # make it, self-loops (assign, extension) included: they must lose cleanly too.
    second = make_staff("officer_road2", org.road, [Role.OFFICER])
    return [
        ("submit_reply", lambda c: services.case_submit_reply(case=c, reply="答復：已派工修復。", by=org.officer)),
        ("assign", lambda c: services.case_assign(case=c, assignee=second, by=org.supervisor)),
        ("return_to_intake", lambda c: services.case_return_to_intake(case=c, reason="非本科業務", by=org.officer)),
        ("transfer", lambda c: services.case_transfer(case=c, agency="交通部公路局", reason="省道非本府權責", by=org.supervisor)),
        ("file", lambda c: services.case_file(case=c, reason_code="no_content", note="無具體內容", by=org.supervisor)),
        ("request_extension", lambda c: services.case_request_extension(case=c, days=2, reason="待廠商報價", status_text="廠商報價中", by=org.officer)),
        ("merge", lambda c: services.case_merge(case=c, into=other, by=org.supervisor)),
    ]


def _moves_pending_approval(org, other: Case) -> list[tuple[str, Callable[[Case], object]]]:
    return [
        ("approve", lambda c: services.case_approve(case=c, by=org.supervisor)),
        ("return_reply", lambda c: services.case_return_reply(case=c, comment="請補充法令依據", by=org.supervisor)),
    ]


def _race(case: Case, moves: list[tuple[str, Callable[[Case], object]]]) -> list[tuple[str, str]]:
    barrier = threading.Barrier(N)
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        from django.db import connection as conn

        name, move = moves[i % len(moves)]
        try:
            copy = Case.objects.get(pk=case.pk)  # each caller read the case before anyone wrote
            barrier.wait(timeout=30)
            move(copy)
            result = "ok"
        except (ConcurrentUpdate, TransitionNotPermittedNow):
            result = "conflict"
        except Exception as exc:  # noqa: BLE001 - anything else is a finding
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            conn.close()
        with lock:
            outcomes.append((name, result))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.resilience
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("start", ["in_progress", "pending_approval"])
def test_twenty_concurrent_transitions_one_wins_and_the_audit_agrees(org, start):
    assert connection.vendor == "postgresql"
    for _round in range(scaled(1, 5)):
        case = _in_progress(org) if start == "in_progress" else _pending_approval(org)
        other, _ = new_case(org)
        moves = (_moves_in_progress if start == "in_progress" else _moves_pending_approval)(org, other)
        last_event = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first()
        version = Case.objects.get(pk=case.pk).version

        outcomes = _race(case, moves)

        results = Counter(result for _name, result in outcomes)
        assert len(outcomes) == N
        assert results == Counter({"ok": 1, "conflict": N - 1}), outcomes
        winner = next(name for name, result in outcomes if result == "ok")

        case.refresh_from_db()
        new_events = list(CaseEvent.objects.filter(case=case, pk__gt=last_event).order_by("pk"))
        # Exactly one audit event for the one write, and it describes the case as it is now.
        assert len(new_events) == 1, [(e.kind, e.from_state, e.to_state) for e in new_events]
        event = new_events[0]
        assert event.from_state == start and event.to_state == case.state
        assert case.version == version + 1
        # The loser's side effects were rolled back with it.
        assert ExtensionRequest.objects.filter(case=case).count() == (1 if winner == "request_extension" else 0)
        assert CaseEvent.objects.filter(case=other, kind=CaseEventKind.MERGED_IN).count() == (1 if winner == "merge" else 0)
