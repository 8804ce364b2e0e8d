"""Keyword matching for leads: substrings of Traditional Chinese text.

Text (and each rule's phrase) is converted Simplified → Traditional with OpenCC and
case-folded first, so 路灯 in a post matches the rule 路燈 and vice versa.
"""

from __future__ import annotations

from functools import cache

import opencc

from casesys.inbound.models import KeywordRule


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def normalize(text: str) -> str:
    return _converter().convert(text or "").casefold()


def match_keywords(text: str, rules: list[KeywordRule] | None = None) -> KeywordRule | None:
    """The first active rule (longest phrase first) whose phrase occurs in `text`."""
    if rules is None:
        rules = list(KeywordRule.objects.filter(active=True).select_related("category", "department"))
    haystack = normalize(text)
    for rule in sorted(rules, key=lambda r: -len(r.phrase)):
        needle = normalize(rule.phrase).strip()
        if needle and needle in haystack:
            return rule
    return None
