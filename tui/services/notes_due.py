"""Notes due: every ended session still without a signed note, oldest first, overdue marked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..storage import queries
from ..domain import clock
from .reading import RecordReader


class NotesDue(RecordReader):
    def rows(self, now: datetime | None = None) -> list[dict[str, Any]]:
        cutoff = ((now or clock.now()) - clock.OVERDUE_AFTER).isoformat()
        return queries.notes_due(self.record, cutoff)
