"""Optimistic locking on a `version` column, for models whose every write goes through services."""

from __future__ import annotations

from django_fsm import ConcurrentTransition


class VersionLocked:
    """Every UPDATE also matches the `version` this instance read, so a write (a self-loop
    transition such as a reassignment too) loses cleanly to a concurrent writer instead of
    overwriting it. Mixed into a model with a `version` field, before `models.Model`."""

    version_conflict = "Row changed since it was read (version mismatch)."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded_version = self.version

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, *args, **kwargs):
        if self._loaded_version is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update, *args, **kwargs)
        updated = super()._do_update(
            base_qs.filter(version=self._loaded_version), using, pk_val, values, update_fields, forced_update, *args, **kwargs
        )
        if not updated and base_qs.filter(pk=pk_val).using(using).exists():
            raise ConcurrentTransition(self.version_conflict)
        return updated

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._loaded_version = self.version

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded_version = self.version
