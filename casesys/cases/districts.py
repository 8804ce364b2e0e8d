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


def district_choices(*, blank: str | None = "—") -> list[tuple[str, str]]:
    """(value, label) pairs for a choice field; `blank` labels the empty choice (None: none)."""
    choices = [(d, d) for d in DISTRICTS]
    return [("", blank), *choices] if blank is not None else choices
