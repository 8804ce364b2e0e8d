"""Query lookups the ORM lacks."""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


@models.IntegerField.register_lookup
class AnyOfSubquery(Lookup):
    """``pk__any_of=<queryset of one column>``: on PostgreSQL ``col = ANY(ARRAY(subquery))``.

    Inside an OR (a case scope: own department OR assigned OR co-handled), ``IN (subquery)``
    becomes a hashed subplan evaluated as a filter on every candidate row, so the planner can
    no longer answer the OR with indexes; ``= ANY(ARRAY(…))`` runs the subquery once as an
    init plan and stays an index condition. Elsewhere (SQLite for `make run`) a plain IN."""

    lookup_name = "any_of"

    def _sides(self, compiler, connection):
        if hasattr(self.rhs, "clear_ordering"):
            # As IN does: a subquery's ordering (a model's default) only costs a join and a sort.
            self.rhs.clear_ordering(force=True)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        return lhs, rhs, [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} IN {rhs}", params

    def as_postgresql(self, compiler, connection):
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", params


# A foreign key's id column too (a case's department among a unit's subtree).
models.ForeignKey.register_lookup(AnyOfSubquery)
