"""What every chat channel's outbox transport checks before it sends a notification."""

from __future__ import annotations

from casesys.notifications.transports import Transport, TransportError


class ChatTransport(Transport):
    """An outbox transport that pushes text to a chat id (a user's or a group's)."""

    label = ""  # the channel's name in error messages

    def addressed(self, notification) -> tuple[str, str]:
        """(chat id, text) of the notification; a permanent error when either is missing or
        the connector is switched off (retrying cannot help)."""
        if not self.is_configured():
            raise TransportError(f"{self.label} 連接器未設定 / {self.label} connector not configured", permanent=True)
        to = (notification.recipient_address or "").strip()
        if not to:
            raise TransportError(f"缺少 {self.label} 收件者 ID / No {self.label} recipient id", permanent=True)
        text = notification.body or notification.subject
        if not (text or "").strip():
            raise TransportError("通知內容為空 / Empty notification", permanent=True)
        return to, text
