"""Standardised measures: PHQ-9, GAD-7, PCL-5 and the C-SSRS screener; custom scales.

Pure logic. Instruments are referred to by key ("phq9", "gad7", "pcl5", "cssrs"); display
names ("PHQ-9", "C-SSRS") are what the clinician reads.

Scoring, from each instrument's published manual:

- PHQ-9: Kroenke, Spitzer & Williams (2001), J Gen Intern Med 16:606–613, and the
  Pfizer "PHQ Instruction Manual": nine items 0–3, total 0–27; 5, 10, 15, 20 are the
  cut-points for mild, moderate, moderately severe and severe. Item 9 (thoughts of being
  better off dead or of self-harm) above 0 needs the clinician's risk assessment.
- GAD-7: Spitzer, Kroenke, Williams & Löwe (2006), Arch Intern Med 166:1092–1097: seven
  items 0–3, total 0–21; 5, 10, 15 mild, moderate, severe.
- PCL-5: Weathers, Litz, Keane, Palmieri, Marx & Schnurr (2013), "The PTSD Checklist
  for DSM-5", National Center for PTSD, and its scoring guide (ptsd.va.gov, "Using the
  PCL-5"); cut-point from Bovin et al. (2016), Psychol Assess 28:1379–1391. Twenty items
  0–4, total 0–80; "a PCL-5 cut-point score of 31–33 appears to be reasonable" for a
  provisional PTSD diagnosis. Hushpad flags probable PTSD at 33, the top of that range
  (fewer false positives); 31–32 read "near cut-off". Cluster scores: B items 1–5, C 6–7,
  D 8–14, E 15–20; the DSM-5 rule counts an item rated 2 or more as endorsed and needs
  1 B, 1 C, 2 D and 2 E.
- C-SSRS screener: Posner et al. (2011), Am J Psychiatry 168:1266–1277, and the Columbia
  Lighthouse Project's "C-SSRS Screener, Recent, with triage" (cssrs.columbia.edu). Six
  yes/no questions (past month for 1–5; question 6 ever, and if yes whether within the
  past 3 months); questions 3–5 are asked only if question 2 is yes. Triage: yes to 1 or
  2 is low risk; yes to 3, or question 6 yes but over 3 months ago, is moderate; yes to 4
  or 5, or question 6 yes within the past 3 months, is high risk ("the most worrisome
  answers are a recent yes to items 4 or 5 and/or any behavior in the past 3 months").
  There is no total: Hushpad stores the risk level it implies (0 negative, 1 low, 2
  moderate, 3 high) as the total, so trends and bands work as for the other measures.

Custom scales have no published manual: their rules (items, item range, bands, reverse-scored
items) come from the clinician's config.toml, ``[measures.custom.KEY]`` (see CustomScale).
Such a definition may change later, so a custom score always carries the definition it was
scored with: ``MeasureScore.scale``, stored in ``items_json`` ({"answers", "scale"}) and so in
the signed payload, and stated in the signed text. An old note reads and verifies as it was
scored, whatever the config says now.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Iterable

__all__ = [
    "CSSRS_QUESTIONS",
    "CUSTOM_PREFIX",
    "CustomScale",
    "CustomScore",
    "INSTRUMENTS",
    "Instrument",
    "MeasureError",
    "MeasureScore",
    "PCL5_CLUSTERS",
    "PCL5_PROBABLE_PTSD",
    "band_for",
    "change_since",
    "cssrs_risk_level",
    "display_name",
    "entry_text",
    "normalise_instrument",
    "parse_score",
    "score_from_items",
    "score_from_stored",
    "score_from_total",
    "stored_band",
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
    # Per-item maxima where items differ (C-SSRS question 6 has three answers); () = all item_max.
    item_maxima: tuple[int, ...] = ()
    # "sum": the total is the items' sum. "risk": the total is the C-SSRS risk level.
    scoring: str = "sum"

    def max_for(self, number: int) -> int:
        """The highest score item ``number`` (1-based) allows."""
        return self.item_maxima[number - 1] if self.item_maxima else self.item_max

    @property
    def total_max(self) -> int:
        if self.scoring == "risk":
            return self.bands[-1][0]
        return sum(self.max_for(n) for n in range(1, self.item_count + 1))

    @property
    def total_entry(self) -> bool:
        """May a total alone be entered? Not for the C-SSRS: its answers are the result."""
        return self.scoring == "sum"

    def total_of(self, items: Sequence[int]) -> int:
        return cssrs_risk_level(items) if self.scoring == "risk" else sum(items)


# C-SSRS items as stored: questions 1–5 are 0 (no, or not asked) / 1 (yes); question 6 is
# 0 no, 1 yes but over 3 months ago, 2 yes within the past 3 months.
CSSRS_Q6_LIFETIME = 1
CSSRS_Q6_RECENT = 2

CSSRS_QUESTIONS: tuple[str, ...] = (
    "wish to be dead",
    "non-specific active suicidal thoughts",
    "active suicidal ideation with any methods, without intent to act",
    "active suicidal ideation with some intent to act, without specific plan",
    "active suicidal ideation with specific plan and intent",
    "suicidal behaviour (ever; within the past 3 months?)",
)

# PCL-5 DSM-5 symptom clusters, 1-based item ranges (Weathers et al. 2013 scoring guide).
PCL5_CLUSTERS: Mapping[str, range] = MappingProxyType({
    "B": range(1, 6), "C": range(6, 8), "D": range(8, 15), "E": range(15, 21),
})
_PCL5_CLUSTER_NEEDS = {"B": 1, "C": 1, "D": 2, "E": 2}
PCL5_PROBABLE_PTSD = 33  # the top of the 31–33 cut-point range (see the module docstring)
PCL5_NEAR_CUTOFF = 31

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
    "pcl5": Instrument(
        key="pcl5",
        name="PCL-5",
        item_count=20,
        item_max=4,
        # The PCL-5 has no published severity bands ("no empirically derived severity
        # ranges"), only the provisional-diagnosis cut-point 31–33.
        bands=((0, "below cut-off"), (PCL5_NEAR_CUTOFF, "near cut-off, 31–33"),
               (PCL5_PROBABLE_PTSD, "probable PTSD")),
    ),
    "cssrs": Instrument(
        key="cssrs",
        name="C-SSRS",
        item_count=6,
        item_max=1,
        item_maxima=(1, 1, 1, 1, 1, CSSRS_Q6_RECENT),
        scoring="risk",
        bands=((0, "negative"), (1, "low risk"), (2, "moderate risk"), (3, "high risk")),
    ),
}

# Risk levels in the risk statement's words (models.RISK_LEVELS), by C-SSRS level.
_CSSRS_LEVEL_WORDS = ("", "low", "moderate", "high")


def cssrs_risk_level(items: Sequence[int]) -> int:
    """0 negative, 1 low, 2 moderate, 3 high: the C-SSRS screener triage (see docstring)."""
    q1, q2, q3, q4, q5, q6 = items
    if q4 or q5 or q6 == CSSRS_Q6_RECENT:
        return 3
    if q3 or q6 == CSSRS_Q6_LIFETIME:
        return 2
    if q1 or q2:
        return 1
    return 0


def _known_names() -> str:
    return ", ".join(inst.name for inst in INSTRUMENTS.values())


def normalise_instrument(name: str) -> str:
    """"PHQ-9", "phq 9", "phq9" -> "phq9". Raises MeasureError for anything else."""
    key = "".join(ch for ch in str(name).lower() if ch.isalnum())
    if key not in INSTRUMENTS:
        raise MeasureError(f"Unknown measure {str(name)[:40]!r}; expected one of: {_known_names()}")
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
        if not 0 <= value <= inst.max_for(number):
            raise MeasureError(
                f"{inst.name} item {number} must be 0–{inst.max_for(number)}, got {value}"
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


def stored_band(instrument: str, total: Any, items_json: str | None = None) -> str:
    """band_for over a stored row, for display: a total no instrument allows (an edited or
    damaged record) reads "out of range" rather than failing the screen that shows it.
    A custom scale's band comes from the definition stored with the score (``items_json``)."""
    try:
        if str(instrument).startswith(CUSTOM_PREFIX):
            return score_from_stored(instrument, total, items_json).band
        return band_for(instrument, total)
    except (MeasureError, ValueError, TypeError, KeyError):
        return "out of range"


