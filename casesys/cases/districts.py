"""The city's administrative districts (行政區): the choices for a case's `district`.

One list for the intake forms, the API, reports and the demo data, so a district typed at the
counter and one picked online are spelled the same and group together in the statistics.
Taipei City's twelve districts, in the city's official order.
"""

from __future__ import annotations

DISTRICTS: tuple[str, ...] = (
    "中正區",
    "大同區",
    "中山區",
    "松山區",
    "大安區",
    "萬華區",
    "信義區",
    "士林區",
    "北投區",
    "內湖區",
    "南港區",
    "文山區",
)


# English names (the romanisation on the city's own signs); the stored value stays Chinese.
DISTRICTS_EN: dict[str, str] = {
    "中正區": "Zhongzheng District",
    "大同區": "Datong District",
    "中山區": "Zhongshan District",
    "松山區": "Songshan District",
    "大安區": "Da'an District",
    "萬華區": "Wanhua District",
    "信義區": "Xinyi District",
    "士林區": "Shilin District",
    "北投區": "Beitou District",
    "內湖區": "Neihu District",
    "南港區": "Nangang District",
    "文山區": "Wenshan District",
}


def district_label(value: str | None) -> str:
    """A stored district in the active language: 中山區 → "Zhongshan District" in English.

    Anything not on the list (an older or out-of-town value) is shown as stored.
    """
    from django.utils.translation import get_language

    value = value or ""
    if (get_language() or "").lower().startswith("en"):
        return DISTRICTS_EN.get(value, value)
    return value


def district_choices(*, blank: str | None = "—") -> list[tuple[str, str]]:
    """(value, label) pairs for a choice field; `blank` labels the empty choice (None: none).

    Labels are "中文 / English" pairs: the form renderer shows the reader's half.
    """
    choices = [(d, f"{d} / {DISTRICTS_EN[d]}") for d in DISTRICTS]
    return [("", blank), *choices] if blank is not None else choices
