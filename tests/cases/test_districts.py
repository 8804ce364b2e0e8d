"""The district list lives in casesys.cases.districts, not in the demo data: the forms take
their choices from it and nothing but the seed command imports the demo module."""

from __future__ import annotations

import ast
from pathlib import Path

from casesys.cases.districts import DISTRICTS, district_choices
from casesys.web.forms import IntakeForm, QueueFilterForm

CASESYS = Path(__file__).resolve().parents[2] / "casesys"


def test_intake_and_queue_filter_offer_every_district_after_a_blank_choice():
    for form in (IntakeForm, QueueFilterForm):
        choices = list(form.base_fields["district"].choices)
        assert choices[0] == ("", "—")
        assert [value for value, _ in choices[1:]] == list(DISTRICTS)
    assert "中正區" in DISTRICTS and len(set(DISTRICTS)) == 12


def test_district_choices_without_a_blank_choice():
    assert district_choices(blank=None)[0] == ("中正區", "中正區 / Zhongzheng District")


def test_only_the_seed_command_imports_the_demo_module():
    importers = []
    for path in CASESYS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.module == "casesys.cases.demo"
                or (node.module == "casesys.cases" and any(a.name == "demo" for a in node.names))
            ):
                importers.append(str(path.relative_to(CASESYS)))
            elif isinstance(node, ast.Import) and any(a.name == "casesys.cases.demo" for a in node.names):
                importers.append(str(path.relative_to(CASESYS)))
    assert importers == ["cases/management/commands/seed_demo.py"]
