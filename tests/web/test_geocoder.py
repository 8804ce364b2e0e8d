"""The optional geocoder, against a local fake Nominatim-compatible server (no internet)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from casesys.common.geocoding import GeocoderError, GeocodeResult, NominatimGeocoder, get_geocoder

NOMINATIM = "casesys.common.geocoding.NominatimGeocoder"
CITY_HALL = {"lat": "25.0375198", "lon": "121.5636796", "display_name": "臺北市政府, 市府路, 信義區, 臺北市"}
TOKYO = {"lat": "35.6895", "lon": "139.6917", "display_name": "東京都庁"}


class FakeNominatim(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        FakeNominatim.requests.append({"path": parts.path, "query": query, "ua": self.headers.get("User-Agent", "")})
        q = query.get("q", "")
        if q == "slow":
            time.sleep(2)
        if q == "broken":
            self.send_response(500)
            self.end_headers()
            return
        body: object = []
        if "市府路" in q:
            body = [CITY_HALL]
        elif q == "tokyo first":
            body = [TOKYO, CITY_HALL]
        elif q == "tokyo only":
            body = [TOKYO]
        elif q == "garbage":
            body = {"not": "a list"}
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):  # keep the test output (and any address) quiet
        pass


@pytest.fixture
def fake_server():
    FakeNominatim.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def configured(settings, fake_server):
    settings.CASESYS_GEOCODER = {"CLASS": NOMINATIM, "URL": fake_server + "/", "TIMEOUT": 1}
    return fake_server


def test_finds_an_address(fake_server):
    found = NominatimGeocoder(base_url=fake_server, timeout=2).geocode("臺北市信義區市府路1號")
    assert found == GeocodeResult(lat=25.03752, lng=121.56368, label=CITY_HALL["display_name"])
    [req] = FakeNominatim.requests
    assert req["path"] == "/search"
    assert req["query"]["q"] == "臺北市信義區市府路1號"
    assert req["query"]["format"] == "jsonv2" and req["query"]["countrycodes"] == "tw"
    assert req["ua"].startswith("casesys (")


def test_skips_hits_outside_taiwan_and_answers_none_when_nothing_fits(fake_server):
    geocoder = NominatimGeocoder(base_url=fake_server, timeout=2)
    assert geocoder.geocode("tokyo first").lat == 25.03752
    assert geocoder.geocode("tokyo only") is None
    assert geocoder.geocode("no such place") is None
    assert geocoder.geocode("   ") is None and len(FakeNominatim.requests) == 3  # blank: not even asked


@pytest.mark.parametrize("query", ["broken", "garbage", "slow"])
def test_failures_raise_without_the_address(fake_server, query):
    with pytest.raises(GeocoderError) as exc:
        NominatimGeocoder(base_url=fake_server, timeout=1).geocode(query)
    assert query not in str(exc.value) and fake_server not in str(exc.value)


def test_unreachable_endpoint_is_a_geocoder_error():
    with pytest.raises(GeocoderError):
        NominatimGeocoder(base_url="http://127.0.0.1:9", timeout=1).geocode("市府路1號")


def test_configured_by_dotted_path(settings, configured):
    geocoder = get_geocoder()
    assert isinstance(geocoder, NominatimGeocoder) and geocoder.timeout == 1
    settings.CASESYS_GEOCODER = {"CLASS": "", "URL": "", "TIMEOUT": 5}
    assert get_geocoder() is None


@pytest.mark.django_db
def test_lookup_endpoint_and_button_only_with_a_geocoder(settings, configured, org):
    c = Client()
    resp = c.get("/map/geocode/", {"q": "臺北市信義區市府路1號"})
    assert resp.status_code == 200 and resp.json() == {"lat": 25.03752, "lng": 121.56368, "label": CITY_HALL["display_name"]}
    assert c.get("/map/geocode/", {"q": "no such place"}).status_code == 404
    assert c.get("/map/geocode/", {"q": "broken"}).status_code == 502
    assert c.get("/map/geocode/", {"q": ""}).status_code == 400
    # The mailbox's map offers the button (map.js adds it when geocodeUrl is set).
    html = c.get("/mailbox/").content.decode()
    assert '"geocodeUrl": "/map/geocode/"' in html

    settings.CASESYS_GEOCODER = {"CLASS": "", "URL": "", "TIMEOUT": 5}
    assert c.get("/map/geocode/", {"q": "臺北市信義區市府路1號"}).status_code == 404
    assert '"geocodeUrl": ""' in c.get("/mailbox/").content.decode()


@pytest.mark.django_db
def test_lookups_are_rate_limited_per_client(settings, configured):
    settings.CASESYS = {**settings.CASESYS, "GEOCODE_PER_HOUR": 2}
    c = Client()
    for _ in range(2):
        assert c.get("/map/geocode/", {"q": "市府路1號"}).status_code == 200
    resp = c.get("/map/geocode/", {"q": "市府路1號"})
    assert resp.status_code == 429 and int(resp["Retry-After"]) > 0
    assert len(FakeNominatim.requests) == 2
