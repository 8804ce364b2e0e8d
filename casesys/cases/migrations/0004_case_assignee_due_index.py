"""Index for the officer's list ordered by deadline over *all* of their cases.

`GET /api/v1/cases/?assignee=me&ordering=due_at` has no state filter, so the partial
index `case_open_assignee_due` (open cases only) cannot serve it: PostgreSQL read and
sorted every case the officer ever had (about 12,000 at 1,000,000 cases). With
(assignee_id, due_at) the first page is an index range scan of 51 entries. Plain SQL that
SQLite and PostgreSQL both accept; deliberately not in the model's Meta (see 0003).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_search_bigrams")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS case_assignee_due ON cases_case (assignee_id, due_at)",
            "DROP INDEX IF EXISTS case_assignee_due",
        )
    ]