CUSTOM_PREFIX = "custom:"  # a custom scale's instrument as stored: "custom:ors"


@dataclass(frozen=True)
class MeasureScore:
    """One administration. Always valid: construction refuses impossible scores."""

    instrument: str
    total: int
    items: tuple[int, ...] | None = None
    # A custom scale's definition as scored (instrument "custom:KEY"); None for the built-ins.
    # For a custom scale ``items`` are the answers as given, before reverse keying.
    scale: "CustomScale | None" = None

    def __post_init__(self) -> None:
        if self.scale is not None or str(self.instrument).startswith(CUSTOM_PREFIX):
            self._check_custom()
            return
        key = normalise_instrument(self.instrument)
        inst = INSTRUMENTS[key]
        object.__setattr__(self, "instrument", key)
        total = _check_total(inst, self.total)
        if self.items is not None:
            items = _check_items(inst, self.items)
            object.__setattr__(self, "items", items)
            implied = inst.total_of(items)
            if implied != total:
                if inst.scoring == "risk":
                    raise MeasureError(f"{inst.name} level {total} does not match the answers, "
                                       f"which give {band_for(key, implied)}")
                raise MeasureError(
                    f"{inst.name} total {total} does not match the items, which sum to {implied}"
                )

    def _check_custom(self) -> None:
        scale = self.scale
        if not isinstance(scale, CustomScale):
            raise MeasureError(f"{str(self.instrument)[:30]!r}: a custom scale's score needs the scale it was scored on")
        key = CUSTOM_PREFIX + scale.key
        if self.instrument not in (key, scale.key):
            raise MeasureError(f"{str(self.instrument)[:30]!r} is not the custom scale {scale.key!r}")
        object.__setattr__(self, "instrument", key)
        checked = CustomScore(scale, self.total, self.items)  # ranges, answers, reverse-keyed sum
        object.__setattr__(self, "items", checked.answers)

    @property
    def custom(self) -> bool:
        return self.scale is not None

    @property
    def name(self) -> str:
        if self.scale is not None:
            return self.scale.name
        return INSTRUMENTS[self.instrument].name

    @property
    def band(self) -> str:
        if self.scale is not None:
            return self.scale.band_for(self.total)
        return band_for(self.instrument, self.total)

    def items_json(self) -> str | None:
        """What measure_scores.items_json stores: the item scores as a list, or for a custom
        scale {"answers": [..] or null, "scale": the definition scored with}, never null, so
        the row states what was scored whatever the config says later."""
        if self.scale is not None:
            return json.dumps({"answers": list(self.items) if self.items is not None else None,
                               "scale": self.scale.to_mapping()}, sort_keys=True, ensure_ascii=False)
        return json.dumps(list(self.items)) if self.items else None

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

    # -- C-SSRS ---------------------------------------------------------------------------

    @property
    def cssrs_positive(self) -> bool:
        """Any yes on the C-SSRS screener (low risk or above). The stored level says so
        even without the answers."""
        return self.instrument == "cssrs" and self.total > 0

    @property
    def cssrs_risk(self) -> str:
        """"", "low", "moderate" or "high" (the risk statement's words); "" for other measures."""
        return _CSSRS_LEVEL_WORDS[self.total] if self.instrument == "cssrs" else ""

    def cssrs_answers(self) -> str:
        """"yes to Q1, Q2, Q3; Q6 no" style summary of the answers, "" without them."""
        if self.instrument != "cssrs" or self.items is None:
            return ""
        yes = [f"Q{n}" for n, value in enumerate(self.items[:5], start=1) if value]
        q6 = self.items[5]
        if not yes and not q6:
            return "no to every question asked"
        parts = [f"yes to {', '.join(yes)}"] if yes else []
        if q6 == CSSRS_Q6_RECENT:
            parts.append("Q6 yes, within the past 3 months")
        elif q6 == CSSRS_Q6_LIFETIME:
            parts.append("Q6 yes, over 3 months ago")
        else:
            parts.append("Q6 no")
        return "; ".join(parts)

    # -- any measure that makes the risk statement required -------------------------------

    @property
    def risk_flag(self) -> bool:
        """This score makes SI detail required: PHQ-9 item 9 above 0, a positive C-SSRS."""
        return self.item9_flag or self.cssrs_positive

    def risk_flag_text(self) -> str:
        """Why the score flags risk, for a lint message ("" when it does not)."""
        if self.item9_flag:
            return f"PHQ-9 item 9 scored {self.item9}"
        if self.cssrs_positive:
            answers = self.cssrs_answers()
            return f"C-SSRS screen positive, {self.band}" + (f" ({answers})" if answers else "")
        return ""

    # -- PCL-5 ----------------------------------------------------------------------------

    @property
    def probable_ptsd(self) -> bool:
        """PCL-5 total at or over the cut-point (33): a provisional PTSD diagnosis."""
        return self.instrument == "pcl5" and self.total >= PCL5_PROBABLE_PTSD

    def pcl5_clusters(self) -> dict[str, int] | None:
        """DSM-5 cluster severity sums {"B": .., "C": .., "D": .., "E": ..}, None without items."""
        if self.instrument != "pcl5" or self.items is None:
            return None
        return {name: sum(self.items[n - 1] for n in span) for name, span in PCL5_CLUSTERS.items()}

    def pcl5_dsm5_rule(self) -> bool | None:
        """The DSM-5 diagnostic rule over items rated 2 or more; None without items."""
        if self.instrument != "pcl5" or self.items is None:
            return None
        return all(sum(1 for n in span if self.items[n - 1] >= 2) >= _PCL5_CLUSTER_NEEDS[name]
                   for name, span in PCL5_CLUSTERS.items())

    def describe(self) -> str:
        """"PHQ-9 11 (moderate)" — the score as a note states it."""
        if self.instrument == "cssrs":
            answers = self.cssrs_answers()
            return f"C-SSRS screen {self.band}" + (f" ({answers})" if answers else "")
        return f"{self.name} {self.total} ({self.band})"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "instrument": self.instrument,
            "total": self.total,
            "items": list(self.items) if self.items is not None else None,
        }
        if self.scale is not None:
            out["scale"] = self.scale.to_mapping()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeasureScore":
        items = data.get("items")
        scale = None
        if data.get("scale") is not None:
            scale = CustomScale.from_mapping(str(data["instrument"]).removeprefix(CUSTOM_PREFIX), data["scale"])
        return cls(
            instrument=data["instrument"],
            total=data["total"],
            items=tuple(items) if items is not None else None,
            scale=scale,
        )


