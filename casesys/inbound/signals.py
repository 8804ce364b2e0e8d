"""Signals of the inbound app: other apps react to new leads without inbound knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `lead_record` inside its caller's transaction when a lead is created, with
# `lead`. Receivers that start work elsewhere do so on commit (casesys.social: the alert check).
lead_recorded = Signal()
