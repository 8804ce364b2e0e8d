"""Normalised contact keys, for recognising a returning petitioner across cases.

Only compared, never shown: a match reveals nothing that masking hides.
"""

from __future__ import annotations

import re
import unicodedata


def phone_key(raw: str) -> str:
    """Digits in national form: '+886 912-345-678', '0912.345.678', '０９１２３４５６７８' → '0912345678'.

    Extensions (#123, 分機 123, ext. 123) are dropped: the line is the same petitioner.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = re.split(r"(?:#|分機|ext\.?|x(?=\d))", text, maxsplit=1, flags=re.IGNORECASE)[0]
    digits = re.sub(r"\D", "", text)
    if digits.startswith("886"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("00886"):
        digits = "0" + digits[5:].lstrip("0")
    return digits if len(digits) >= 7 else ""


def email_key(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    return text if "@" in text else ""
