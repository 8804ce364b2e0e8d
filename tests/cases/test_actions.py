"""One action table: the API's transitions and the desk's buttons come from casesys.cases.actions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from casesys.api import transitions as api_transitions
from casesys.api.views import TRANSITION_VIEWS
from casesys.cases import actions, services
from casesys.cases.exceptions import TransitionPermissionDenied
from casesys.cases.workflow import TRANSITION_NAMES
from casesys.web import actions as web_actions
from tests.factories import new_case

ROLES = ["intake", "officer", "officer_light", "supervisor", "supervisor_epb", "analyst", "admin"]


def test_the_api_and_the_desk_name_exactly_the_core_actions_in_its_order():
    core = list(actions.ACTIONS)
    assert core == TRANSITION_NAMES
    assert list(api_transitions.SPECS) == core
    assert list(TRANSITION_VIEWS) == core
    assert list(web_actions.ACTIONS) == core
    for name, action in actions.ACTIONS.items():
        # Both layers show the core label and run the core action.
        assert api_transitions.SPECS[name].action is action
        assert api_transitions.SPECS[name].summary == str(action.label)
        assert web_actions.ACTIONS[name].action is action
        assert web_actions.ACTIONS[name].zh and web_actions.ACTIONS[name].en
        assert f"{web_actions.ACTIONS[name].zh} / {web_actions.ACTIONS[name].en}" == str(action.label)


def test_the_core_table_knows_no_input_layer():
    source = (Path(__file__).resolve().parents[2] / "casesys" / "cases" / "actions.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.split(".")[0] == "rest_framework" or m.startswith(
        ("casesys.api", "casesys.web", "django.forms")
    )}


def _case_in(org, state: str):
    case, _ = new_case(org)
    steps = {
        "dispatched": lambda: services.case_dispatch(case=case, department=org.road, by=org.intake),
        "in_progress": lambda: services.case_accept(case=case, by=org.officer),
        "extension_pending": lambda: services.case_request_extension(
            case=case, days=3, reason="需會勘", status_text="已派員會勘", by=org.officer
        ),
        "pending_approval": lambda: services.case_submit_reply(case=case, reply="已修復。", by=org.officer),
        "closed": lambda: services.case_approve(case=case, by=org.supervisor),
    }
    path = {
        "received": [],
        "dispatched": ["dispatched"],
        "in_progress": ["dispatched", "in_progress"],
        "extension_pending": ["dispatched", "in_progress", "extension_pending"],
        "closed": ["dispatched", "in_progress", "pending_approval", "closed"],
    }[state]
    for step in path:
        steps[step]()
    case.refresh_from_db()
    return case


def _desk_buttons(user, number: str) -> list[str] | None:
    client = Client()
    client.force_login(user)
    r = client.get(f"/desk/cases/{number}/")
    if r.status_code != 200:
        return None
    return re.findall(r'<details class="action[^"]*"[^>]*id="action-([a-z_]+)"', r.content.decode())


def _api_transitions(user, number: str) -> list[str] | None:
    client = APIClient()
    client.force_authenticate(user)
    r = client.get(f"/api/v1/cases/{number}/")
    if r.status_code != 200:
        return None
    return r.json()["available_transitions"]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["received", "dispatched", "in_progress", "extension_pending", "closed"])
def test_each_user_sees_the_same_actions_on_the_api_and_the_desk(org, state):
    case = _case_in(org, state)
    seen_some = False
    for role in ROLES:
        user = getattr(org, role)
        core = [a.name for a in actions.available_actions(case, user)]
        desk, api = _desk_buttons(user, case.number), _api_transitions(user, case.number)
        if desk is None or api is None:
            # Out of the user's scope: neither layer shows the case.
            assert desk is None and api is None, role
            continue
        assert desk == api == core, role
        seen_some = seen_some or bool(core)
    assert seen_some


@pytest.mark.django_db
def test_an_extra_rule_on_an_action_holds_on_both_layers(org, monkeypatch):
    case = _case_in(org, "in_progress")
    ruled = actions.CaseAction(
        "submit_reply", actions.ACTIONS["submit_reply"].label, actions.ACTIONS["submit_reply"].run,
        rule=lambda case, user: False,
    )
    monkeypatch.setitem(actions.ACTIONS, "submit_reply", ruled)
    assert "submit_reply" not in [a.name for a in actions.available_actions(case, org.officer)]
    assert not ruled.permitted(case, org.officer)
    assert "submit_reply" not in _desk_buttons(org.officer, case.number)
    assert "submit_reply" not in _api_transitions(org.officer, case.number)
    with pytest.raises(TransitionPermissionDenied):
        ruled.execute(case=case, by=org.officer, data={"reply": "已修復。"})
    case.refresh_from_db()
    assert case.state == "in_progress"