def score_from_items(instrument: str, items: Iterable[int]) -> MeasureScore:
    key = normalise_instrument(instrument)
    inst = INSTRUMENTS[key]
    checked = _check_items(inst, items)
    return MeasureScore(key, inst.total_of(checked), checked)


def score_from_total(instrument: str, total: int) -> MeasureScore:
    return MeasureScore(normalise_instrument(instrument), total)


def score_from_stored(instrument: str, total: Any, items_json: str | None) -> MeasureScore:
    """A measure_scores row back as a MeasureScore. A custom scale is read with the definition
    stored in its row (see MeasureScore.items_json), never the config's current one.
    Raises MeasureError (or ValueError for JSON that is not) on a row that cannot be right."""
    parsed = json.loads(items_json) if items_json else None
    if str(instrument).startswith(CUSTOM_PREFIX):
        if not isinstance(parsed, dict) or not isinstance(parsed.get("scale"), Mapping):
            raise MeasureError(f"{str(instrument)[:30]!r}: the score does not carry its scale's definition")
        scale = CustomScale.from_mapping(instrument[len(CUSTOM_PREFIX):], parsed["scale"])
        answers = parsed.get("answers")
        return MeasureScore(instrument, total, tuple(answers) if answers is not None else None, scale=scale)
    if parsed is not None and not isinstance(parsed, list):
        raise MeasureError(f"{str(instrument)[:30]!r}: stored items are not a list")
    return MeasureScore(instrument, total, tuple(parsed) if parsed else None)


