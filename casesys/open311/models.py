"""Partner applications allowed to POST service requests, and GeoReport request tokens.

API keys are random (256 bits) and only their SHA-256 is stored: a key is shown once,
when issued, and a leaked database does not leak usable keys. A plain hash (no work
factor) is enough because the keys are random, not chosen by people, and it lets a key be
found with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "o311_"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class PartnerApp(models.Model):
    name = models.CharField(_("應用程式名稱 / application name"), max_length=200)
    organisation = models.CharField(_("開發單位 / organisation"), max_length=200, blank=True)
    contact_email = models.EmailField(_("聯絡信箱 / contact e-mail"), blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # First characters of the key, so administrators can tell keys apart without storing them.
    key_hint = models.CharField(_("金鑰開頭 / key starts with"), max_length=16, editable=False)
    active = models.BooleanField(_("啟用 / active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最後使用 / last used"), null=True, blank=True, editable=False)
    requests_created = models.PositiveIntegerField(_("建立案件數 / requests created"), default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 合作應用程式 / Open311 partner application")
        verbose_name_plural = _("Open311 合作應用程式 / Open311 partner applications")

    def __str__(self) -> str:
        return self.name

    def set_new_key(self) -> str:
        """Give the app a fresh key (replacing any old one); returns the key to show once."""
        key = generate_api_key()
        self.key_hash = hash_api_key(key)
        self.key_hint = key[: len(KEY_PREFIX) + 6]
        return key


class RequestToken(models.Model):
    """GeoReport `tokens/{token}`: maps the token returned by a POST to the case number."""

    token = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="open311_tokens")
    partner = models.ForeignKey(PartnerApp, null=True, on_delete=models.SET_NULL, related_name="tokens")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 token")

    def __str__(self) -> str:
        return self.token
