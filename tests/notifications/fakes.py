"""An in-process transport whose outcomes a test scripts."""

from __future__ import annotations

from casesys.notifications.transports import Transport, TransportError


class ScriptedTransport(Transport):
    channel = "fake"
    # Each entry: None (deliver), "temp" (temporary error) or "perm" (permanent error).
    script: list[str | None] = []
    delivered: list[tuple[str, str]] = []
    calls: int = 0

    def send(self, notification) -> None:
        cls = type(self)
        cls.calls += 1
        outcome = cls.script.pop(0) if cls.script else None
        if outcome == "temp":
            raise TransportError("503 Service Unavailable", permanent=False)
        if outcome == "perm":
            raise TransportError("400 invalid recipient", permanent=True)
        cls.delivered.append((str(notification.key), notification.body))