def change_since(previous: MeasureScore | None, current: MeasureScore) -> str:
    """"first administration", "+3 since last", "−2 since last" or "no change"."""
    if previous is None:
        return "first administration"
    if previous.instrument != current.instrument:
        raise MeasureError(f"Cannot compare {previous.name} with {current.name}")
    if previous.scale != current.scale:
        # The config changed the scale between the two: its totals need not mean the same.
        return f"not compared: the scale's definition changed since last ({previous.total}, {previous.band})"
    delta = current.total - previous.total
    if delta == 0:
        return "no change"
    if current.instrument == "cssrs":
        # A risk level is not a quantity: say which way it moved, from what.
        way = "higher" if delta > 0 else "lower"
        return f"{way} than last ({previous.band})"
    # U+2212 minus: reads as a sign, not a hyphen.
    sign = "+" if delta > 0 else "\u2212"
    return f"{sign}{abs(delta)} since last"


_NUMBER_RE = re.compile(r"[+-]?\d+")
_SEPARATORS = re.compile(r"[\s,;/]+")
_MAX_DIGITS = 6  # nobody types a million on a PHQ-9; and no huge ints from a paste


def _tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text.strip()) if token]


def _numbers(name: str, total_max: int, text: str, *, comment_allowed: bool) -> list[int]:
    """The leading whole numbers of ``text`` (a jotting's comment may follow them)."""
    numbers: list[int] = []
    for token in _tokens(text):
        if not _NUMBER_RE.fullmatch(token):
            if comment_allowed:
                break
            raise MeasureError(f"Type a total or the item scores as whole numbers (got {text.strip()[:40]!r}).")
        if len(token.lstrip("+-")) > _MAX_DIGITS:
            shown = token if len(token) <= 12 else token[:12] + "…"
            raise MeasureError(f"{name} score {shown} is not a plausible number (a total is 0–{total_max})")
        numbers.append(int(token))
    return numbers


