"""A generated burst of reports for measuring incident suggestions (bench and unit test).

`burst()` makes reports about a number of real events (same category, within `radius_m`
of the event's point, within `window_h` hours of its start, varied wording) mixed with
unrelated reports: random place, time, category and wording, plus hard ones that are near an
event in place and time but of another category, or of the event's category and place but
a day later. `evaluate()` plays them in order of receipt as intake would: each report is
first given its suggestion; then staff link it to its event's incident, or open that
incident with the event's first report; unrelated reports are never linked.

Precision: of the reports given a suggestion, the share given their own event's incident.
Recall: of the reports whose event already had an incident, the share given that incident.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.vocab import GENERAL_WORDS, MAIN_CATEGORIES, STREETS

CITY = (25.05, 121.55)  # a city-sized square around this point, ±0.08° (about 9 km)


@dataclass(frozen=True)
class Report:
    event: int | None  # None: unrelated
    category_index: int
    lat: float
    lng: float
    received_at: dt.datetime
    subject: str
    description: str


def _near(rng: random.Random, lat: float, lng: float, radius_m: float) -> tuple[float, float]:
    r = radius_m * math.sqrt(rng.random())
    a = rng.random() * 2 * math.pi
    dlat = r * math.cos(a) / 111_320.0
    dlng = r * math.sin(a) / (111_320.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def _city_point(rng: random.Random) -> tuple[float, float]:
    return round(CITY[0] + rng.uniform(-0.08, 0.08), 6), round(CITY[1] + rng.uniform(-0.08, 0.08), 6)


def _wording(rng: random.Random, topic: list[str], place: str, focus: list[str]) -> tuple[str, str]:
    """A subject and a description in varied words: some of the event's own words, some of
    the category's, the place (not always), and general filler."""
    own = rng.sample(focus, k=rng.randint(1, len(focus)))
    words = own + rng.sample(topic, k=2) + rng.sample(GENERAL_WORDS, k=rng.randint(4, 9))
    rng.shuffle(words)
    subject = (place if rng.random() < 0.7 else "") + "".join(own[:2]) + rng.choice(["", "問題", "請處理", "嚴重"])
    description = "".join(words[: len(words) // 2]) + "，" + (place if rng.random() < 0.5 else "") + "".join(words[len(words) // 2 :]) + "。"
    return subject[:200], description


def burst(
    *,
    events: int = 20,
    per_event: int = 25,
    unrelated: int = 500,
    categories: int = 20,
    start: dt.datetime,
    radius_m: float = 150.0,
    window_h: float = 6.0,
    seed: int = 17,
) -> list[Report]:
    """Reports in order of receipt. `category_index` indexes a list of `categories`
    categories the caller maps to real ones (main categories of `bench.vocab`, cycled)."""
    rng = random.Random(seed)
    span_h = 48.0
    out: list[Report] = []
    centres = []
    for e in range(events):
        cat = e % categories
        topic = MAIN_CATEGORIES[cat % len(MAIN_CATEGORIES)][3]
        lat, lng = _city_point(rng)
        t0 = start + dt.timedelta(hours=rng.uniform(0, span_h - window_h))
        street = rng.choice(STREETS) + rng.choice(["一段", "二段", "三段", ""]) + f"{rng.randint(1, 300)}號"
        focus = rng.sample(topic, k=3)
        centres.append((cat, lat, lng, t0, street))
        for _ in range(per_event):
            plat, plng = _near(rng, lat, lng, radius_m)
            at = t0 + dt.timedelta(hours=rng.uniform(0, window_h))
            subject, description = _wording(rng, topic, street, focus)
            out.append(Report(e, cat, plat, plng, at, subject, description))
    for i in range(unrelated):
        kind = i % 10
        if kind == 0 and centres:
            # Hard: beside an event, at its time, but another category and topic.
            cat, lat, lng, t0, _street = rng.choice(centres)
            cat = (cat + rng.randint(1, categories - 1)) % categories
            plat, plng = _near(rng, lat, lng, radius_m)
            at = t0 + dt.timedelta(hours=rng.uniform(0, window_h))
        elif kind == 1 and centres:
            # Hard: the event's category and place, but more than a day later.
            cat, lat, lng, t0, _street = rng.choice(centres)
            plat, plng = _near(rng, lat, lng, radius_m)
            at = t0 + dt.timedelta(hours=window_h * 2 + rng.uniform(24, 30))
        else:
            cat = rng.randrange(categories)
            plat, plng = _city_point(rng)
            at = start + dt.timedelta(hours=rng.uniform(0, span_h))
        topic = MAIN_CATEGORIES[cat % len(MAIN_CATEGORIES)][3]
        place = rng.choice(STREETS) + f"{rng.randint(1, 300)}號"
        subject, description = _wording(rng, topic, place, rng.sample(topic, k=3))
        out.append(Report(None, cat, plat, plng, at, subject, description))
    out.sort(key=lambda r: r.received_at)
    return out


@dataclass
class Evaluation:
    reports: int
    suggested: int
    right: int
    wrong: int
    missed: int
    precision: float
    recall: float
    timings_ms: list[float]


def evaluate(
    reports: list[Report],
    *,
    suggest: Callable[[Report], int | None],
    open_incident: Callable[[Report], int],
    link: Callable[[Report, int], None],
) -> Evaluation:
    incident_of: dict[int, int] = {}
    right = wrong = missed = suggested = 0
    timings: list[float] = []
    for report in reports:
        t0 = time.perf_counter()
        top = suggest(report)
        timings.append((time.perf_counter() - t0) * 1000)
        expected = incident_of.get(report.event) if report.event is not None else None
        if top is not None:
            suggested += 1
            if top == expected:
                right += 1
            else:
                wrong += 1
        if expected is not None and top != expected:
            missed += 1
        if report.event is not None:
            if expected is None:
                incident_of[report.event] = open_incident(report)
            else:
                link(report, expected)
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = right / (right + missed) if right + missed else 1.0
    return Evaluation(len(reports), suggested, right, wrong, missed, round(precision, 3), round(recall, 3), timings)
