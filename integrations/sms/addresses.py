"""SMS addresses: a Taiwanese mobile number in its national form, ``09xxxxxxxx``.

The registry's ``address`` normaliser for the "sms" channel (`casesys.common.channels`):
intake derives a petitioner's SMS address from the phone number they gave, so a landline
(02-2720-8889) or a foreign number yields "" and no SMS route.
"""

from __future__ import annotations

import re

MOBILE = re.compile(r"09\d{8}")


def normalise(raw: str) -> str:
    """``+886 912-345-678``, ``886912345678``, ``(0912) 345 678`` → ``0912345678``; else ""."""
    text = str(raw or "").strip()
    if "#" in text or "ext" in text.lower() or "分機" in text:
        return ""  # an extension means a desk phone, not a mobile
    digits = re.sub(r"\D", "", text)
    if digits.startswith("00886"):
        digits = digits[5:]
    elif digits.startswith("886"):
        digits = digits[3:]
    if len(digits) == 9 and digits.startswith("9"):
        digits = "0" + digits
    return digits if MOBILE.fullmatch(digits) else ""
