"""Session shorthand: one typed line -> a categorised jotting.

The scratchpad keeps exactly what the clinician typed; this module only
reads it. ``parse_jotting`` must never raise: a parser that can fail would
lose a line typed with the clinician's eyes on the client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from .measures import CUSTOM_PREFIX, INSTRUMENTS, CustomScale, MeasureError, MeasureScore, parse_score

__all__ = [
    "Category",
    "DEFAULT_ABBREVIATIONS",
    "DEFAULT_MARKERS",
    "DEFAULT_RULES",
    "GoalJotting",
    "Jotting",
    "MeasureJotting",
    "PrivateJottingError",
    "ShorthandRules",
    "carry_into_note",
    "expand_abbreviations",
    "marker_guide",
    "marker_span",
    "parse_jotting",
    "strip_tags",
]


class Category(StrEnum):
    QUOTE = "quote"
    OBSERVATION = "observation"
    INTERVENTION = "intervention"
    RESPONSE = "response"
    THEME = "theme"
    RISK = "risk"
    HOMEWORK = "homework"
    QUESTION = "question"
    PRIVATE = "private"
    MEASURE = "measure"
    TAG = "tag"
    GOAL = "goal"
    PLAIN = "plain"


class PrivateJottingError(Exception):
    """A private (~) jotting was about to be carried into the clinical record.

    Deliberately not a ValueError, so a broad ``except ValueError`` cannot
    swallow it on the way to the record.
    """


DEFAULT_MARKERS: Mapping[Category, tuple[str, ...]] = MappingProxyType(
    {
        # “ too: macOS smart quotes turn " into it.
        Category.QUOTE: ('"', "\u201c"),
        Category.OBSERVATION: ("obs:", "o"),
        Category.INTERVENTION: (">",),
        Category.RESPONSE: ("<",),
        Category.THEME: ("*",),
        Category.RISK: ("!",),
        Category.HOMEWORK: ("hw",),
        Category.QUESTION: ("?",),
        Category.PRIVATE: ("~",),
        Category.MEASURE: ("phq9", "phq-9", "gad7", "gad-7", "pcl5", "pcl-5", "cssrs", "c-ssrs"),
        Category.TAG: ("#",),
        Category.GOAL: ("g",),
    }
)

DEFAULT_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "SI": "suicidal ideation",
        "HI": "homicidal ideation",
        "SH": "self-harm",
        "NSSI": "non-suicidal self-injury",
        "AH": "auditory hallucinations",
        "VH": "visual hallucinations",
        "c/o": "complains of",
        "w/": "with",
        "w/o": "without",
        "b/c": "because",
        "f/u": "follow-up",
        "sx": "symptoms",
        "tx": "treatment",
        "hx": "history",
        "dx": "diagnosis",
        "pt": "patient",
        "appt": "appointment",
        "CR": "cognitive restructuring",
        "BA": "behavioural activation",
        "PE": "psychoeducation",
        "MI": "motivational interviewing",
        "PMR": "progressive muscle relaxation",
        "DBT": "dialectical behaviour therapy",
        "CBT": "cognitive behavioural therapy",
        "ACT": "acceptance and commitment therapy",
        "MSE": "mental status examination",
        "WNL": "within normal limits",
        "IPV": "intimate partner violence",
        "ETOH": "alcohol",
    }
)


def _freeze_markers(markers: Mapping[Category, tuple[str, ...]]) -> Mapping[Category, tuple[str, ...]]:
    return MappingProxyType({Category(k): tuple(v) for k, v in markers.items()})


@dataclass(frozen=True)
class ShorthandRules:
    """Marker prefixes per category and the abbreviation table.

    Word-like markers ("o", "hw", "phq9") must be followed by a space or a
    colon, so "ok" is not an observation and "hwy" is not homework.
    Markers match case-insensitively; abbreviations do not (see
    ``expand_abbreviations``).
    """

    markers: Mapping[Category, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_MARKERS)
    abbreviations: Mapping[str, str] = field(default_factory=lambda: DEFAULT_ABBREVIATIONS)
    # Custom scales from config ([measures.custom.KEY]), by key: "KEY 3 2 1 4" is its score.
    custom_scales: Mapping[str, CustomScale] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "markers", _freeze_markers(self.markers))
        object.__setattr__(self, "abbreviations", MappingProxyType(dict(self.abbreviations)))
        object.__setattr__(self, "custom_scales", MappingProxyType(dict(self.custom_scales)))
        _check_custom_keys(self.markers, self.custom_scales)

    def __hash__(self) -> int:
        return hash(
            (
                tuple(sorted((str(k), v) for k, v in self.markers.items())),
                tuple(sorted(self.abbreviations.items())),
                tuple(sorted(self.custom_scales.items())),
            )
        )

    @classmethod
    def from_config(
        cls,
        markers: dict[str, list[str]] | None,
        abbreviations: dict[str, str] | None,
        custom_scales: Mapping[str, CustomScale] | None = None,
    ) -> "ShorthandRules":
        """Merge user config over the defaults.

        A category named in ``markers`` gets exactly the listed markers
        (so a default can be dropped). An abbreviation mapped to "" is
        removed. Raises ValueError for unknown categories and for markers
        that would be ambiguous or unsafe.
        """
        merged: dict[Category, tuple[str, ...]] = dict(DEFAULT_MARKERS)
        for name, prefixes in (markers or {}).items():
            try:
                category = Category(str(name).strip().lower())
            except ValueError:
                known = ", ".join(c.value for c in Category if c is not Category.PLAIN)
                raise ValueError(
                    f"Unknown shorthand category {name!r} in config; expected one of: {known}"
                ) from None
            if category is Category.PLAIN:
                raise ValueError("Plain text has no marker; remove 'plain' from the shorthand config")
            if isinstance(prefixes, str) or not isinstance(prefixes, (list, tuple)):
                raise ValueError(
                    f"Markers for {category.value!r} must be a list of strings, got {prefixes!r}"
                )
            cleaned: list[str] = []
            for prefix in prefixes:
                if not isinstance(prefix, str) or not prefix.strip():
                    raise ValueError(f"Empty or non-text marker {prefix!r} for {category.value!r}")
                if any(ch.isspace() for ch in prefix.strip()):
                    raise ValueError(f"Marker {prefix!r} for {category.value!r} must not contain spaces")
                cleaned.append(prefix.strip())
            if category is Category.PRIVATE and not cleaned:
                # Without a private marker, private reflections would read as plain text
                # and become carryable into the record.
                raise ValueError("The private category needs at least one marker")
            if category is Category.MEASURE:
                for prefix in cleaned:
                    key = "".join(ch for ch in prefix.lower() if ch.isalnum())
                    if key not in INSTRUMENTS:
                        raise ValueError(
                            f"Measure marker {prefix!r} does not name a known measure "
                            f"({', '.join(inst.name for inst in INSTRUMENTS.values())})"
                        )
            merged[category] = tuple(cleaned)

        owner: dict[str, Category] = {}
        for category, prefixes in merged.items():
            for prefix in prefixes:
                other = owner.get(prefix.lower())
                if other is not None and other is not category:
                    raise ValueError(
                        f"Marker {prefix!r} is used for both {other.value!r} and {category.value!r}"
                    )
                owner[prefix.lower()] = category

        table = dict(DEFAULT_ABBREVIATIONS)
        for short, long in (abbreviations or {}).items():
            if not isinstance(short, str) or not short.strip():
                raise ValueError(f"Empty abbreviation {short!r} in config")
            if not isinstance(long, str):
                raise ValueError(f"Expansion for abbreviation {short!r} must be text, got {long!r}")
            if long == "":
                table.pop(short.strip(), None)
            else:
                table[short.strip()] = long
        return cls(markers=merged, abbreviations=table, custom_scales=custom_scales or {})


class CustomScaleKeyError(ValueError):
    """A custom scale's key that session shorthand could not tell from another marker."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _check_custom_keys(markers: Mapping[Category, tuple[str, ...]], scales: Mapping[str, CustomScale]) -> None:
    """A custom scale is typed by its key ("ors 7 8 6 9"), so the key must not be, or be
    taken by, another marker: "hw" stays homework, "g12" stays goal 12."""
    taken = {p.lower().rstrip(":"): category for category, prefixes in markers.items() for p in prefixes}
    for key, scale in scales.items():
        if not isinstance(scale, CustomScale) or scale.key != key:
            raise CustomScaleKeyError(str(key), f"Custom scale {str(key)[:20]!r} does not match its definition")
        if key in taken:
            raise CustomScaleKeyError(key, f"Custom scale key {key!r} is already the shorthand marker for "
                                           f"{taken[key].value}; choose another key")
        for goal in markers.get(Category.GOAL, ()):
            if key.startswith(goal.lower()) and key[len(goal):].isdigit():
                raise CustomScaleKeyError(key, f"Custom scale key {key!r} reads as goal progress "
                                               f"({goal}{key[len(goal):]} +); choose another key")


