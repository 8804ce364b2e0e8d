"""Bilingual UI text: Traditional Chinese first, English when the user switched to it.

The domain layer already speaks in "中文 / English" strings (choice labels, service errors);
`pick` shows the half that matches the active language, and `tr` does the same for the
UI's own pairs. Keeping both languages side by side in the source means no string can be
left untranslated.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def tr(zh: str, en: str) -> str:
    return en if is_english() else zh


def pick(text) -> str:
    """'中文 / English' → the half for the active language; other text unchanged."""
    text = str(text if text is not None else "")
    if " / " in text:
        zh, _, en = text.partition(" / ")
    elif "）/ " in text:  # "協辦單位（可複選）/ Co-handling departments (optional)"
        zh, _, en = text.partition("）/ ")
        zh += "）"
    else:
        return text
    return en.strip() if is_english() else zh.strip()


def name_of(obj) -> str:
    """A department's, category's or urgency's name in the active language.

    English when the model has an English name (`name_en`), else its (Chinese) name.
    """
    if obj is None:
        return ""
    if is_english() and getattr(obj, "name_en", ""):
        return obj.name_en
    return getattr(obj, "name", str(obj))


# Notes the system itself writes on the timeline (stored as written, in both languages or in
# Chinese); a note an officer typed is shown as typed.
_NOTE_PATTERNS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"^依類別自動分文 / Routed by category$"), ("依類別自動分文", "Routed by category")),
    (re.compile(r"^(?P<n>\S+) 併入本案 / merged into this case$"), ("{n} 併入本案", "{n} merged into this case")),
    (re.compile(r"^事件 #(?P<n>\d+)(?: / Incident #\d+)?$"), ("事件 #{n}", "Incident #{n}")),
    (
        re.compile(r"^事件 #(?P<n>\d+) 統一答復 / Answered with incident #\d+$"),
        ("事件 #{n} 統一答復", "Answered with incident #{n}"),
    ),
    (re.compile(r"^(?P<n>\d+) 工作天：(?P<rest>.*)$"), ("{n} 工作天：{rest}", "{n} working days: {rest}")),
    (re.compile(r"^(?P<zh>[^\n/：]+) / (?P<en>[^\n/：]+)：(?P<rest>.*)$"), ("{zh}：{rest}", "{en}: {rest}")),
]


def system_note(text) -> str:
    """A timeline note in the active language, line by line, where the system wrote it."""
    lines = []
    for line in str(text or "").split("\n"):
        for pattern, (zh, en) in _NOTE_PATTERNS:
            m = pattern.match(line)
            if m:
                line = tr(zh, en).format(**m.groupdict())
                break
        lines.append(line)
    return "\n".join(lines)
