"""JSON that cannot hurt us: parsing that fails only with ValueError, and a check of what
PostgreSQL (jsonb and text columns) cannot store.

PostgreSQL refuses NUL (``\\u0000``) and lone surrogates in text and jsonb, and NaN or
Infinity in jsonb; Python's ``json`` accepts all of them, and raises RecursionError (not
ValueError) on deeply nested input and ValueError on integers of more than 4,300 digits.
Webhooks store what a platform sends before looking at it, so one such value would fail the
insert of a whole batch: `problems` names them (by path, never by content, so the reason is
safe to store and show) and `sanitise` makes a copy that can be stored.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Deeper than any payload we accept (LINE/Telegram events are under 10 levels, API bodies 3).
MAX_DEPTH = 32
# A bigint: ids and timestamps beyond it are not real, and the code using them would overflow.
INT_LIMIT = 2**63
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_PROBLEMS = 10
REPLACEMENT = "\ufffd"


def _int(text: str) -> int | float:
    # int() itself refuses more than 4,300 digits with a ValueError that would fail the whole
    # body; an infinity keeps the rest of the body usable and is reported by `problems`.
    if len(text.lstrip("-")) > 400:
        return -math.inf if text.startswith("-") else math.inf
    return int(text)


def loads(data: bytes | str) -> Any:
    """`json.loads` that raises only ValueError (UnicodeDecodeError, JSONDecodeError included).

    NaN, Infinity and huge numbers are accepted here (see `problems`); nesting deeper than
    the interpreter can parse is a ValueError instead of a RecursionError.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, parse_int=_int)
    except RecursionError:
        raise ValueError("JSON 巢狀層數過多 / JSON nested too deeply") from None


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when containers are nested more than `limit` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def text_problem(text: str) -> str:
    if "\x00" in text:
        return "NUL 字元 / NUL character"
    if _SURROGATE.search(text):
        return "不成對的代理字元 / lone surrogate"
    return ""


def clean_text(text: str) -> str:
    return _SURROGATE.sub(REPLACEMENT, text.replace("\x00", REPLACEMENT))


def _number_problem(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return "數值超出範圍 / number out of range"
    if isinstance(value, int) and abs(value) >= INT_LIMIT:
        return "數值超出範圍 / number out of range"
    return ""


def problems(value: Any, *, path: str = "$", max_depth: int = MAX_DEPTH) -> list[str]:
    """What in `value` cannot be stored or used, as "path: what" (at most 10; no content)."""
    found: list[str] = []
    stack = [(value, path, 0)]
    while stack and len(found) < _MAX_PROBLEMS:
        node, where, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= max_depth:
                found.append(f"{where}: 巢狀層數過多 / nested too deeply")
                continue
            items = node.items() if isinstance(node, dict) else enumerate(node)
            children = []
            for key, child in items:
                if isinstance(key, str) and (why := text_problem(key)):
                    found.append(f"{where} (key): {why}")
                name = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{clean_text(str(key))[:40]}"
                children.append((child, name, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(node, str):
            if why := text_problem(node):
                found.append(f"{where}: {why}")
        elif why := _number_problem(node):
            found.append(f"{where}: {why}")
    return found[:_MAX_PROBLEMS]


def sanitise(value: Any, *, max_depth: int = MAX_DEPTH, _depth: int = 0) -> Any:
    """A storable copy: bad characters → U+FFFD, bad numbers → their text, too deep → "…"."""
    if isinstance(value, dict | list):
        if _depth >= max_depth:
            return "…"
        if isinstance(value, dict):
            return {clean_text(str(k)): sanitise(v, max_depth=max_depth, _depth=_depth + 1) for k, v in value.items()}
        return [sanitise(v, max_depth=max_depth, _depth=_depth + 1) for v in value]
    if isinstance(value, str):
        return clean_text(value)
    if _number_problem(value):
        text = repr(value) if isinstance(value, float) else str(value)
        return text if len(text) <= 40 else text[:40] + "…"
    return value


def digest_text(value: Any) -> str:
    """Stable text of `value` for hashing, whatever it contains (surrogates, NaN)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def digest_bytes(value: Any) -> bytes:
    return digest_text(value).encode("utf-8", "surrogatepass")
