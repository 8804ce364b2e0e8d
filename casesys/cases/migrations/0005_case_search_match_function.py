"""Recheck function for multi-bigram searches (PostgreSQL only).

The planner estimates `search_bigrams @> {a,b,c}` as if the bigrams were independent and
an ILIKE on free text as very selective; both are wrong for Chinese phrases (路燈不亮: 3
correlated bigrams), and a tiny estimate led it to nested-loop joins over thousands of rows
(0.6–0.9 s at 1,000,000 cases). `casesys.cases.search` therefore gives the index only the
rarest bigram (estimated from the column's statistics) and does the rest — all bigrams, then
the exact ILIKE — in this PL/pgSQL function, which the planner neither inlines nor
mis-estimates (a function's default selectivity).
"""

from django.db import migrations

FORWARD_SQL = r"""
CREATE OR REPLACE FUNCTION casesys_case_matches(
  bigrams text[], number text, subject text, description text, wanted text[], pattern text
) RETURNS boolean LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 5 AS $$
BEGIN
  RETURN bigrams @> wanted AND (subject ILIKE pattern OR description ILIKE pattern OR number ILIKE pattern);
END $$;
"""

BACKWARD_SQL = "DROP FUNCTION IF EXISTS casesys_case_matches(text[], text, text, text, text[], text);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_assignee_due_index")]
    operations = [migrations.RunPython(forwards, backwards)]
