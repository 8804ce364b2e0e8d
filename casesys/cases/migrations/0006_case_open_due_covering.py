"""Covering index for the overdue report's grouping query (open cases past their deadline).

`overdue_report` groups open overdue cases by department and officer. Through the partial
index `case_open_due` PostgreSQL still fetched every such case from the heap (16,499 rows,
15,000 buffers, 36 ms at 1,000,000 cases). With the grouped columns included, the same
query is an index-only scan. PostgreSQL only (INCLUDE); deliberately not in the model's
Meta (see 0003).
"""

from django.db import migrations

OPEN = "('received', 'dispatched', 'in_progress', 'pending_approval')"
FORWARD_SQL = (
    "CREATE INDEX IF NOT EXISTS case_open_due_cover ON cases_case (due_at) "
    f"INCLUDE (department_id, assignee_id, id, state) WHERE state IN {OPEN}"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_open_due_cover")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_case_search_match_function")]
    operations = [migrations.RunPython(forwards, backwards)]
