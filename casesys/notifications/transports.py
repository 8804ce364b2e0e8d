"""Transport interface and the channel → transport registry.

A transport delivers one `Notification` or raises `TransportError`, saying whether a retry
could help (`permanent=False`) or not (`permanent=True`). Channels are mapped to
transport classes by the channel registry (`settings.CASESYS_CHANNELS`, read through
`casesys.common.channels`), so a new channel is a new package plus one settings entry,
never an edit to this module.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from casesys.common.channels import transport_path


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Transport:
    channel: str = ""

    def send(self, notification) -> str | None:  # pragma: no cover - interface
        """Deliver, or raise `TransportError`. May return the channel's id for the message
        (kept as `Notification.external_id` for a later delivery report)."""
        raise NotImplementedError

    def is_configured(self) -> bool:
        return True


def _transport_class(channel: str) -> type[Transport]:
    path = transport_path(channel)
    if not path:
        raise TransportError(f"沒有 {channel} 通道 / No transport for channel {channel!r}", permanent=True)
    return import_string(path)


def get_transport(channel: str) -> Transport:
    return _transport_class(channel)()