DEFAULT_RULES = ShorthandRules()


@dataclass(frozen=True)
class MeasureJotting:
    instrument: str  # a key of measures.INSTRUMENTS ("phq9", "gad7", "pcl5", "cssrs") or "custom:KEY"
    total: int
    items: tuple[int, ...] | None = None
    scale: CustomScale | None = None  # a custom scale's definition as configured when typed

    def to_score(self) -> MeasureScore:
        return MeasureScore(self.instrument, self.total, self.items, scale=self.scale)


_DIRECTION_STATUS = {"+": "improved", "=": "stable", "-": "deteriorated"}


@dataclass(frozen=True)
class GoalJotting:
    ordinal: int
    direction: str  # "+" | "=" | "-"
    evidence: str = ""
    # "g1.2 +": objective 2 of goal 1 (issue 13 item 2); 0 for the goal itself ("g1 +").
    objective: int = 0

    @property
    def status(self) -> str:
        """The progress-note word: improved / stable / deteriorated."""
        return _DIRECTION_STATUS[self.direction]


@dataclass(frozen=True)
class Jotting:
    text: str  # exactly as typed
    category: Category
    marker: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()  # "#word", lower-cased, first occurrence order
    measure: MeasureJotting | None = None
    goal: GoalJotting | None = None
    problem: str = ""  # why a measure/goal line could not be read; "" when fine
    # Group attribution as typed after "@" ("AB" for "@AB"), "" when the line names no
    # member by attribution. Which member it means is resolved against the group's
    # members (tui.domain.group); the scratchpad keeps the "@" as typed.
    member: str = ""

    @property
    def carryable(self) -> bool:
        """May this jotting be offered for the clinical record?"""
        return self.category is not Category.PRIVATE


