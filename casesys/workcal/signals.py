"""Signals the calendar sends so the apps above it can react without the calendar importing them.

`calendar_day_changed` is sent inside the transaction that changed the calendar, so a
receiver that moves deadlines commits or rolls back with the calendar change.
"""

from __future__ import annotations

import datetime as dt

from django.dispatch import Signal

# kwargs: day (date whose working-day status or note changed), reason (str, shown in the
# audit trail). A receiver returns how many cases it moved (an int); senders sum them.
calendar_day_changed = Signal()


def announce_day_changed(*, day: dt.date, reason: str) -> int:
    """Tell the receivers `day` changed; returns the number of cases they report moved."""
    results = calendar_day_changed.send(sender=None, day=day, reason=reason)
    return sum(moved for _receiver, moved in results if isinstance(moved, int))
