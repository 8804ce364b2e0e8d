"""HTTP for feeds: a conditional GET (If-None-Match / If-Modified-Since) with a timeout."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FetchResult:
    status: int  # 200 or 304
    body: bytes
    etag: str
    last_modified: str


class FetchError(Exception):
    pass


def fetch(url: str, *, etag: str = "", last_modified: str = "", timeout: float | None = None) -> FetchResult:
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"只接受 http(s) / Only http(s) feeds: {url}")
    headers = {
        "User-Agent": getattr(settings, "FEEDS_USER_AGENT", "casesys-feeds/1.0 (+social listening)"),
        "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    timeout = timeout if timeout is not None else getattr(settings, "FEEDS_TIMEOUT_SECONDS", 15)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            body = response.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FetchError("回應過大 / Feed larger than 5 MB")
            return FetchResult(
                status=response.status,
                body=body,
                etag=response.headers.get("ETag", "") or "",
                last_modified=response.headers.get("Last-Modified", "") or "",
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(status=304, body=b"", etag=etag, last_modified=last_modified)
        raise FetchError(f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"連線失敗 / Connection failed: {reason}") from None