# --- parsing -----------------------------------------------------------------

# A tag starts with a letter so "#3" or "item#2" are not tags.
_TAG_RE = re.compile(r"(?<![\w#])#([^\W\d_][\w-]*)")
_GOAL_RE = re.compile(r"(\d{1,3})(?:\.(\d{1,2}))?[ \t]*:?[ \t]*([+=\-\u2212])(?=\s|$)")


@dataclass(frozen=True)
class _Match:
    category: Category
    start: int
    end: int  # end of the marker proper
    body_start: int  # where the body begins (after an optional ":" separator)


def _needs_boundary(prefix: str) -> bool:
    # "o", "hw", "phq9", "obs" end in a letter/digit; "obs:", ">" do not.
    return prefix[-1:].isalnum()


def _boundary_ok(text: str, end: int) -> bool:
    return end < len(text) and (text[end].isspace() or text[end] == ":")


def _skip_separator(text: str, pos: int) -> int:
    """Skip "   :  " after a word marker so "hw: walk" and "hw walk" read alike."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos < len(text) and text[pos] in ":=":
        pos += 1
    return pos


def _startswith_ci(text: str, pos: int, prefix: str) -> bool:
    return text[pos : pos + len(prefix)].lower() == prefix.lower()


def _match(text: str, rules: ShorthandRules) -> _Match | None:
    pos = len(text) - len(text.lstrip())
    if pos >= len(text):
        return None

    # Tag line: "#word ...". Checked before symbol markers so a user marker
    # of "#" cannot steal it.
    tag_prefixes = rules.markers.get(Category.TAG, ())
    for prefix in sorted(tag_prefixes, key=len, reverse=True):
        if _startswith_ci(text, pos, prefix):
            word = re.match(r"[^\W\d_][\w-]*", text[pos + len(prefix) :])
            if word:
                end = pos + len(prefix) + word.end()
                return _Match(Category.TAG, pos, end, end)

    # Goal: "g1 +", "g2=", "g3 - slept 7h"; an objective of a goal: "g1.2 +".
    for prefix in sorted(rules.markers.get(Category.GOAL, ()), key=len, reverse=True):
        if _startswith_ci(text, pos, prefix):
            after = pos + len(prefix)
            digits = re.match(r"\d{1,3}(?:\.\d{1,2})?(?=[\s+=\-\u2212:]|$)", text[after:])
            if digits:
                rest = _GOAL_RE.match(text, after)
                end = rest.end() if rest else after + digits.end()
                return _Match(Category.GOAL, pos, end, end)

    candidates: list[tuple[str, Category]] = []
    for category, prefixes in rules.markers.items():
        if category in (Category.TAG, Category.GOAL):
            continue
        candidates.extend((p, category) for p in prefixes)
    candidates.extend((key, Category.MEASURE) for key in rules.custom_scales)
    # Longest first, so ">>" (if configured) beats ">" and "obs:" beats "o".
    candidates.sort(key=lambda pc: len(pc[0]), reverse=True)
    for prefix, category in candidates:
        if not prefix or not _startswith_ci(text, pos, prefix):
            continue
        end = pos + len(prefix)
        if _needs_boundary(prefix):
            if category is Category.MEASURE:
                # "phq9" alone is still a (bad) measure line, not plain text.
                if end < len(text) and not (text[end].isspace() or text[end] in ":="):
                    continue
            elif not _boundary_ok(text, end):
                continue
            return _Match(category, pos, end, _skip_separator(text, end))
        return _Match(category, pos, end, end)
    return None


def _find_tags(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for m in _TAG_RE.finditer(text):
        seen.setdefault("#" + m.group(1).lower(), None)
    return tuple(seen)


def _parse_measure(marker: str, body: str, rules: ShorthandRules) -> tuple[MeasureJotting | None, str]:
    key = "".join(ch for ch in marker.lower() if ch.isalnum())
    custom = rules.custom_scales.get(marker.lower())
    if custom is not None:
        try:
            found = custom.parse(body, comment_allowed=True)
        except MeasureError as exc:
            return None, str(exc)
        assert found is not None  # with comment_allowed, no number is a MeasureError
        return MeasureJotting(CUSTOM_PREFIX + custom.key, found.total, found.answers, custom), ""
    if key not in INSTRUMENTS:
        return None, f"Unknown measure {marker!r}"
    try:
        score = parse_score(key, body, comment_allowed=True)
    except MeasureError as exc:
        return None, str(exc)
    assert score is not None  # with comment_allowed, no number is a MeasureError
    return MeasureJotting(score.instrument, score.total, score.items), ""


def _parse_goal(text: str, m: _Match, prefix_len: int) -> tuple[GoalJotting | None, str]:
    found = _GOAL_RE.match(text, m.start + prefix_len)
    if not found:
        return None, "Goal progress needs +, = or - after the goal number (e.g. g1 +, or g1.2 + for objective 2)"
    direction = found.group(3).replace("\u2212", "-")
    evidence = text[found.end() :].strip()
    return GoalJotting(int(found.group(1)), direction, evidence, int(found.group(2) or 0)), ""


def parse_jotting(text: str, rules: ShorthandRules = DEFAULT_RULES) -> Jotting:
    """Read one typed line. Never raises."""
    try:
        return _parse(text, rules)
    except Exception:  # noqa: BLE001 - last line of defence; see module docstring
        safe = text if isinstance(text, str) else str(text)
        return Jotting(text=safe, category=Category.PLAIN, body=safe.strip())


# "@AB " / "@AB:" at the start of a line (or right after its marker) attributes it to a
# group member by code or initials. Letters, digits, "-", "_" and "." (codes like "C-104").
_MEMBER_RE = re.compile(r"@([^\W_][\w.\-]*?)[.:]?(?=\s|$)")


def _split_member(text: str) -> tuple[str, str]:
    """("AB", text without the leading "@AB") or ("", text)."""
    stripped = text.lstrip()
    found = _MEMBER_RE.match(stripped)
    if not found:
        return "", text
    return found.group(1), stripped[found.end():].lstrip()


def _parse(text: str, rules: ShorthandRules) -> Jotting:
    if not isinstance(text, str):
        text = str(text)
    member, rest = _split_member(text)
    if member:
        inner = _parse(rest, rules)
        # The attribution is not part of the body: the note never carries "@AB".
        return replace(inner, text=text, member=member, tags=_find_tags(text))
    tags = _find_tags(text)
    m = _match(text, rules)
    if m is None:
        return Jotting(text=text, category=Category.PLAIN, body=text.strip(), tags=tags)

    marker = text[m.start : m.end]
    body = text[m.body_start :].strip()
    if m.category is Category.MEASURE:
        member, body = _split_member(body)
        measure, problem = _parse_measure(marker, body, rules)
        return Jotting(text, Category.MEASURE, marker, body, tags, measure=measure, problem=problem,
                       member=member)
    if m.category not in (Category.MEASURE, Category.GOAL):
        # "! @AB passive SI": attribution right after the marker reads the same.
        member, rest = _split_member(body)
        if member:
            return Jotting(text, m.category, marker, rest.strip(), tags, member=member)
    if m.category is Category.GOAL:
        prefix_len = next(
            len(p)
            for p in sorted(rules.markers.get(Category.GOAL, ()), key=len, reverse=True)
            if _startswith_ci(text, m.start, p)
        )
        goal, problem = _parse_goal(text, m, prefix_len)
        body = goal.evidence if goal else text[m.end :].strip()
        return Jotting(text, Category.GOAL, marker.strip(), body, tags, goal=goal, problem=problem)
    return Jotting(text, m.category, marker, body, tags)


def marker_span(text: str, rules: ShorthandRules = DEFAULT_RULES) -> tuple[int, int] | None:
    """Character span of the marker (for tinting), or None for plain text. Never raises."""
    try:
        member, rest = _split_member(text)
        offset = len(text) - len(rest) if member else 0
        m = _match(rest if member else text, rules)
    except Exception:  # noqa: BLE001 - tinting must never break typing
        return None
    if m is None:
        return None  # an attribution alone is plain text: nothing to tint
    return (m.start + offset, m.end + offset)


# --- carrying into a note ----------------------------------------------------

_pattern_cache: dict[tuple[tuple[str, str], ...], tuple[re.Pattern[str], dict[str, str]]] = {}


def _abbreviation_pattern(abbreviations: Mapping[str, str]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    key = tuple(sorted(abbreviations.items()))
    cached = _pattern_cache.get(key)
    if cached:
        return cached
    lookup: dict[str, str] = {}
    for short, long in abbreviations.items():
        if not short:
            continue
        lookup[short] = long
        # "Hx of trauma" at the start of a sentence: lower-case entries also
        # match capitalised. Upper-case entries stay exact, so Spanish "si"
        # or a "pe" fragment is never touched.
        if short[0].islower():
            lookup.setdefault(short[0].upper() + short[1:], long[:1].upper() + long[1:])
    if not lookup:
        return None
    parts = []
    for short in sorted(lookup, key=len, reverse=True):
        # Word edges only where the abbreviation itself has a word edge, so
        # "SI/HI" and "w/mum" work but "SIGN" and "now/then" do not match.
        before = r"(?<!\w)" if short[0].isalnum() or short[0] == "_" else ""
        after = r"(?!\w)" if short[-1].isalnum() or short[-1] == "_" else ""
        if not short[0].isalnum():
            before = r"(?<!\S)"
        parts.append(before + re.escape(short) + after)
    pattern = re.compile("|".join(parts))
    if len(_pattern_cache) > 32:
        _pattern_cache.clear()
    _pattern_cache[key] = (pattern, lookup)
    return pattern, lookup


def expand_abbreviations(text: str, abbreviations: Mapping[str, str] = DEFAULT_ABBREVIATIONS) -> str:
    """Whole-word expansion, case-sensitive for the clinical upper-case forms."""
    compiled = _abbreviation_pattern(abbreviations)
    if compiled is None:
        return text
    pattern, lookup = compiled
    return pattern.sub(lambda m: lookup[m.group(0)], text)


def strip_tags(text: str) -> str:
    """Remove #tags (an indexing aid, not prose) and tidy the spaces left behind."""
    without = _TAG_RE.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", without).strip()


