"""Standardised measures: PHQ-9 and GAD-7 scoring, bands and change.

Pure logic. Instruments are referred to by key ("phq9", "gad7"); display
names ("PHQ-9", "GAD-7") are what the clinician reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "MeasureError",
    "MeasureScore",
    "band_for",
    "change_since",
    "display_name",
    "normalise_instrument",
    "parse_score",
    "score_from_items",
    "score_from_total",
]


class MeasureError(ValueError):
    """A score that cannot be right. The message is written for the clinician."""


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    item_count: int
    item_max: int
    # (lowest total, band name), ascending; a band runs up to the next one.
    bands: tuple[tuple[int, str], ...]

    @property
    def total_max(self) -> int:
        return self.item_count * self.item_max


INSTRUMENTS: dict[str, Instrument] = {
    "phq9": Instrument(
        key="phq9",
        name="PHQ-9",
        item_count=9,
        item_max=3,
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")),
    ),
    "gad7": Instrument(
        key="gad7",
        name="GAD-7",
        item_count=7,
        item_max=3,
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
    ),
}


def normalise_instrument(name: str) -> str:
    """"PHQ-9", "phq 9", "phq9" -> "phq9". Raises MeasureError for anything else."""
    key = "".join(ch for ch in str(name).lower() if ch.isalnum())
    if key not in INSTRUMENTS:
        raise MeasureError(f"Unknown measure {name!r}; expected PHQ-9 or GAD-7")
    return key


def display_name(instrument: str) -> str:
    return INSTRUMENTS[normalise_instrument(instrument)].name


def _whole_number(value: Any, what: str) -> int:
    # bool is an int subclass; True as a score is a bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeasureError(f"{what} must be a whole number, got {value!r}")
    return value


def _check_total(inst: Instrument, total: Any) -> int:
    total = _whole_number(total, f"{inst.name} total")
    if not 0 <= total <= inst.total_max:
        raise MeasureError(f"{inst.name} total must be 0–{inst.total_max}, got {total}")
    return total


def _check_items(inst: Instrument, items: Iterable[Any]) -> tuple[int, ...]:
    items = tuple(items)
    if len(items) != inst.item_count:
        raise MeasureError(
            f"{inst.name} needs {inst.item_count} item scores, got {len(items)}"
        )
    for number, value in enumerate(items, start=1):
        value = _whole_number(value, f"{inst.name} item {number}")
        if not 0 <= value <= inst.item_max:
            raise MeasureError(
                f"{inst.name} item {number} must be 0–{inst.item_max}, got {value}"
            )
    return items


def band_for(instrument: str, total: int) -> str:
    inst = INSTRUMENTS[normalise_instrument(instrument)]
    total = _check_total(inst, total)
    band = inst.bands[0][1]
    for lowest, name in inst.bands:
        if total >= lowest:
            band = name
    return band


def stored_band(instrument: str, total: Any) -> str:
    """band_for over a stored row, for display: a total no instrument allows (an edited or
    damaged record) reads "out of range" rather than failing the screen that shows it."""
    try:
        return band_for(instrument, total)
    except MeasureError:
        return "out of range"


@dataclass(frozen=True)
class MeasureScore:
    """One administration. Always valid: construction refuses impossible scores."""

    instrument: str
    total: int
    items: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        key = normalise_instrument(self.instrument)
        inst = INSTRUMENTS[key]
        object.__setattr__(self, "instrument", key)
        total = _check_total(inst, self.total)
        if self.items is not None:
            items = _check_items(inst, self.items)
            object.__setattr__(self, "items", items)
            if sum(items) != total:
                raise MeasureError(
                    f"{inst.name} total {total} does not match the items, which sum to {sum(items)}"
                )

    @property
    def name(self) -> str:
        return INSTRUMENTS[self.instrument].name

    @property
    def band(self) -> str:
        return band_for(self.instrument, self.total)

    @property
    def item9(self) -> int | None:
        """PHQ-9 item 9 (thoughts of being better off dead or self-harm), if items were given."""
        if self.instrument != "phq9" or self.items is None:
            return None
        return self.items[8]

    @property
    def item9_flag(self) -> bool:
        # A total alone says nothing about item 9, so it cannot raise the flag.
        return (self.item9 or 0) > 0

    def describe(self) -> str:
        """"PHQ-9 11 (moderate)" — the score as a note states it."""
        return f"{self.name} {self.total} ({self.band})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "items": list(self.items) if self.items is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeasureScore":
        items = data.get("items")
        return cls(
            instrument=data["instrument"],
            total=data["total"],
            items=tuple(items) if items is not None else None,
        )


def score_from_items(instrument: str, items: Iterable[int]) -> MeasureScore:
    key = normalise_instrument(instrument)
    checked = _check_items(INSTRUMENTS[key], items)
    return MeasureScore(key, sum(checked), checked)


def score_from_total(instrument: str, total: int) -> MeasureScore:
    return MeasureScore(normalise_instrument(instrument), total)


def change_since(previous: MeasureScore | None, current: MeasureScore) -> str:
    """"first administration", "+3 since last", "−2 since last" or "no change"."""
    if previous is None:
        return "first administration"
    if previous.instrument != current.instrument:
        raise MeasureError(f"Cannot compare {previous.name} with {current.name}")
    delta = current.total - previous.total
    if delta == 0:
        return "no change"
    # U+2212 minus: reads as a sign, not a hyphen.
    sign = "+" if delta > 0 else "\u2212"
    return f"{sign}{abs(delta)} since last"


_NUMBER_RE = re.compile(r"[+-]?\d+")
_SEPARATORS = re.compile(r"[\s,;/]+")
_MAX_DIGITS = 6  # nobody types a million on a PHQ-9; and no huge ints from a paste


def parse_score(instrument: str, text: str, *, comment_allowed: bool = False) -> MeasureScore | None:
    """A score as typed: a total ("11") or the item scores ("1 2 1 0 3 1 0 2 1", commas too).

    In the measures step (the default) the field holds only numbers, and blank is no score.
    In a jotting (``comment_allowed``) the leading numbers are the score and the rest is the
    clinician's comment; a jotting with no number is a problem. Raises MeasureError.
    """
    inst = INSTRUMENTS[normalise_instrument(instrument)]
    numbers: list[int] = []
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        if not _NUMBER_RE.fullmatch(token):
            if comment_allowed:
                break
            raise MeasureError(f"Type a total or the item scores as whole numbers (got {text.strip()!r}).")
        if len(token.lstrip("+-")) > _MAX_DIGITS:
            shown = token if len(token) <= 12 else token[:12] + "…"
            raise MeasureError(f"{inst.name} score {shown} is not a plausible number (a total is 0–{inst.total_max})")
        numbers.append(int(token))
    if not numbers:
        if comment_allowed:
            raise MeasureError(f"{inst.name} needs a total or {inst.item_count} item scores")
        return None
    if len(numbers) == 1:
        return score_from_total(inst.key, numbers[0])
    if comment_allowed and len(numbers) != inst.item_count:
        raise MeasureError(f"{inst.name} needs a total or {inst.item_count} item scores, got {len(numbers)} numbers")
    return score_from_items(inst.key, numbers)
