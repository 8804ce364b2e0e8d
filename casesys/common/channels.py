"""The channel registry: what the core knows about channels it does not implement.

The core implements two delivery channels (e-mail, in-app) and the intake channels that
need no connector (web mailbox, 1999 phone, letter, walk-in, e-mail, Open311, transfer).
Every other channel (LINE, Telegram, Facebook, news feeds, SMS, …) is a package under
`integrations/` described by one entry of `settings.CASESYS_CHANNELS`:

    "sms": {
        "label": "簡訊 / SMS",
        "transport": "integrations.sms.transport.SmsTransport",  # delivers Notification rows
        "processor": "integrations.sms.handlers.handle_event",   # processes InboundEvent rows
        "intake": False,        # cases may come in through it (a Case.channel value)
        "chat": False,          # conversational: 1:1 chats open cases, groups give leads
        "lead_source": False,   # its posts/messages become leads (輿情)
        "mask": "phone",        # how its addresses are masked: id | phone | email | dotted path
        "route": "fallback",    # citizen notices: "" never | origin | fallback (see below)
        "kinds": ["ack", …],    # with a route: only these notice templates (empty: all)
        "address_from": "phone",  # derive the address from the petitioner's phone …
        "address": "integrations.sms.addresses.normalise",  # … through this (raw → "" if unusable)
        "urls": "integrations.sms.urls",  # mounted at integrations/sms/ (gateway callbacks)
        "triage_hours": 2,      # lead sources: office hours to first triage (default
                                # CASESYS_OPINION["TRIAGE_OFFICE_HOURS"], 4)
    }

Routing a notice to a citizen (`casesys.notifications.services.citizen_route`) asks the
petitioner's contact addresses (`cases.ContactAddress`) and these policies: an **origin**
channel answers the cases that came in through it, at the address they came from; e-mail
comes next; a **fallback** channel carries what is left (an SMS to a 1999 caller who left
only a phone number). Nothing here imports a connector until it is used. A channel may also
name a `demo` hook, `seed(*, users, categories, now) -> str`, that `manage.py seed_demo` calls
for its demo data (a chat group, a feed and their leads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

ROUTES = ("", "origin", "fallback")
MASKS = ("id", "phone", "email")


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    label: Any
    transport: str = ""
    processor: str = ""
    intake: bool = False
    chat: bool = False
    lead_source: bool = False
    mask: str = "id"
    route: str = ""
    kinds: tuple[str, ...] = ()
    address_from: str = ""
    address: str = ""
    urls: str = ""  # dotted URLconf mounted at integrations/<name>/ (webhooks, callbacks)
    demo: str = ""  # dotted path of `seed(*, users, categories, now) -> str`: its demo data (seed_demo)
    # Lead sources: office hours a lead has until its first triage (None: the default,
    # CASESYS_OPINION["TRIAGE_OFFICE_HOURS"]).
    triage_hours: float | None = None

    def routes(self, template: str) -> bool:
        """Whether a citizen notice made from `template` may travel on this channel."""
        if not self.route:
            return False
        return not self.kinds or template in self.kinds or template.split(".")[0] in self.kinds


# Delivery channels the core implements itself.
BUILTIN_TRANSPORTS = {
    "email": "casesys.notifications.transports_builtin.EmailTransport",
    "inapp": "casesys.notifications.transports_builtin.InAppTransport",
}
BUILTIN_NOTIFICATION_LABELS = {"email": _("電子郵件 / E-mail"), "inapp": _("站內通知 / In-app")}
_FIELDS = set(ChannelSpec.__dataclass_fields__) - {"name"}


def _spec(name: str, raw: dict[str, Any]) -> ChannelSpec:
    unknown = set(raw) - _FIELDS
    if unknown:
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: unknown keys {sorted(unknown)}")
    if name in BUILTIN_TRANSPORTS and raw.get("transport"):
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: {name} is a built-in channel")
    spec = ChannelSpec(name=name, **{"label": name, **raw, "kinds": tuple(raw.get("kinds") or ())})
    if spec.route not in ROUTES:
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: route must be one of {ROUTES}")
    if spec.route and not spec.transport:
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: a channel that routes notices needs a transport")
    if spec.address_from not in ("", "phone", "email"):
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: address_from must be phone or email")
    if spec.address_from and not spec.address:
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: address_from needs an address normaliser")
    if spec.triage_hours is not None and (
        isinstance(spec.triage_hours, bool) or not isinstance(spec.triage_hours, int | float) or spec.triage_hours <= 0
    ):
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: triage_hours must be a positive number of office hours")
    if len(name) > 10:
        # Notification.channel is 10 characters wide.
        raise ImproperlyConfigured(f"CASESYS_CHANNELS[{name!r}]: channel names have at most 10 characters")
    return spec


@cache
def registry() -> dict[str, ChannelSpec]:
    raw = getattr(settings, "CASESYS_CHANNELS", {}) or {}
    return {name: _spec(name, conf) for name, conf in raw.items()}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "CASESYS_CHANNELS":
        registry.cache_clear()
        _import.cache_clear()


def get(name: str) -> ChannelSpec | None:
    return registry().get(name)


@cache
def _import(path: str) -> Any:
    return import_string(path)


def transport_path(channel: str) -> str:
    spec = get(channel)
    return BUILTIN_TRANSPORTS.get(channel) or (spec.transport if spec else "")


def processor_paths() -> dict[str, str]:
    """provider → dotted path of `handler(event) -> Outcome` for stored inbound events."""
    return {s.name: s.processor for s in registry().values() if s.processor}


def demo_seeders() -> dict[str, str]:
    """channel → dotted path of its demo-data hook (`manage.py seed_demo` calls each)."""
    return {s.name: s.demo for s in registry().values() if s.demo}


def channel_urlconfs() -> dict[str, str]:
    return {s.name: s.urls for s in registry().values() if s.urls}


def chat_channels() -> list[str]:
    return [s.name for s in registry().values() if s.chat]


def lead_source_choices() -> list[tuple[str, Any]]:
    return [(s.name, s.label) for s in registry().values() if s.lead_source]


def intake_choices() -> list[tuple[str, Any]]:
    return [(s.name, s.label) for s in registry().values() if s.intake]


def notification_choices() -> list[tuple[str, Any]]:
    return [
        *BUILTIN_NOTIFICATION_LABELS.items(),
        *((s.name, s.label) for s in registry().values() if s.transport),
    ]


def contact_channels() -> list[ChannelSpec]:
    """Channels whose addresses a petitioner may have (kept in `cases.ContactAddress`)."""
    return [s for s in registry().values() if s.transport or s.chat]


def derived_address(spec: ChannelSpec, *, phone: str, email: str) -> str:
    """The address a channel derives from the petitioner's phone or e-mail ("" if none)."""
    raw = {"phone": phone, "email": email}.get(spec.address_from, "")
    if not raw:
        return ""
    normalise: Callable[[str], str] = _import(spec.address)
    return normalise(raw) or ""


def masker(channel: str) -> Callable[[str], str]:
    spec = get(channel)
    kind = spec.mask if spec else "id"
    if kind in MASKS:
        from casesys.cases import identity

        return {"id": identity.mask_id, "phone": identity.mask_phone, "email": identity.mask_email}[kind]
    return _import(kind)


def label(channel: str) -> Any:
    spec = get(channel)
    return spec.label if spec else BUILTIN_NOTIFICATION_LABELS.get(channel, channel)


def check() -> list[str]:
    """Configuration problems, for the system check (`manage.py check`, startup)."""
    problems: list[str] = []
    try:
        specs = registry()
    except ImproperlyConfigured as exc:
        return [str(exc)]
    for spec in specs.values():
        for attr in ("transport", "processor", "address", "urls", "demo"):
            path = getattr(spec, attr)
            if path:
                try:
                    import_string(path)
                except ImportError as exc:
                    problems.append(f"CASESYS_CHANNELS[{spec.name!r}].{attr}: cannot import {path}: {exc}")
        if spec.mask not in MASKS:
            try:
                import_string(spec.mask)
            except ImportError as exc:
                problems.append(f"CASESYS_CHANNELS[{spec.name!r}].mask: cannot import {spec.mask}: {exc}")
    return problems
