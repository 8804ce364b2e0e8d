"""A stand-in mail relay for the worker-crash test (EMAIL_BACKEND in the worker's env).

Each accepted message is appended, with its Message-ID (the notification key), to the
file named by CASESYS_TEST_RELAY_LOG and fsynced before `send_messages` returns, like a
relay that has taken responsibility for it. CASESYS_TEST_RELAY_DELAY seconds of "network"
per message make a batch long enough to kill a worker in the middle of it.
"""

from __future__ import annotations

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class RelayEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        path = os.environ["CASESYS_TEST_RELAY_LOG"]
        delay = float(os.environ.get("CASESYS_TEST_RELAY_DELAY", "0"))
        for message in email_messages:
            time.sleep(delay)
            line = json.dumps({"message_id": message.extra_headers.get("Message-ID", ""), "to": message.to, "pid": os.getpid()})
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        return len(email_messages)


def accepted(path: str) -> list[str]:
    """Message-IDs in the order the relay accepted them (one per delivery attempt)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line)["message_id"] for line in fh if line.strip()]
    except FileNotFoundError:
        return []
