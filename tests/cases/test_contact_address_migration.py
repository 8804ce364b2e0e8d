"""The chat ids kept on Petitioner until issue 15 move into ContactAddress rows, none lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("cases", "0007_case_accounting")]
AFTER = [("cases", "0008_contact_addresses")]


@pytest.mark.django_db(transaction=True)
def test_chat_ids_move_into_contact_addresses_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Petitioner = old.get_model("cases", "Petitioner")
    line = Petitioner.objects.create(name="林小姐", line_user_id="U" + "a" * 32)
    both = Petitioner.objects.create(name="陳先生", line_user_id="U" + "b" * 32, telegram_chat_id="123456")
    plain = Petitioner.objects.create(name="王先生", phone="0912345678")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ContactAddress = new.get_model("cases", "ContactAddress")
    rows = sorted(ContactAddress.objects.values_list("petitioner_id", "channel", "address", "verified"))
    assert rows == [
        (line.pk, "line", "U" + "a" * 32, True),
        (both.pk, "line", "U" + "b" * 32, True),
        (both.pk, "telegram", "123456", True),
    ]
    assert not ContactAddress.objects.filter(petitioner_id=plain.pk).exists()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("cases", "Petitioner")
    assert back.objects.get(pk=both.pk).telegram_chat_id == "123456"
    assert back.objects.get(pk=line.pk).line_user_id == "U" + "a" * 32

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
