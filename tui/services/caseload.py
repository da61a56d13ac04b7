"""The caseload: every active client with last session, notes due or overdue, latest risk and scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import clock
from ..domain.measures import stored_band
from ..storage import queries
from .reading import RecordReader, day

@dataclass(frozen=True)
class ClientRow:
    id: int
    code: str
    display_name: str
    last_session: str
    notes_due: int
    overdue: int
    risk_level: str
    phq9: int | None
    gad7: int | None
    open_sessions: int

    @property
    def phq9_band(self) -> str:
        return stored_band("phq9", self.phq9) if self.phq9 is not None else ""

    @property
    def gad7_band(self) -> str:
        return stored_band("gad7", self.gad7) if self.gad7 is not None else ""


class Caseload(RecordReader):
    def client_rows(self, now: datetime | None = None) -> list[ClientRow]:
        cutoff = ((now or clock.now()) - clock.OVERDUE_AFTER).isoformat()
        return [ClientRow(r["id"], r["code"], r["display_name"], day(r["last_session"]), r["notes_due"],
                          r["overdue"], r["risk_level"] or "", r["phq9"], r["gad7"], r["open_sessions"])
                for r in queries.caseload(self.record, cutoff)]
