"""Address → coordinates, through a configurable geocoder (optional).

`settings.CASESYS_GEOCODER["CLASS"]` names a class by dotted path (env `CASESYS_GEOCODER`);
it is built with the endpoint (`URL`, env `CASESYS_GEOCODER_URL`) and the timeout in seconds
(`TIMEOUT`, env `CASESYS_GEOCODER_TIMEOUT`) and answers `geocode(address)` with a
`GeocodeResult` or None. Without one configured, `get_geocoder()` is None: staff and citizens
pin by hand and the pages show no "find the address" button.

`NominatimGeocoder` speaks the Nominatim search API (`/search?q=…&format=jsonv2`), which
self-hosted Nominatim servers and several national gazetteer proxies offer. An address is
personal data: it is sent to the configured endpoint only, and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from casesys.common.geo import in_taiwan


@dataclass(frozen=True)
class GeocodeResult:
    lat: float
    lng: float
    label: str = ""


class GeocoderError(Exception):
    """The geocoder could not be reached or answered nonsense (not: "no such address")."""


class Geocoder(Protocol):
    def geocode(self, address: str) -> GeocodeResult | None: ...


class NominatimGeocoder:
    """A Nominatim-compatible HTTP endpoint (`{base_url}/search`), first hit inside Taiwan."""

    def __init__(self, *, base_url: str, timeout: float = 5, transport: httpx.BaseTransport | None = None):
        if not base_url:
            raise ValueError("NominatimGeocoder needs CASESYS_GEOCODER_URL (the endpoint's base URL).")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.transport = transport

    def geocode(self, address: str) -> GeocodeResult | None:
        address = (address or "").strip()
        if not address:
            return None
        params = {"q": address, "format": "jsonv2", "limit": "5", "countrycodes": "tw", "accept-language": "zh-TW"}
        headers = {"User-Agent": f"casesys ({settings.CASESYS_NOTIFICATIONS['PUBLIC_BASE_URL']})"}
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport, headers=headers) as client:
                response = client.get(f"{self.base_url}/search", params=params)
                response.raise_for_status()
                hits = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            # The exception names the URL (with the address in its query): never re-raise it.
            raise GeocoderError(type(exc).__name__) from None
        if not isinstance(hits, list):
            raise GeocoderError("unexpected answer")
        for hit in hits:
            try:
                lat, lng = float(hit["lat"]), float(hit["lon"])
            except (KeyError, TypeError, ValueError):
                continue
            if in_taiwan(lat, lng):
                return GeocodeResult(lat=round(lat, 6), lng=round(lng, 6), label=str(hit.get("display_name") or "")[:200])
        return None


def get_geocoder() -> Geocoder | None:
    """The configured geocoder, or None (pinning by hand only)."""
    conf = settings.CASESYS_GEOCODER
    if not conf.get("CLASS"):
        return None
    cls = import_string(conf["CLASS"])
    return cls(base_url=conf.get("URL", ""), timeout=conf.get("TIMEOUT", 5))