def _quote_body(body: str) -> str:
    # Trailing tags typed after the closing quote are indexing, not the client's words.
    words = re.sub(r"(\s+#[^\W\d_][\w-]*)+\s*$", "", " " + body).strip()
    # The marker is the opening quote; a line typed already quoted (""…"" or "“…”")
    # must still come out with one pair, so every outer quotation mark goes.
    return words.strip(_QUOTE_MARKS + " \t")


_QUOTE_MARKS = '"\u201c\u201d\u201e\u00ab\u00bb'


def carry_into_note(jotting: Jotting, rules: ShorthandRules = DEFAULT_RULES) -> str:
    """The text a jotting contributes to a progress note.

    Marker stripped, abbreviations expanded. The client's own words (quotes)
    stay verbatim inside quotation marks. Raises PrivateJottingError for a
    private jotting.
    """
    # Re-read the raw text too: a Jotting built by hand with the wrong
    # category must not smuggle a "~" line into the record.
    if jotting.category is Category.PRIVATE or parse_jotting(jotting.text, rules).category is Category.PRIVATE:
        raise PrivateJottingError(
            "Private jottings (~) are psychotherapy notes and never go into the clinical record"
        )
    abbreviations = rules.abbreviations
    typed = _split_member(jotting.text)[1] if jotting.member else jotting.text
    if jotting.category is Category.QUOTE:
        return f'"{_quote_body(jotting.body)}"'
    if jotting.category is Category.MEASURE:
        if jotting.measure is not None:
            return jotting.measure.to_score().describe()
        # Unreadable score: keep the whole line so "phq9 30" does not become "30".
        return typed.strip()
    if jotting.category is Category.GOAL and jotting.goal is None:
        return expand_abbreviations(strip_tags(typed), abbreviations)
    if jotting.category is Category.GOAL and jotting.goal is not None:
        goal = jotting.goal
        line = (f"Objective {goal.ordinal}.{goal.objective}: {goal.status}" if goal.objective
                else f"Goal {goal.ordinal}: {goal.status}")
        evidence = expand_abbreviations(strip_tags(goal.evidence), abbreviations)
        return f"{line} ({evidence})" if evidence else line
    return expand_abbreviations(strip_tags(jotting.body), abbreviations)


