"""Where a pin may be: the bounding box of Taiwan's jurisdiction.

Main island, Penghu, Green Island and Orchid Island, Kinmen and Matsu (Pratas and the
Spratlys lie outside: a city's petitions never point there). A pin outside the box is a
slip of the mouse or swapped coordinates, refused with a clear form error.
"""

from __future__ import annotations

from decimal import Decimal

# (south, north, west, east) in degrees (WGS 84).
TAIWAN_BOUNDS = (21.7, 26.5, 118.0, 122.2)

OUTSIDE_TAIWAN = "座標不在臺灣範圍內（緯度 21.7–26.5、經度 118.0–122.2）/ The coordinates are not in Taiwan (latitude 21.7–26.5, longitude 118.0–122.2)."
BOTH_NEEDED = "請同時填寫緯度與經度 / Enter both latitude and longitude."


def in_taiwan(lat: float | Decimal, lng: float | Decimal) -> bool:
    south, north, west, east = TAIWAN_BOUNDS
    return south <= float(lat) <= north and west <= float(lng) <= east
