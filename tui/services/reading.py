"""What the read-mostly use-cases (caseload, chart, search, notes due, export) share."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import HushpadError

if TYPE_CHECKING:
    from ..storage.record import RecordStore
    from .workspace import Workspace


class TimelineError(HushpadError):
    """What was asked for is not in the record (any more)."""


def day(iso: str | None) -> str:
    """The date of a stored ISO timestamp in the clinician's local time zone ('' for none):
    a stored offset other than the local one must not move a session to another day."""
    from ..domain.session_facts import display_time

    return display_time(iso)[:10] if iso else ""


class RecordReader:
    """A use-case over an unlocked workspace's clinical record."""

    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    @property
    def record(self) -> "RecordStore":
        return self.workspace.record

    @property
    def actor(self) -> str:
        return self.workspace.config.signer
