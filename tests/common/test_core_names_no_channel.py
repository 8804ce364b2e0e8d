"""The core names no connector channel: every one is a package plus a CASESYS_CHANNELS entry."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

CORE = Path(__file__).resolve().parents[2] / "casesys"
# Strings that happen to equal a channel's name but mean something else.
ALLOWED = {
    ("cases/catalog.py", "line"),  # the CSV line number of an import error
}


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_no_core_module_names_a_connector_channel():
    names = set(settings.CASESYS_CHANNELS) | {"line", "telegram", "facebook", "feed", "sms"}
    offenders = {}
    for path in CORE.rglob("*.py"):
        rel = str(path.relative_to(CORE))
        if rel == "settings.py" or "/migrations/" in f"/{rel}":
            continue
        found = {s for s in _string_constants(path) & names if (rel, s) not in ALLOWED}
        if found:
            offenders[rel] = sorted(found)
    assert offenders == {}


def test_no_core_template_names_a_connector_channel():
    names = set(settings.CASESYS_CHANNELS) - {"feed"}  # "feed" is also an ordinary English word
    offenders = {
        str(path.relative_to(CORE)): sorted(n for n in names if f'"{n}"' in path.read_text(encoding="utf-8"))
        for path in CORE.rglob("templates/**/*.html")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