def parse_score(instrument: str, text: str, *, comment_allowed: bool = False) -> MeasureScore | None:
    """A score as typed: a total ("11") or the item scores ("1 2 1 0 3 1 0 2 1", commas too).

    The C-SSRS is typed as its answers ("y n n n n n"; see ``_parse_cssrs``).
    In the measures step (the default) the field holds only the score, and blank is no score.
    In a jotting (``comment_allowed``) the leading numbers are the score and the rest is the
    clinician's comment; a jotting with no number is a problem. Raises MeasureError.
    """
    inst = INSTRUMENTS[normalise_instrument(instrument)]
    if inst.scoring == "risk":
        return _parse_cssrs(inst, text, comment_allowed=comment_allowed)
    numbers = _numbers(inst.name, inst.total_max, text, comment_allowed=comment_allowed)
    if not numbers:
        if comment_allowed:
            raise MeasureError(f"{inst.name} needs a total or {inst.item_count} item scores")
        return None
    if len(numbers) == 1:
        return score_from_total(inst.key, numbers[0])
    if comment_allowed and len(numbers) != inst.item_count:
        raise MeasureError(f"{inst.name} needs a total or {inst.item_count} item scores, got {len(numbers)} numbers")
    return score_from_items(inst.key, numbers)


_YES = frozenset({"y", "yes", "1"})
_NO = frozenset({"n", "no", "0"})
_NOT_ASKED = "-"
_COMPACT_RE = re.compile(r"[yn\-]{6,7}")


def _answer(token: str) -> int | None | bool:
    """1 yes, 0 no, None not asked ("-"); False when the token is not an answer."""
    word = token.lower()
    if word in _YES:
        return 1
    if word in _NO:
        return 0
    if word == _NOT_ASKED:
        return None
    return False


