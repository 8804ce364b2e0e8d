"""Transport interface and the channel → transport registry.

A transport delivers one `Notification` or raises `TransportError`, saying whether a retry
could help (`permanent=False`) or not (`permanent=True`). Channels are mapped to
transport classes by dotted path in `settings.CASESYS_TRANSPORTS`, so a new channel is a
new package plus one settings line, never an edit to this module.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Transport:
    channel: str = ""

    def send(self, notification) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def is_configured(self) -> bool:
        return True


@cache
def _transport_class(channel: str) -> type[Transport]:
    path = settings.CASESYS_TRANSPORTS.get(channel)
    if not path:
        raise TransportError(f"沒有 {channel} 通道 / No transport for channel {channel!r}", permanent=True)
    return import_string(path)


def get_transport(channel: str) -> Transport:
    return _transport_class(channel)()
