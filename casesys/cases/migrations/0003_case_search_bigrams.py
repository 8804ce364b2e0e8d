"""Chinese substring search: a bigram array per case with a GIN index (PostgreSQL only).

`pg_trgm` cannot index 2-character terms (most Chinese words), so every case carries
`search_bigrams`: the distinct, lower-cased, overlapping 2-character pieces of its number,
subject and description (no piece spans whitespace, so fields never run into each other).
A trigger keeps it current for every write path: ORM saves, `queryset.update`, raw SQL and
COPY bulk loads. The column is deliberately not a model field: the ORM never reads or
writes it; `casesys.cases.search` queries it. On SQLite nothing is created and search
falls back to `icontains`.
"""

from django.db import migrations

FORWARD_SQL = r"""
CREATE OR REPLACE FUNCTION casesys_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  -- Two regexp passes over fixed 2-character windows (even and odd offsets) yield every
  -- overlapping bigram in linear time; substr(t, i, 2) would be quadratic on UTF-8.
  SELECT coalesce(array_agg(DISTINCT b), '{}')
  FROM (SELECT regexp_replace(lower(t), '\s+', ' ', 'g') AS n) x
  CROSS JOIN LATERAL (
    SELECT m[1] AS b FROM regexp_matches(x.n, '..', 'g') m
    UNION ALL
    SELECT m[1] FROM regexp_matches(substr(x.n, 2), '..', 'g') m
  ) s
  WHERE strpos(b, ' ') = 0
$$;

CREATE OR REPLACE FUNCTION casesys_case_search_text(number text, subject text, description text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT concat_ws(E'\n', number, subject, description)
$$;

CREATE OR REPLACE FUNCTION casesys_case_bigrams_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_bigrams := casesys_bigrams(casesys_case_search_text(NEW.number, NEW.subject, NEW.description));
  RETURN NEW;
END $$;

ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_bigrams text[] NOT NULL DEFAULT '{}';
UPDATE cases_case SET search_bigrams = casesys_bigrams(casesys_case_search_text(number, subject, description));

CREATE TRIGGER case_search_bigrams_ins BEFORE INSERT ON cases_case
  FOR EACH ROW EXECUTE FUNCTION casesys_case_bigrams_trg();
-- Transitions rewrite whole rows; recompute only when the searched text really changed.
CREATE TRIGGER case_search_bigrams_upd BEFORE UPDATE ON cases_case
  FOR EACH ROW WHEN (
    OLD.number IS DISTINCT FROM NEW.number OR OLD.subject IS DISTINCT FROM NEW.subject
    OR OLD.description IS DISTINCT FROM NEW.description OR OLD.search_bigrams IS DISTINCT FROM NEW.search_bigrams
  ) EXECUTE FUNCTION casesys_case_bigrams_trg();

CREATE INDEX IF NOT EXISTS case_search_bigrams_gin ON cases_case USING gin (search_bigrams);
-- Finer statistics on the bigrams let the planner tell common terms (walk the newest-first
-- index and filter) from rare ones (GIN bitmap).
ALTER TABLE cases_case ALTER COLUMN search_bigrams SET STATISTICS 1000;
"""

BACKWARD_SQL = r"""
DROP TRIGGER IF EXISTS case_search_bigrams_ins ON cases_case;
DROP TRIGGER IF EXISTS case_search_bigrams_upd ON cases_case;
DROP INDEX IF EXISTS case_search_bigrams_gin;
ALTER TABLE cases_case DROP COLUMN IF EXISTS search_bigrams;
DROP FUNCTION IF EXISTS casesys_case_bigrams_trg();
DROP FUNCTION IF EXISTS casesys_case_search_text(text, text, text);
DROP FUNCTION IF EXISTS casesys_bigrams(text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_urgency_defaults")]
    operations = [migrations.RunPython(forwards, backwards)]
