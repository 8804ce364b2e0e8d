"""The dashboard's density view: cases received in the last 30 days per grid cell.

One GROUP BY in SQL over the indexed `received_at` range: each case's cell is
floor(lat / size), floor(lng / size), so the answer's size is bounded by the number of
occupied cells, never by the number of cases. The browser draws each cell as a rectangle
shaded by its count (map.js), with or without map tiles, and the page lists the busiest cells
as a table.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Value
from django.db.models.functions import Floor
from django.utils import timezone

from casesys.reports.selectors import scoped_cases

CELL_DEGREES = Decimal("0.005")  # about 550 m north–south, 500 m east–west in Taiwan
DAYS = 30
MAX_CELLS = 2000


def density_cells(
    user, *, days: int = DAYS, cell: Decimal = CELL_DEGREES, now: dt.datetime | None = None
) -> dict:
    """{"cells": [{"south", "west", "north", "east", "count"}], "max", "total", "days", "cell"}."""
    now = now or timezone.now()
    size = Value(cell)
    rows = (
        scoped_cases(user)
        .order_by()
        .filter(received_at__gte=now - dt.timedelta(days=days), received_at__lt=now, lat__isnull=False, lng__isnull=False)
        .annotate(cy=Floor(F("lat") / size), cx=Floor(F("lng") / size))
        .values("cy", "cx")
        .annotate(n=Count("id"))
        .order_by("-n", "cy", "cx")[:MAX_CELLS]
    )
    cells = []
    for row in rows:
        south, west = Decimal(int(row["cy"])) * cell, Decimal(int(row["cx"])) * cell
        cells.append(
            {
                "south": float(south),
                "west": float(west),
                "north": float(south + cell),
                "east": float(west + cell),
                "count": row["n"],
            }
        )
    return {
        "cells": cells,
        "max": max((c["count"] for c in cells), default=0),
        "total": sum(c["count"] for c in cells),
        "days": days,
        "cell": float(cell),
    }
