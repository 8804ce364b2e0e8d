"""The suggestion's fixtures: the hand-written complaints as closed cases, and a model."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casesys.cases.models import Case, Category, State
from casesys.org.models import Department
from casesys.suggest.selectors import forget_classifier
from tests.factories import CategoryFactory, new_case
from tests.suggest.complaints import CATEGORIES, TRAINING

TZ = dt.timezone(dt.timedelta(hours=8))
# Fixed dates: nothing here depends on today's.
RECEIVED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
TRAINED_AT = dt.datetime(2026, 3, 2, 2, 20, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _no_cached_model():
    forget_classifier()
    yield
    forget_classifier()


@pytest.fixture
def categories(org) -> dict[str, Category]:
    parents = {"LIGHT": "照明", "ROAD": "道路", "ENV": "環境", "TRAF": "交通"}
    out = {}
    for code, (name, dept, name_en) in CATEGORIES.items():
        head = code.split("-")[0]
        parent = CategoryFactory(code=head, name=parents[head], name_en=head.title())
        cat, _ = Category.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "parent": parent, "department": Department.objects.get(code=dept)},
        )
        out[code] = cat
    return out


@pytest.fixture
def closed_cases(org, categories) -> dict[str, list[Case]]:
    """Each training complaint as a phone case registered by `intake` and answered."""
    out: dict[str, list[Case]] = {}
    # Intake refuses receipt times far in the past: register them "then".
    with time_machine.travel(RECEIVED + dt.timedelta(days=5), tick=False):
        _register(org, categories, out)
    return out


def _register(org, categories, out) -> None:
    n = 0
    for code, items in TRAINING.items():
        for subject, description in items:
            n += 1
            received = RECEIVED + dt.timedelta(hours=n)
            case, _ = new_case(
                org, by=org.intake, channel="phone", category=categories[code], subject=subject,
                description=description, received_at=received,
            )
            Case.objects.filter(pk=case.pk).update(state=State.CLOSED, closed_at=received + dt.timedelta(days=2))
            out.setdefault(code, []).append(case)


@pytest.fixture
def trained(closed_cases):
    from casesys.suggest.services import suggest_model_train

    model = suggest_model_train(now=TRAINED_AT)
    assert model is not None
    return model
