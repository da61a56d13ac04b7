"""Notes due: every ended session still without a signed note, oldest first, overdue marked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..storage import queries
from .caseload import OVERDUE_AFTER, _now
from .reading import RecordReader


class NotesDue(RecordReader):
    def rows(self, now: datetime | None = None) -> list[dict[str, Any]]:
        cutoff = ((now or _now()) - OVERDUE_AFTER).isoformat()
        return queries.notes_due(self.record, cutoff)
