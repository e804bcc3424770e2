"""The ``Archive``: the recorder's parts composed into one object."""

from __future__ import annotations

from archive.recorder.queries import QueriesMixin
from archive.recorder.record import RecordMixin
from archive.recorder.runs import RunsMixin


class Archive(RecordMixin, RunsMixin, QueriesMixin):
    """Catalog + object store, with the change rules."""