def _parse_cssrs(inst: Instrument, text: str, *, comment_allowed: bool) -> MeasureScore | None:
    """The C-SSRS screener's answers: "y n n n n n", "yes no - - - no", "ynnnnn", or "y n n".

    Six answers, y/yes/1 or n/no/0; "-" marks questions 3–5 not asked because question 2
    was no (the protocol skips them), or left out: with question 2 no, three answers are
    questions 1, 2 and 6 ("y n n"). When question 6 is yes a seventh answer says whether
    it was within the past 3 months. In a jotting, words after the answers are a comment.
    """
    tokens = _tokens(text)
    if tokens and _COMPACT_RE.fullmatch(tokens[0].lower()):
        tokens = list(tokens[0]) + tokens[1:]
    answers: list[int | None] = []
    leftover = False
    for token in tokens:
        needed = 7 if len(answers) >= 6 and answers[5] == 1 else 6
        if len(answers) >= needed:
            leftover = True
            break
        value = _answer(token)
        if value is False:
            if _NUMBER_RE.fullmatch(token) and not answers:
                raise MeasureError("C-SSRS is typed as its answers, y or n to each of its six questions "
                                   "(e.g. cssrs y n n n n n), not as a total")
            if comment_allowed:
                break
            raise MeasureError(f"C-SSRS answers are y or n (- for questions 3–5 not asked); "
                               f"got {token[:20]!r}")
        answers.append(value)  # type: ignore[arg-type]
    if leftover and not comment_allowed:
        raise MeasureError("C-SSRS takes six answers, and a seventh (within the past 3 months?) "
                           "only when question 6 is yes")
    if not answers:
        if comment_allowed:
            raise MeasureError("C-SSRS needs an answer, y or n, to each of its six questions")
        return None
    if len(answers) in (3, 4) and answers[1] == 0 and answers[0] is not None and (len(answers) == 4) == (answers[2] == 1):
        # The screener as asked: question 2 no skips 3-5, so "y n n" is questions 1, 2 and 6
        # ("y n y n": 6 yes, not within the past 3 months).
        answers = answers[:2] + [None, None, None] + answers[2:]
    if len(answers) < 6:
        raise MeasureError(f"C-SSRS needs an answer, y or n, to each of its six questions; got {len(answers)} "
                           "(or questions 1, 2 and 6 when question 2 is no: cssrs y n n)")
    for number in (1, 2, 6):
        if answers[number - 1] is None:
            raise MeasureError(f"C-SSRS question {number} is always asked: answer y or n")
    if answers[1] == 1 and any(a is None for a in answers[2:5]):
        raise MeasureError("C-SSRS question 2 is yes, so questions 3, 4 and 5 are asked: answer each y or n")
    q6 = 0
    if answers[5] == 1:
        if len(answers) < 7:
            raise MeasureError("C-SSRS question 6 is yes: add y or n for 'within the past 3 months'")
        if answers[6] is None:
            raise MeasureError("C-SSRS question 6 is yes: answer y or n for 'within the past 3 months'")
        q6 = CSSRS_Q6_RECENT if answers[6] == 1 else CSSRS_Q6_LIFETIME
    # A yes to 3–5 typed although question 2 was no still counts: it was asked and answered.
    items = [a or 0 for a in answers[:5]] + [q6]
    return score_from_items(inst.key, items)


def entry_text(score: MeasureScore) -> str:
    """The score as it would be typed back into the measures step (parse_score reads it)."""
    if score.instrument == "cssrs":
        if score.items is None:
            return ""  # a stored level without answers cannot be typed back
        q2_no = score.items[1] == 0
        words = ["y" if v else ("-" if q2_no and 2 <= n <= 4 else "n") for n, v in enumerate(score.items[:5])]
        q6 = score.items[5]
        words += ["n"] if q6 == 0 else ["y", "y" if q6 == CSSRS_Q6_RECENT else "n"]
        return " ".join(words)
    if score.items is not None:
        return " ".join(map(str, score.items))
    return str(score.total)


# --- custom scales ------------------------------------------------------------------------

_KEY_RE = re.compile(r"[a-z][a-z0-9]{1,15}")
_NAME_MAX = 40
_ITEMS_MAX = 100
_ITEM_VALUE_MAX = 100
_CUSTOM_FIELDS = frozenset({"name", "items", "item_range", "bands", "reverse"})


def _plain_text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MeasureError(f"{where} must be non-empty text")
    text = value.strip()
    if len(text) > limit:
        raise MeasureError(f"{where} is longer than {limit} characters")
    # Control and format characters (ANSI escapes, bidi overrides) never reach a screen.
    if any(not ch.isprintable() for ch in text):
        raise MeasureError(f"{where} contains control characters")
    return text