_GUIDE: tuple[tuple[Category, str, str], ...] = (
    (Category.QUOTE, '{m} I can\'t switch off', "the client's words (Subjective / Data / Behavior)"),
    (Category.OBSERVATION, "{m} tired, flat affect", "what you observe (Objective / Data)"),
    (Category.INTERVENTION, "{m} CR on catastrophising", "an intervention you used (Interventions)"),
    (Category.RESPONSE, "{m} able to reframe", "the client's response (Assessment / Response)"),
    (Category.THEME, "{m} avoidance keeps the worry going", "theme or impression (Assessment)"),
    (Category.RISK, "{m} denies SI/HI", "risk and safety: always reaches the Risk step"),
    (Category.HOMEWORK, "{m} sleep diary", "homework (Plan)"),
    (Category.QUESTION, "{m} ask about the sister", "a question for next time (Plan, next scratchpad)"),
    (Category.PRIVATE, "{m} my own tiredness", "private reflection: NEVER goes into the record"),
    (Category.MEASURE, "{m} 11   or   {m} 1 2 1 0 3 1 0 2 1",
     "a score: total or item scores (Measures); the C-SSRS as answers: cssrs y n n n n n"),
    (Category.GOAL, "{m}1 +   {m}2 =   {m}3 -   {m}1.2 +",
     "goal 1 better, 2 same, 3 worse; objective 2 of goal 1 better (Goals)"),
    (Category.TAG, "{m}sleep", "a tag: kept on the note, searchable"),
)


def marker_guide(rules: ShorthandRules = DEFAULT_RULES) -> list[tuple[str, str]]:
    """(what to type, what it means) for every marker as configured, then group attribution."""
    out: list[tuple[str, str]] = []
    for category, example, meaning in _GUIDE:
        markers = rules.markers.get(category, ())
        if not markers:
            continue
        out.append((example.format(m=markers[0]), meaning + (f"  (also {', '.join(markers[1:])})" if len(markers) > 1 else "")))
    for key, scale in rules.custom_scales.items():
        out.append((f"{key} {scale.total_min}   or   {key} " + " ".join([str(scale.item_min)] * min(scale.item_count, 6))
                    + (" …" if scale.item_count > 6 else ""),
                    f"{scale.name}: total or {scale.item_count} item scores {scale.item_min}–{scale.item_max} "
                    "(Measures; a custom scale from config)"))
    out.append(("@AB " + '" I felt left out', "in a group: about member AB (code, initials or first name); "
                "offered only in their part"))
    return out
