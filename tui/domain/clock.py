"""The one "now", and the rules that count from it.

Every use-case asks this module for the time, so a test can set the clock once
(``set_clock``) instead of passing times through every call. Times are aware and
local: what the clinician's wall clock says, with its offset, to the second.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

__all__ = ["DAY", "LATE_AFTER", "OVERDUE_AFTER", "is_late", "now", "now_iso", "set_clock", "system_now", "today"]

DAY = timedelta(hours=24)
OVERDUE_AFTER = DAY  # a session's note is overdue this long after the session ended
LATE_AFTER = DAY  # a note signed this long after the session ended is a late entry


def system_now() -> datetime:
    return datetime.now().astimezone()


_source: Callable[[], datetime] = system_now


def set_clock(source: Callable[[], datetime]) -> Callable[[], datetime]:
    """Make ``source`` the clock (it returns an aware datetime); returns the clock it replaces."""
    global _source
    previous, _source = _source, source
    return previous


def now() -> datetime:
    """Aware local time, to the second."""
    current = _source()
    if current.tzinfo is None:
        current = current.astimezone()
    return current.replace(microsecond=0)


def now_iso() -> str:
    return now().isoformat(timespec="seconds")


def today() -> date:
    return now().date()


def is_late(ended: datetime, signed_at: datetime) -> bool:
    """The late-entry rule: signed more than LATE_AFTER after the session ended.

    Both times aware, or both naive in the same wall clock.
    """
    return signed_at - ended > LATE_AFTER