def _int_field(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeasureError(f"{where} must be a whole number, got {value!r}"[:120])
    return value


@dataclass(frozen=True)
class CustomScale:
    """A scale the clinician defines in config: items, item range, bands, reverse-scored items.

    Total = the sum of the item scores, each reverse-scored item counted as
    (item_min + item_max − answer), the usual convention for reverse keying.
    """

    key: str
    name: str
    item_count: int
    item_min: int
    item_max: int
    bands: tuple[tuple[int, str], ...]
    reverse_items: tuple[int, ...] = ()  # 1-based, ascending

    def __post_init__(self) -> None:
        where = f"Custom scale {self.key!r}"
        if not isinstance(self.key, str) or not _KEY_RE.fullmatch(self.key):
            raise MeasureError(f"Custom scale key {str(self.key)[:20]!r} must be 2–16 lower-case letters "
                               "or digits, starting with a letter")
        if self.key in INSTRUMENTS:
            raise MeasureError(f"{where} has the key of a built-in measure ({INSTRUMENTS[self.key].name})")
        object.__setattr__(self, "name", _plain_text(self.name, f"{where}: name", _NAME_MAX))
        count = _int_field(self.item_count, f"{where}: items")
        if not 1 <= count <= _ITEMS_MAX:
            raise MeasureError(f"{where}: items must be 1–{_ITEMS_MAX}, got {count}")
        low = _int_field(self.item_min, f"{where}: item_range low end")
        high = _int_field(self.item_max, f"{where}: item_range high end")
        if not 0 <= low < high <= _ITEM_VALUE_MAX:
            raise MeasureError(f"{where}: item_range must be two whole numbers, low < high, "
                               f"within 0–{_ITEM_VALUE_MAX}; got [{low}, {high}]")
        reverse = tuple(self.reverse_items)
        for number in reverse:
            _int_field(number, f"{where}: reverse item")
            if not 1 <= number <= count:
                raise MeasureError(f"{where}: reverse item {number} is not an item number (1–{count})")
        if len(set(reverse)) != len(reverse):
            raise MeasureError(f"{where}: reverse lists an item twice")
        object.__setattr__(self, "reverse_items", tuple(sorted(reverse)))
        bands = tuple(self.bands)
        if not bands:
            raise MeasureError(f"{where}: bands needs at least one [lowest total, name] pair")
        checked: list[tuple[int, str]] = []
        for index, band in enumerate(bands, start=1):
            if isinstance(band, (str, bytes)) or not isinstance(band, Sequence) or len(band) != 2:
                raise MeasureError(f"{where}: band {index} must be a [lowest total, name] pair")
            lowest = _int_field(band[0], f"{where}: band {index} lowest total")
            label = _plain_text(band[1], f"{where}: band {index} name", _NAME_MAX)
            if checked and lowest <= checked[-1][0]:
                raise MeasureError(f"{where}: bands must rise; band {index} starts at {lowest}, "
                                   f"not above {checked[-1][0]}")
            if not self.total_min <= lowest <= self.total_max:
                raise MeasureError(f"{where}: band {index} starts at {lowest}, outside the totals "
                                   f"{self.total_min}–{self.total_max}")
            if any(label.casefold() == name.casefold() for _, name in checked):
                raise MeasureError(f"{where}: band name {label!r} is used twice")
            checked.append((lowest, label))
        if checked[0][0] != self.total_min:
            raise MeasureError(f"{where}: the first band must start at the lowest total, {self.total_min}")
        object.__setattr__(self, "bands", tuple(checked))

    @classmethod
    def from_mapping(cls, key: str, data: Mapping[str, Any]) -> "CustomScale":
        """From config, e.g. ``[measures.custom.ors]`` ``name = "Outcome Rating Scale"``,
        ``items = 4``, ``item_range = [0, 10]``, ``bands = [[0, "clinical"], [25, "non-clinical"]]``,
        ``reverse = []``. Raises MeasureError naming the field at fault."""
        where = f"Custom scale {str(key)[:20]!r}"
        if not isinstance(data, Mapping):
            raise MeasureError(f"{where} must be a table of settings")
        unknown = sorted(str(k) for k in data if k not in _CUSTOM_FIELDS)
        if unknown:
            raise MeasureError(f"{where}: unknown setting {unknown[0][:20]!r}; expected "
                               f"{', '.join(sorted(_CUSTOM_FIELDS))}")
        for needed in ("name", "items", "item_range", "bands"):
            if needed not in data:
                raise MeasureError(f"{where}: {needed} is missing")
        span = data["item_range"]
        if isinstance(span, (str, bytes)) or not isinstance(span, Sequence) or len(span) != 2:
            raise MeasureError(f"{where}: item_range must be [lowest, highest], e.g. [0, 4]")
        reverse = data.get("reverse", [])
        if isinstance(reverse, (str, bytes)) or not isinstance(reverse, Sequence):
            raise MeasureError(f"{where}: reverse must be a list of item numbers, e.g. [2, 5]")
        bands = data["bands"]
        if isinstance(bands, (str, bytes)) or not isinstance(bands, Sequence):
            raise MeasureError(f"{where}: bands must be a list of [lowest total, name] pairs")
        return cls(key=str(key), name=data["name"], item_count=data["items"], item_min=span[0],
                   item_max=span[1], bands=tuple(tuple(b) if isinstance(b, list) else b for b in bands),
                   reverse_items=tuple(reverse))

    def to_mapping(self) -> dict[str, Any]:
        """The definition in config's shape (from_mapping reads it back): what a score stores."""
        return {"name": self.name, "items": self.item_count, "item_range": [self.item_min, self.item_max],
                "bands": [[lowest, label] for lowest, label in self.bands], "reverse": list(self.reverse_items)}

    def describe_rules(self) -> str:
        """The definition in words, for the signed text: "5 items 0–4, items 2, 5 reverse-scored;
        bands 0–7 good, 8–13 fair, 14–20 poor"."""
        reverse = ""
        if self.reverse_items:
            numbers = ", ".join(map(str, self.reverse_items))
            reverse = f", item{'s' if len(self.reverse_items) > 1 else ''} {numbers} reverse-scored"
        ranges = []
        for index, (lowest, label) in enumerate(self.bands):
            top = self.bands[index + 1][0] - 1 if index + 1 < len(self.bands) else self.total_max
            ranges.append(f"{lowest}–{top} {label}" if top != lowest else f"{lowest} {label}")
        items = f"{self.item_count} item{'s' if self.item_count != 1 else ''}"
        return f"{items} {self.item_min}–{self.item_max}{reverse}; bands {', '.join(ranges)}"

    @property
    def total_min(self) -> int:
        return self.item_count * self.item_min

    @property
    def total_max(self) -> int:
        return self.item_count * self.item_max

    def band_for(self, total: int) -> str:
        total = _whole_number(total, f"{self.name} total")
        if not self.total_min <= total <= self.total_max:
            raise MeasureError(f"{self.name} total must be {self.total_min}–{self.total_max}, got {total}")
        band = self.bands[0][1]
        for lowest, name in self.bands:
            if total >= lowest:
                band = name
        return band

    def scored(self, answers: Sequence[int]) -> tuple[int, ...]:
        """The item scores after reverse keying (answers as the client gave them)."""
        return tuple(self.item_min + self.item_max - value if number in self.reverse_items else value
                     for number, value in enumerate(answers, start=1))

    def check_answers(self, answers: Iterable[Any]) -> tuple[int, ...]:
        answers = tuple(answers)
        if len(answers) != self.item_count:
            raise MeasureError(f"{self.name} needs {self.item_count} item scores, got {len(answers)}")
        for number, value in enumerate(answers, start=1):
            value = _whole_number(value, f"{self.name} item {number}")
            if not self.item_min <= value <= self.item_max:
                raise MeasureError(f"{self.name} item {number} must be {self.item_min}–{self.item_max}, got {value}")
        return answers

    def score(self, answers: Iterable[Any]) -> "CustomScore":
        checked = self.check_answers(answers)
        return CustomScore(self, sum(self.scored(checked)), checked)

    def score_total(self, total: int) -> "CustomScore":
        return CustomScore(self, total)

    def parse(self, text: str, *, comment_allowed: bool = False) -> "CustomScore | None":
        """As ``parse_score``: a total, or every item's answer (before reverse keying)."""
        numbers = _numbers(self.name, self.total_max, text, comment_allowed=comment_allowed)
        if not numbers:
            if comment_allowed:
                raise MeasureError(f"{self.name} needs a total or {self.item_count} item scores")
            return None
        if len(numbers) == 1 and self.item_count != 1:
            return self.score_total(numbers[0])
        if len(numbers) != self.item_count:
            raise MeasureError(f"{self.name} needs a total or {self.item_count} item scores, "
                               f"got {len(numbers)} numbers")
        return self.score(numbers)


@dataclass(frozen=True)
class CustomScore:
    """One administration of a custom scale; construction refuses impossible scores."""

    scale: CustomScale
    total: int
    answers: tuple[int, ...] | None = None  # as given, before reverse keying

    def __post_init__(self) -> None:
        self.scale.band_for(self.total)  # range check
        if self.answers is not None:
            answers = self.scale.check_answers(self.answers)
            object.__setattr__(self, "answers", answers)
            expected = sum(self.scale.scored(answers))
            if expected != self.total:
                raise MeasureError(f"{self.scale.name} total {self.total} does not match the items, "
                                   f"which score {expected}")

    @property
    def band(self) -> str:
        return self.scale.band_for(self.total)

    def describe(self) -> str:
        return f"{self.scale.name} {self.total} ({self.band})"

    def as_measure(self) -> MeasureScore:
        """The score as every other measure is carried (draft, note, record): instrument custom:KEY."""
        return MeasureScore(CUSTOM_PREFIX + self.scale.key, self.total, self.answers, scale=self.scale)
