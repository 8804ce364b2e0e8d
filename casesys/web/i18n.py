"""Bilingual UI text: Traditional Chinese first, English when the user switched to it.

The domain layer already speaks in "中文 / English" strings (choice labels, service errors);
`pick` shows the half that matches the active language, and `tr` does the same for the
UI's own pairs. Keeping both languages side by side in the source means no string can be
left untranslated.
"""

from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "").lower().startswith("en")


def tr(zh: str, en: str) -> str:
    return en if is_english() else zh


def pick(text) -> str:
    """'中文 / English' → the half for the active language; other text unchanged."""
    text = str(text if text is not None else "")
    if " / " not in text:
        return text
    zh, _, en = text.partition(" / ")
    return en.strip() if is_english() else zh.strip()
