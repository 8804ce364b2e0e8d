"""Shared webhook plumbing: signature checks, store-then-enqueue, processing and the sweep."""
