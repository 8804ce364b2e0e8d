from __future__ import annotations

from django.db import transaction

from casesys.common.csvimport import CsvImportError, read_rows
from casesys.org.models import Department

COLUMNS = ["code", "parent_code", "name", "name_en"]


def _kind_for_depth(depth: int) -> str:
    return [Department.Kind.AGENCY, Department.Kind.UNIT][depth] if depth < 2 else Department.Kind.SECTION


def department_save_tree(*, department: Department) -> None:
    """Save a department; `Department.save` rewrites the materialised paths beneath it in
    the same transaction (one UPDATE for the whole subtree)."""
    department.save()


def import_departments(*, data: bytes) -> dict[str, int]:
    rows = read_rows(data, COLUMNS)
    errors: list[str] = []
    by_code: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in rows:
        code = row["code"]
        if not code:
            errors.append(f"第 {line} 行：code 為必填 / line {line}: code is required")
        elif len(code) > 32 or "/" in code:
            errors.append(f"第 {line} 行：code 格式錯誤 / line {line}: invalid code {code!r}")
        elif code in by_code:
            errors.append(f"第 {line} 行：code 重複 {code} / line {line}: duplicate code {code}")
        if not row["name"]:
            errors.append(f"第 {line} 行：name 為必填 / line {line}: name is required")
        by_code.setdefault(code, (line, row))
    existing = {d.code: d for d in Department.objects.all()}
    for code, (line, row) in by_code.items():
        parent = row["parent_code"]
        if parent and parent not in by_code and parent not in existing:
            errors.append(f"第 {line} 行：找不到上級 {parent} / line {line}: unknown parent_code {parent}")
        if parent == code:
            errors.append(f"第 {line} 行：上級不可為自己 / line {line}: a department cannot be its own parent")
    # Cycles: walk each chain through the merged (file over database) parent map.
    parent_of = {c: (d.parent.code if d.parent_id else "") for c, d in existing.items()}
    parent_of.update({c: r["parent_code"] for c, (_, r) in by_code.items()})
    for code, (line, _row) in by_code.items():
        seen, node = set(), code
        while node:
            if node in seen:
                errors.append(f"第 {line} 行：上級關係形成循環 / line {line}: parent chain loops")
                break
            seen.add(node)
            node = parent_of.get(node, "")
    if errors:
        raise CsvImportError(errors)

    def depth(code: str) -> int:
        d, node = 0, parent_of.get(code, "")
        while node:
            d, node = d + 1, parent_of.get(node, "")
        return d

    stats = {"created": 0, "updated": 0}
    with transaction.atomic():
        for code in sorted(by_code, key=depth):
            _, row = by_code[code]
            dept = existing.get(code) or Department(code=code)
            stats["updated" if dept.pk else "created"] += 1
            dept.name = row["name"][:100]
            dept.name_en = row["name_en"][:150]
            dept.parent = existing[row["parent_code"]] if row["parent_code"] else None
            dept.kind = _kind_for_depth(depth(code))
            department_save_tree(department=dept) if dept.pk else dept.save()
            existing[code] = dept
    return stats
