"""Who the client is: the one place that decides a request's client address.

Every abuse limit (status lookups, the mailbox, staff log-ins, Open311 keys) and the access
log ask `client_ip` / `client_key`, so they all agree and none can be steered by a header the
client chose.

* Without trusted proxies (the default) the client is ``REMOTE_ADDR``; ``X-Forwarded-For``
  is ignored, since anybody can send one.
* ``CASESYS_TRUSTED_PROXIES`` (CIDRs): when ``REMOTE_ADDR`` is one of them, ``X-Forwarded-For``
  is read from the right, skipping the trusted proxies' own addresses; the first address that
  is not a trusted proxy is the client. Entries to its left were written by the client and are
  never used. A request that did not come from a trusted proxy is taken at ``REMOTE_ADDR``.
* ``CASESYS_TRUSTED_PROXY_COUNT`` (N, instead of CIDRs, only when the application cannot be
  reached except through its N proxies): the N-th ``X-Forwarded-For`` entry from the right.

django-ipware was tried and does not fit (README, "Dependencies and why"): it reads the client
from forwarding headers whatever the direct peer is, and its trusted-proxy list describes hops
*inside* ``X-Forwarded-For`` in order, not the set of proxies in front of the application.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "CASESYS_TRUSTED_PROXIES", ()) or ()))


def _parse(text: str) -> Address | None:
    """An address as proxies write it: bare, ``[v6]``, ``[v6]:port`` or ``v4:port``."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    # Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; one client, one spelling.
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _is_trusted(addr: Address, proxies: tuple[Network, ...]) -> bool:
    return any(addr.version == net.version and addr in net for net in proxies)


def client_address(request) -> Address | None:
    meta = getattr(request, "META", None) or {}
    remote = _parse(str(meta.get("REMOTE_ADDR") or ""))
    if remote is None:
        return None
    forwarded = [h for h in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    count = int(getattr(settings, "CASESYS_TRUSTED_PROXY_COUNT", 0) or 0)
    if count:
        if len(forwarded) < count:
            return remote
        return _parse(forwarded[-count]) or remote
    proxies = trusted_proxies()
    if not proxies or not _is_trusted(remote, proxies):
        return remote
    client = remote
    for hop in reversed(forwarded):
        addr = _parse(hop)
        if addr is None:
            # Garbage to the left of a trusted hop: that hop is the last address we can vouch for.
            return client
        client = addr
        if not _is_trusted(addr, proxies):
            return addr
    # Every hop is a trusted proxy (an internal health check, say): the left-most of them.
    return client


def client_ip(request) -> str:
    """The client's address as text (for the access log and the log-in lockouts)."""
    addr = client_address(request)
    return str(addr) if addr is not None else UNKNOWN


def client_key(request) -> str:
    """The bucket a request falls in for the abuse limits: the client address, with an IPv6
    client taken as its /64, since one household gets a whole /64 and can pick any address in it."""
    addr = client_address(request)
    if addr is None:
        return UNKNOWN
    if isinstance(addr, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((addr, 64), strict=False))
    return str(addr)
