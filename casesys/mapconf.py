"""The map's settings, read from the environment (settings.py builds `CASESYS_MAP` here).

Pure Python (no Django import), so settings.py can derive the Content-Security-Policy's
image source from the configured tile URL.

- `CASESYS_MAP_TILE_URL`: a Leaflet tile URL template (`{z}`, `{x}`, `{y}`, optionally `{s}`).
  Default: the national map service NLSC 臺灣通用電子地圖 (WMTS, GoogleMapsCompatible
  tiling). `none` (or `off`) turns the tile layer off: pins, coordinates, clusters and the
  density grid still work on a blank background (the tests run that way, offline).
- `CASESYS_MAP_ATTRIBUTION`: the text credited in the map's corner.
- `CASESYS_MAP_CENTER`: `lat,lng,zoom` where an empty map opens.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from casesys.env import env_str

DEFAULT_TILE_URL = "https://wmts.nlsc.gov.tw/wmts/EMAP/default/GoogleMapsCompatible/{z}/{y}/{x}"
DEFAULT_ATTRIBUTION = "© 內政部國土測繪中心 NLSC"
DEFAULT_CENTER = "25.0375,121.5637,12"  # 臺北市政府 (Taipei City Hall)
_OFF = {"none", "off", "false", "0", "-"}


def tile_url_from(value: str) -> str:
    """The tile URL template, or "" when the tile layer is turned off."""
    value = (value or "").strip()
    if value.lower() in _OFF:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"Environment variable CASESYS_MAP_TILE_URL={value!r} is not an http(s) URL template (or 'none')."
        )
    return value


def tile_origin(url: str) -> str:
    """The CSP source that allows the tiles of `url`: scheme and host (`{s}` subdomains → `*.`)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def center_from(value: str) -> tuple[float, float, int]:
    try:
        lat, lng, zoom = (p.strip() for p in value.split(","))
        result = float(lat), float(lng), int(zoom)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable CASESYS_MAP_CENTER={value!r} is not 'lat,lng,zoom' (e.g. {DEFAULT_CENTER})."
        ) from None
    if not (-90 <= result[0] <= 90 and -180 <= result[1] <= 180 and 0 <= result[2] <= 20):
        raise ImproperlyConfigured(f"Environment variable CASESYS_MAP_CENTER={value!r} is out of range.")
    return result


def map_settings() -> dict:
    tile_url = tile_url_from(env_str("CASESYS_MAP_TILE_URL", DEFAULT_TILE_URL))
    return {
        "TILE_URL": tile_url,
        "TILE_ORIGIN": tile_origin(tile_url),
        "ATTRIBUTION": env_str("CASESYS_MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        "CENTER": center_from(env_str("CASESYS_MAP_CENTER", DEFAULT_CENTER)),
    }
