"""SMS gateways behind one interface: a second gateway is one more `Provider` class.

A provider sends one text to one mobile number with the outbox row's idempotency key, reads
the account balance, and reads the gateway's callbacks (delivery reports and citizens'
replies) from the request parameters. `settings.SMS_PROVIDER` names the one in use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

PROVIDERS = {"mitake": "integrations.sms.providers.mitake.MitakeProvider"}


class ProviderError(Exception):
    """The gateway refused or could not be reached. `permanent`: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False, code: str = ""):
        super().__init__(message)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class SendResult:
    message_id: str
    # The gateway had already accepted this idempotency key: nothing was sent twice.
    duplicate: bool = False
    balance: int | None = None


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    status: str
    # True delivered, False undeliverable (final), None not final yet (e.g. at the carrier).
    delivered: bool | None
    detail: str = ""


@dataclass(frozen=True)
class Reply:
    """A citizen's SMS to the agency's number (mobile originated)."""

    message_id: str
    sender: str
    text: str


class Provider:
    name: str = ""

    def is_configured(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def send(self, *, to: str, text: str, client_id: str, callback_url: str = "") -> SendResult:  # pragma: no cover
        """Send or raise `ProviderError`. `client_id` makes a repeated send a no-op at the gateway."""
        raise NotImplementedError

    def balance(self) -> int:  # pragma: no cover - interface
        """Messages (points) left on the account; raises `ProviderError`."""
        raise NotImplementedError

    def parse_report(self, params: Mapping[str, str]) -> DeliveryReport | None:  # pragma: no cover
        raise NotImplementedError

    def parse_reply(self, params: Mapping[str, str]) -> Reply | None:  # pragma: no cover
        raise NotImplementedError

    def callback_answer(self, report: DeliveryReport | None) -> str:
        """The body the gateway expects back from a callback."""
        return "OK"


def get_provider() -> Provider:
    path = PROVIDERS.get(settings.SMS_PROVIDER, settings.SMS_PROVIDER)
    return import_string(path)()
