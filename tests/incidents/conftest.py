from __future__ import annotations

import datetime as dt

import pytest

from casesys.cases.models import Channel
from casesys.cases.services import case_intake

TPE = dt.timezone(dt.timedelta(hours=8))
# A fixed Tuesday morning: no test depends on today's date.
T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=TPE)
HERE = (25.047800, 121.517000)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0 + dt.timedelta(hours=8), tick=False)
    return T0


def report(org, *, at=None, lat=HERE[0], lng=HERE[1], category=None, subject="中山路水管破裂淹水", email=None, **kwargs):
    """A case received at `at` (default T0) at a place, as intake would register it."""
    from decimal import Decimal

    lat = None if lat is None else Decimal(str(round(lat, 6)))
    lng = None if lng is None else Decimal(str(round(lng, 6)))
    result = case_intake(
        channel=Channel.PHONE,
        category=category or org.pothole,
        subject=subject,
        description=kwargs.pop("description", f"{subject}，路面積水，車輛無法通行，請儘速處理。"),
        received_at=at or T0,
        petitioner={"name": "陳大文", "phone": "0912345678", "email": email or "citizen@example.invalid"},
        location={"address": "中正區中山南路1號", "district": "中正區", "lat": lat, "lng": lng},
        by=kwargs.pop("by", org.intake),
        **kwargs,
    )
    return result.case


def offset(lat: float, lng: float, *, north_m: float = 0, east_m: float = 0) -> tuple[float, float]:
    import math

    return (
        round(lat + north_m / 111_320.0, 6),
        round(lng + east_m / (111_320.0 * math.cos(math.radians(lat))), 6),
    )
