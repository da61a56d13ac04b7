"""Session facts a note can be signed with: a real date, real times, a plausible length.

Dates and times are the clinician's local wall-clock time, as typed on the
facts step. ``problems`` lists what is impossible (each a plain sentence that
names the field); lint turns each into a signing error. ``end_time`` is
derived from start + duration unless the clinician typed it, and must agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .models import SessionFacts

__all__ = [
    "MAX_DURATION_MIN",
    "display_time",
    "end_of",
    "end_time_for",
    "parse_clock",
    "parse_day",
    "problems",
    "signed_before_end",
    "start_of",
]

MAX_DURATION_MIN = 8 * 60  # a longer "session" is a typo (e.g. 500 for 50)
EARLIEST_YEAR = 1900
END_SLACK_MIN = 1  # end typed to the minute vs a duration rounded to the minute
SIGN_SLACK_MIN = 2  # start cut to the minute + duration rounded to it

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})")


def parse_day(text: str) -> date | None:
    text = (text or "").strip()
    if not _DAY_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_clock(text: str) -> tuple[int, int] | None:
    found = _CLOCK_RE.fullmatch((text or "").strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def start_of(facts: SessionFacts) -> datetime | None:
    day, clock = parse_day(facts.date), parse_clock(facts.start_time)
    if day is None or clock is None:
        return None
    return datetime(day.year, day.month, day.day, *clock)


def end_of(facts: SessionFacts) -> datetime | None:
    start = start_of(facts)
    if start is None:
        return None
    return start + timedelta(minutes=max(facts.duration_min, 0))


def end_time_for(start_time: str, duration_min: int) -> str:
    """"HH:MM" of start + duration, "" when the start is not a time."""
    clock = parse_clock(start_time)
    if clock is None or duration_min < 0:
        return ""
    minutes = (clock[0] * 60 + clock[1] + duration_min) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def problems(facts: SessionFacts, *, today: date | None = None) -> list[str]:
    """Every impossible fact, in the order the facts step shows them."""
    out: list[str] = []
    day = parse_day(facts.date)
    if not facts.date.strip():
        out.append("Date is empty: type the session date as YYYY-MM-DD.")
    elif day is None:
        out.append(f"Date {facts.date.strip()!r} is not a calendar date (YYYY-MM-DD, e.g. 2026-03-14).")
    elif day.year < EARLIEST_YEAR:
        out.append(f"Date {facts.date.strip()} is before {EARLIEST_YEAR}.")
    elif today is not None and day > today:
        out.append(f"Date {facts.date.strip()} is in the future.")
    start = parse_clock(facts.start_time)
    if not facts.start_time.strip():
        out.append("Start is empty: type the start time as HH:MM (24-hour).")
    elif start is None:
        out.append(f"Start {facts.start_time.strip()!r} is not a time (HH:MM, 00:00 to 23:59).")
    if facts.duration_min <= 0:
        out.append("Duration must be at least 1 minute.")
    elif facts.duration_min > MAX_DURATION_MIN:
        out.append(f"Duration {facts.duration_min} min is longer than {MAX_DURATION_MIN // 60} hours: check it.")
    end_text = facts.end_time.strip()
    if end_text:
        end = parse_clock(end_text)
        if end is None:
            out.append(f"End {end_text!r} is not a time (HH:MM, 00:00 to 23:59).")
        elif start is not None and 0 < facts.duration_min <= MAX_DURATION_MIN:
            expected = end_time_for(facts.start_time, facts.duration_min)
            gap = abs((end[0] * 60 + end[1]) - int(expected[:2]) * 60 - int(expected[3:]))
            if min(gap, 24 * 60 - gap) > END_SLACK_MIN:
                out.append(
                    f"End {end_text} does not match start {facts.start_time.strip()} + "
                    f"{facts.duration_min} min ({expected}): correct the end or the duration."
                )
    return out


def signed_before_end(facts: SessionFacts, signed_at: datetime) -> bool:
    """True when the note would be signed before the session (as stated) has ended.

    ``signed_at`` is local time; an aware one is converted to local wall-clock time.
    """
    end = end_of(facts)
    if end is None:
        return False
    if signed_at.tzinfo is not None:
        signed_at = signed_at.astimezone().replace(tzinfo=None)
    # Facts are to the minute (start cut to it, duration rounded): allow that much.
    return signed_at < end - timedelta(minutes=SIGN_SLACK_MIN)


def display_time(iso: str, *, with_date: bool = True, zone: bool = False, local: bool = True) -> str:
    """A stored ISO timestamp as the clinician's local wall-clock time, e.g. "2026-03-14 10:05".

    ``zone`` adds the UTC offset, "2026-03-14 10:05 (UTC+01:00)", for text read away from this
    machine (signed notes, addenda, exports). ``local=False`` keeps the stamp's own offset
    instead of this machine's, so signed text renders the same on any machine. Anything that
    is not a timestamp comes back unchanged, so a display never fails.
    """
    try:
        moment = datetime.fromisoformat((iso or "").strip())
    except ValueError:
        return iso
    if moment.tzinfo is not None and local:
        moment = moment.astimezone()
    shown = moment.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")
    offset = moment.utcoffset() if zone else None
    if offset is not None:
        minutes = round(offset.total_seconds() / 60)
        sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
        shown += f" (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"
    return shown
