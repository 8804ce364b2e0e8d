"""casesys/notifications/services.py is the only code that writes the notification outbox.

Every rule of the outbox (dedupe keys, office hours, priority, the claim lease, scrubbing the
case password) lives there; a row written elsewhere skips them. This test reads the source
tree and fails on any other writer.
"""

from __future__ import annotations

import ast
from pathlib import Path

from casesys.notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]
TREES = ("casesys", "integrations", "workers")
THE_WRITER = Path("casesys/notifications/services.py")
WRITE_METHODS = {"create", "bulk_create", "update", "bulk_update", "get_or_create", "update_or_create", "delete"}
# Names a Notification row or queryset goes by in the code (`notification.save()`, `user.notifications.update()`).
ROW_NAMES = {"notification", "notifications", "notif"}


def _chain(node: ast.AST) -> list[str]:
    """`Notification.objects.filter(x).update` → ["Notification", "objects", "filter", "update"]."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def outbox_writes(source: str) -> list[tuple[int, str]]:
    found = []
    table = Notification._meta.db_table
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and table in node.value:
            found.append((node.lineno, f"SQL on {table}"))
        if isinstance(node, ast.Attribute) and node.attr == "db_table" and _chain(node)[:2] == ["Notification", "_meta"]:
            found.append((node.lineno, "SQL on Notification._meta.db_table"))
        if not isinstance(node, ast.Call):
            continue
        chain = _chain(node.func)
        if chain[-1:] == ["notification_enqueue"] and any(k.arg == "recipient_user" for k in node.keywords):
            # Staff messages share one path (office hours, e-mail copy): notify_staff or its bulk variant.
            found.append((node.lineno, "staff message not through notify_staff"))
        if chain == ["Notification"]:
            found.append((node.lineno, "Notification(…)"))
        elif chain and chain[-1] in WRITE_METHODS | {"save"} and any(
            name == "Notification" or name in ROW_NAMES for name in chain[:-1]
        ):
            if chain[-1] == "delete" and chain[0] != "Notification":
                continue  # deleting a user's or case's related rows is the database's cascade
            found.append((node.lineno, ".".join(chain)))
    return found


def test_the_guard_catches_the_usual_ways_of_writing_a_row():
    source = (
        "Notification.objects.create(template='x')\n"
        "Notification.objects.filter(pk=1).update(status='sent')\n"
        "Notification.objects.bulk_create([Notification(template='x')])\n"
        "notification.save(update_fields=['status'])\n"
        "user.notifications.update(read_at=now)\n"
        "cursor.execute('INSERT INTO notifications_notification VALUES (1)')\n"
        "sql = f'INSERT INTO {quote(Notification._meta.db_table)}'\n"
        "notification_enqueue(channel='inapp', template='x', recipient_user=user)\n"
        "Notification.objects.filter(status='failed').count()\n"
        "notification_enqueue(channel='line', template='x', recipient_address='U1')\n"
    )
    assert sorted(line for line, _ in outbox_writes(source)) == [1, 2, 3, 3, 4, 5, 6, 7, 8]


def test_only_the_notification_services_write_the_outbox_and_staff_messages_take_one_path():
    offenders = []
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative == THE_WRITER or "migrations" in relative.parts:
                continue
            for line, what in outbox_writes(path.read_text(encoding="utf-8")):
                offenders.append(f"{relative}:{line}: {what}")
    assert offenders == [], "write Notification rows through casesys/notifications/services.py:\n" + "\n".join(offenders)
