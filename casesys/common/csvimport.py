"""Reading spreadsheet exports: UTF-8 (with or without BOM) or Big5, header checked."""

from __future__ import annotations

import csv
import io


class CsvImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def read_rows(data: bytes, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    for encoding in ("utf-8-sig", "big5"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CsvImportError(["檔案不是 UTF-8 或 Big5 編碼 / The file is neither UTF-8 nor Big5."])
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvImportError([f"第 1 行：缺少欄位 {', '.join(missing)} / line 1: missing columns {', '.join(missing)}"])
    rows = []
    for line_no, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(clean.values()):
            continue
        rows.append((line_no, clean))
    if not rows:
        raise CsvImportError(["檔案沒有資料列 / The file has no rows."])
    return rows


def parse_bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "y", "是", "t"):
        return True
    if v in ("0", "false", "no", "n", "否", "f", ""):
        return False
    return None
