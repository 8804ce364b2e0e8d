"""Default reference data, shared by the data migration, `seed_demo` and tests."""

from __future__ import annotations

URGENCIES = [
    # 文書處理手冊 pt 78: 最速件 1, 速件 3, 普通件 6 working days.
    ("most_urgent", "最速件", "Most urgent", 0, "working_days", 1),
    ("urgent", "速件", "Urgent", 1, "working_days", 3),
    ("normal", "普通件", "Normal", 2, "working_days", 6),
]


def ensure_urgencies(Urgency=None) -> None:
    if Urgency is None:
        from casesys.cases.models import Urgency
    for code, name, name_en, rank, unit, value in URGENCIES:
        Urgency.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "rank": rank, "sla_unit": unit, "sla_value": value}
        )
