"""Notes due: every ended session still without a signed note, oldest first, overdue marked;
and the treatment plans whose review is overdue or due soon."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..storage import queries
from ..domain import clock
from .reading import RecordReader


class NotesDue(RecordReader):
    def rows(self, now: datetime | None = None) -> list[dict[str, Any]]:
        cutoff = ((now or clock.now()) - clock.OVERDUE_AFTER).isoformat()
        return queries.notes_due(self.record, cutoff)

    def plan_reviews(self, today: date | None = None) -> list[dict[str, Any]]:
        """Active clients' plans to review: overdue or due within two weeks, soonest first
        (code, review_due, review: "overdue" | "due soon", version: 0 when never signed)."""
        from .treatment_plan import plans_due_for_review

        return plans_due_for_review(self.record, today or clock.today())
