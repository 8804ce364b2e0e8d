"""Category tree import from a spreadsheet export."""

from __future__ import annotations

from django.db import transaction

from casesys.cases.models import Category, SlaUnit
from casesys.common.csvimport import CsvImportError, parse_bool, read_rows
from casesys.org.models import Department

COLUMNS = ["code", "parent_code", "name", "name_en", "department_code", "sla_unit", "sla_value", "public", "survey_exempt"]


def import_categories(*, data: bytes) -> dict[str, int]:
    rows = read_rows(data, COLUMNS)
    errors: list[str] = []
    departments = {d.code: d for d in Department.objects.all()}
    existing = {c.code: c for c in Category.objects.all()}
    parsed: dict[str, dict] = {}
    for line, row in rows:
        code = row["code"]
        problems = []
        if not code or len(code) > 32:
            problems.append("code 為必填且最多 32 字 / code is required (max 32)")
        elif code in parsed:
            problems.append(f"code 重複 {code} / duplicate code")
        if not row["name"]:
            problems.append("name 為必填 / name is required")
        if row["department_code"] and row["department_code"] not in departments:
            problems.append(f"找不到單位 {row['department_code']} / unknown department_code")
        unit = row["sla_unit"] or SlaUnit.WORKING_DAYS
        if unit not in SlaUnit.values:
            problems.append(f"sla_unit 須為 {'/'.join(SlaUnit.values)} / invalid sla_unit {unit!r}")
        try:
            value = int(row["sla_value"] or 6)
            if value <= 0:
                raise ValueError
        except ValueError:
            problems.append(f"sla_value 須為正整數 / sla_value must be a positive integer ({row['sla_value']!r})")
            value = 0
        public = parse_bool(row["public"] or "1")
        exempt = parse_bool(row["survey_exempt"] or "0")
        if public is None:
            problems.append(f"public 須為 1/0 / public must be 1 or 0 ({row['public']!r})")
        if exempt is None:
            problems.append(f"survey_exempt 須為 1/0 / survey_exempt must be 1 or 0 ({row['survey_exempt']!r})")
        if problems:
            errors.extend(f"第 {line} 行：{p} / line {line}" for p in problems)
            continue
        parsed[code] = {
            "line": line,
            "parent": row["parent_code"],
            "name": row["name"][:100],
            "name_en": row["name_en"][:150],
            "department": departments.get(row["department_code"]),
            "sla_unit": unit,
            "sla_value": value,
            "public": public,
            "survey_exempt": exempt,
        }
    for code, item in parsed.items():
        parent = item["parent"]
        if parent and parent not in parsed and parent not in existing:
            errors.append(f"第 {item['line']} 行：找不到主類別 {parent} / line {item['line']}: unknown parent_code")
        if parent == code:
            errors.append(f"第 {item['line']} 行：主類別不可為自己 / line {item['line']}: own parent")
        if parent and parsed.get(parent, {}).get("parent"):
            errors.append(f"第 {item['line']} 行：類別只有兩層 / line {item['line']}: categories have two levels")
    if errors:
        raise CsvImportError(errors)
    stats = {"created": 0, "updated": 0}
    with transaction.atomic():
        for code in sorted(parsed, key=lambda c: bool(parsed[c]["parent"])):
            item = parsed[code]
            cat = existing.get(code) or Category(code=code)
            stats["updated" if cat.pk else "created"] += 1
            cat.parent = existing[item["parent"]] if item["parent"] else None
            for field in ("name", "name_en", "department", "sla_unit", "sla_value", "public", "survey_exempt"):
                setattr(cat, field, item[field])
            cat.save()
            existing[code] = cat
    return stats
