"""ICD-10-CM diagnoses on a client's treatment plan (issue 13 item 1): search, add, remove,
set primary, and what a note carries.

A code is checked against the real code set (``tui.domain.diagnoses``: it must exist and be
billable) before it is stored. The first search or add builds that code set (seconds, ~200 MB),
so every call here belongs in a worker (``run_use_case``). The record keeps the history:
removal sets ``removed_at``; the audit log names codes only, never the client's name.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain import diagnoses as icd
from ..domain.diagnoses import CodeEntry, Diagnosis, DiagnosisError
from ..errors import HushpadError
from .reading import RecordReader

if TYPE_CHECKING:
    from ..storage.record import RecordStore

LOADING = "loading the ICD-10-CM code set…"


class DiagnosisProblem(HushpadError):
    """A diagnosis that cannot be added or changed; the message is for the clinician."""


def parse_onset(text: str, *, today: date | None = None) -> date | None:
    """"2025-11" (the month: its first day), "2025-11-03", or "" (none). Never in the future."""
    raw = text.strip()
    if not raw:
        return None
    try:
        onset = date.fromisoformat(raw + "-01" if len(raw) == 7 else raw)
    except ValueError:
        raise DiagnosisProblem(f"Onset {raw[:20]!r} is not a date: YYYY-MM or YYYY-MM-DD") from None
    if today is not None and onset > today:
        raise DiagnosisProblem(f"Onset {onset.isoformat()} is in the future")
    return onset


def onset_text(onset: str | date | None) -> str:
    """How an onset reads: the month ("2025-11") when it is the first, else the day."""
    if not onset:
        return ""
    iso = onset.isoformat() if isinstance(onset, date) else str(onset)
    return iso[:7] if iso.endswith("-01") else iso


def diagnosis_of(row: dict[str, Any]) -> Diagnosis:
    return Diagnosis(row["code"], row["title"], bool(row["is_primary"]), row["onset"] or None)


def plan_label(row: dict[str, Any]) -> str:
    """"F33.1 Major depressive disorder, recurrent, moderate (primary, onset 2025-11)"."""
    notes = (["primary"] if row["is_primary"] else []) + (
        [f"onset {onset_text(row['onset'])}"] if row["onset"] else [])
    return f"{row['code']} {row['title']}" + (f" ({', '.join(notes)})" if notes else "")


def note_labels(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """What a note carries, primary first: ("F33.1 Major … (primary)", "F41.1 Generalized …")."""
    return tuple(diagnosis_of(row).label() for row in rows)


def record_label(row: dict[str, Any]) -> str:
    """A records request lists history too: the plan label, and "removed YYYY-MM-DD" for a
    diagnosis taken off the plan."""
    from .reading import day

    label = plan_label(row)
    return label + (f" [removed {day(row['removed_at'])}]" if row["removed_at"] else "")


def current(record: "RecordStore", client_id: int) -> list[dict[str, Any]]:
    return record.diagnoses(client_id)


class Diagnoses(RecordReader):
    """The use-cases; each runs in a worker."""

    def search(self, query: str, limit: int = 30) -> list[CodeEntry]:
        """Billable codes matching ``query`` (the first call builds the code set: seconds)."""
        return icd.search(query, limit=limit)

    def current(self, client_id: int) -> list[dict[str, Any]]:
        return current(self.record, client_id)

    def add(self, client_id: int, code: str, *, primary: bool, onset: str = "",
            today: date | None = None) -> dict[str, Any]:
        from ..storage.record import DiagnosisConflictError

        today = today or date.today()
        when = parse_onset(onset, today=today)
        try:
            chosen = Diagnosis.chosen(code, primary=primary, onset=when, today=today)
        except DiagnosisError as exc:
            raise DiagnosisProblem(str(exc)) from None
        try:
            new_id = self.record.add_diagnosis(client_id, chosen.code, chosen.title, primary=chosen.primary,
                                               onset=chosen.onset.isoformat() if chosen.onset else None,
                                               actor=self.actor)
        except DiagnosisConflictError as exc:
            raise DiagnosisProblem(str(exc)) from None
        return next(r for r in self.current(client_id) if r["id"] == new_id)

    def remove(self, diagnosis_id: int) -> None:
        from ..storage.record import DiagnosisConflictError

        try:
            self.record.remove_diagnosis(diagnosis_id, actor=self.actor)
        except DiagnosisConflictError as exc:
            raise DiagnosisProblem(str(exc)) from None

    def set_primary(self, diagnosis_id: int) -> None:
        from ..storage.record import DiagnosisConflictError

        try:
            self.record.set_primary_diagnosis(diagnosis_id, actor=self.actor)
        except DiagnosisConflictError as exc:
            raise DiagnosisProblem(str(exc)) from None
