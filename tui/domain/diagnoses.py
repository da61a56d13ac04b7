"""ICD-10-CM diagnoses: a search over the real code set, and the Diagnosis a plan carries.

The code set is CMS's ICD-10-CM, as shipped by the ``simple-icd-10-cm`` package (its
tabular XML and code list; no hand-picked list here). Importing that package parses
~10 MB of XML (seconds, ~190 MB), so it is imported on first use only, never at start-up:
``code_set()`` builds a compact index once, under a lock, and keeps it. Call it from a
worker thread (``run_use_case``) the first time; ``is_loaded()`` says whether that is done.

Billable ("valid for HIPAA transactions") means a leaf of the tabular list, including the
7th-character extensions: a category such as F32 or F43.1 is a heading, not a diagnosis.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

__all__ = [
    "CodeEntry",
    "CodeSet",
    "Diagnosis",
    "DiagnosisError",
    "code_set",
    "diagnosis_problems",
    "is_loaded",
    "normalise_code",
    "search",
]


class DiagnosisError(ValueError):
    """A code or diagnosis that cannot be right. The message is written for the clinician."""


# A letter, two letters-or-digits (QA0 is a 2026 category), then up to four after the dot.
_CODE_RE = re.compile(r"[A-Z][0-9A-Z][0-9A-Z](?:\.[0-9A-Z]{1,4})?")
_CODE_TOKEN_RE = re.compile(r"[A-Za-z][0-9A-Za-z]{1,2}(?:\.?[0-9A-Za-z]{1,4})?")
_WORD_RE = re.compile(r"[a-z0-9]+")
_TITLE_MAX = 300  # the longest ICD-10-CM title is 228 characters
QUERY_MAX = 100


def normalise_code(text: str) -> str:
    """"f321", " F32.1 " -> "F32.1". Shape only (DiagnosisError); whether it exists is
    ``CodeSet.lookup``'s business."""
    raw = "".join(str(text).split()).upper()
    if "." not in raw and len(raw) > 3:
        raw = raw[:3] + "." + raw[3:]
    if not _CODE_RE.fullmatch(raw):
        shown = str(text).strip()[:12]
        raise DiagnosisError(f"{shown!r} is not an ICD-10-CM code (a letter and two characters, "
                             "then a dot and up to four more, e.g. F32.1)")
    return raw


@dataclass(frozen=True)
class CodeEntry:
    code: str  # with its dot: "F43.10"
    title: str
    billable: bool

    def label(self) -> str:
        return f"{self.code} {self.title}"


# -- matching words --------------------------------------------------------------------

# British spellings fold to the code set's American ones, on both sides of the match
# ("behaviour" finds "behavioral", "anaemia" "anemia").
_FOLDS = (("our", "or"), ("isation", "ization"), ("ise", "ize"), ("isi", "izi"), ("ae", "e"), ("oe", "e"))
# Light stemming so "depression" finds "depressive" and "anxious" "anxiety"; the stem is a
# prefix of the word, so a word still being typed matches too.
_SUFFIXES = ("ations", "ation", "ions", "ion", "ives", "ive", "ing", "ety", "ity", "ous", "ed", "es", "ic", "al", "s")
_STEM_MIN = 4
# Clinicians' abbreviations, expanded to the words of the titles they stand for.
_ABBREVIATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "ptsd": ("post", "traumatic", "stress"),
    "adhd": ("attention", "deficit", "hyperactivity"),
    "ocd": ("obsessive", "compulsive"),
    "gad": ("generalized", "anxiety"),
    "mdd": ("major", "depressive"),
    "bpd": ("borderline", "personality"),
    "si": ("suicidal", "ideations"),
})


def _fold(word: str) -> str:
    for old, new in _FOLDS:
        if old in word:
            word = word.replace(old, new)
    return word


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _STEM_MIN:
            return word[: -len(suffix)]
    return word


def _title_words(title: str) -> set[str]:
    lowered = title.lower()
    words = {_fold(w) for w in _WORD_RE.findall(lowered)}
    # "Post-traumatic" is also found as "posttraumatic".
    for joined in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", lowered):
        words.add(_fold(joined.replace("-", "")))
    return words


def _chapter_rank(code: str) -> int:
    # A psychotherapy practice codes mental disorders (F), then symptoms and factors
    # (R45 suicidal ideation, Z63 relationship problems) before anything else.
    letter = code[0]
    return 0 if letter == "F" else 1 if letter in "RZ" else 2


@dataclass(frozen=True)
class _Token:
    word: str  # folded, for title words
    stem: str
    code: str  # upper-case, no dot, "" when the token cannot be a code prefix


def _tokens(query: str) -> list[_Token]:
    out: list[_Token] = []
    for chunk in str(query)[:QUERY_MAX].replace(",", " ").split():
        if _CODE_TOKEN_RE.fullmatch(chunk) and any(ch.isdigit() for ch in chunk):
            # "F32.1" stays one token: a code prefix (or the words "f32", "1" of no title).
            code = chunk.replace(".", "").upper()
            out.append(_Token(code.lower(), code.lower(), code))
            continue
        for word in _WORD_RE.findall(chunk.lower()):
            for part in _ABBREVIATIONS.get(word, (word,)):
                folded = _fold(part)
                # A word is also a code prefix when it could be one: "z63", or a chapter letter.
                code = part.upper() if len(part) == 1 and part.isalpha() or (
                    _CODE_TOKEN_RE.fullmatch(part) and any(ch.isdigit() for ch in part)) else ""
                out.append(_Token(folded, _stem(folded), code))
    # A lone letter is a chapter ("F": its codes), never "every word starting with f": that
    # would match most of the code set. Beside other words it adds nothing ("hepatitis a").
    letters = [t for t in out if len(t.word) == 1 and t.word.isalpha()]
    if letters and len(out) > len(letters):
        out = [t for t in out if t not in letters]
    return out


class CodeSet:
    """The code set, indexed for search: code prefix, and words of the title."""

    def __init__(self, entries: Iterable[tuple[str, str, bool]], *, version: str = "") -> None:
        self.version = version
        self._entries: list[CodeEntry] = []
        self._by_code: dict[str, int] = {}
        postings: dict[str, list[int]] = {}
        for code, title, billable in entries:
            if not _CODE_RE.fullmatch(code) or code in self._by_code:
                continue  # chapters ("5"), blocks ("F30-F39"), repeated headings
            # Titles hold tabs and brackets; one line of plain text each.
            clean = " ".join(str(title).split())[:_TITLE_MAX]
            index = len(self._entries)
            self._entries.append(CodeEntry(code, clean, bool(billable)))
            self._by_code[code] = index
            for word in _title_words(clean):
                postings.setdefault(word, []).append(index)
        self._vocabulary = sorted(postings)
        self._postings = {word: tuple(ids) for word, ids in postings.items()}
        # No-dot codes sorted, for code-prefix lookups.
        self._codes_sorted = sorted((e.code.replace(".", ""), i) for i, e in enumerate(self._entries))
        self._code_keys = [key for key, _ in self._codes_sorted]
        self._word_counts = [len(_WORD_RE.findall(e.title.lower())) for e in self._entries]

    @classmethod
    def from_package(cls) -> "CodeSet":
        """Build from ``simple_icd_10_cm`` (slow: the package parses its XML on import)."""
        import simple_icd_10_cm as icd  # deferred: see the module docstring

        rows = ((code, icd.get_description(code), icd.is_leaf(code)) for code in icd.get_all_codes(with_dots=True)
                if _CODE_RE.fullmatch(code))
        inner = getattr(icd, "simple_icd_10_cm", None)
        source = getattr(inner, "_classification_data_package_file_name", "")
        found = re.search(r"([A-Za-z]+)-(\d{1,2})-(\d{4})", source)
        version = f"ICD-10-CM {found.group(1)} {found.group(2)} {found.group(3)}" if found else "ICD-10-CM"
        return cls(rows, version=version)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, code: str) -> CodeEntry | None:
        """The entry for a code (any case, with or without the dot), None if there is none."""
        try:
            key = normalise_code(code)
        except DiagnosisError:
            return None
        index = self._by_code.get(key)
        return self._entries[index] if index is not None else None

    def _word_ids(self, prefix: str) -> set[int]:
        ids: set[int] = set()
        start = bisect.bisect_left(self._vocabulary, prefix)
        for word in self._vocabulary[start:]:
            if not word.startswith(prefix):
                break
            ids.update(self._postings[word])
        return ids

    def _code_ids(self, prefix: str) -> set[int]:
        ids: set[int] = set()
        start = bisect.bisect_left(self._code_keys, prefix)
        for key, index in self._codes_sorted[start:]:
            if not key.startswith(prefix):
                break
            ids.add(index)
        return ids

    def search(self, query: str, *, limit: int = 20, billable_only: bool = True) -> list[CodeEntry]:
        """Codes whose code starts with the query, or whose title has every query word
        (as the start of a word); ranked: the exact code, code-prefix matches in code order,
        then titles with more whole-word matches, mental-health chapters first, shorter
        (more general) titles first. Billable codes only unless ``billable_only`` is False."""
        tokens = _tokens(query)
        if not tokens or limit <= 0:
            return []
        code_hits: set[int] | None = None  # entries every token matches by code prefix
        matched: set[int] | None = None
        for token in tokens:
            by_code = self._code_ids(token.code) if token.code else set()
            chapter_only = len(token.word) == 1 and token.word.isalpha()
            ids = by_code if chapter_only else self._word_ids(token.stem) | by_code
            matched = ids if matched is None else matched & ids
            code_hits = by_code if code_hits is None else code_hits & by_code
            if not matched:
                return []
        assert matched is not None and code_hits is not None
        if billable_only:
            matched = {i for i in matched if self._entries[i].billable}
        exact = self._by_code.get(_dotted(tokens[0].code)) if len(tokens) == 1 and tokens[0].code else None
        stems = [t.stem for t in tokens]
        first = tokens[0].stem

        def rank(index: int) -> tuple[int, ...]:
            if index == exact:
                return (0, 0, 0, 0, 0, index)
            if index in code_hits:
                return (1, 0, 0, 0, 0, index)  # index: code-set (tabular) order
            entry = self._entries[index]
            words = [_fold(w) for w in _WORD_RE.findall(entry.title.lower())]
            stemmed = {_stem(w) for w in words}
            whole = sum(1 for s in stems if s in stemmed)
            starts = 0 if words and words[0].startswith(first) else 1
            return (2, -whole, starts, _chapter_rank(entry.code), self._word_counts[index], index)

        return [self._entries[i] for i in heapq.nsmallest(limit, matched, key=rank)]


def _dotted(code: str) -> str:
    return code if len(code) <= 3 else code[:3] + "." + code[3:]


_CODE_SET: CodeSet | None = None
_LOCK = threading.Lock()


def code_set() -> CodeSet:
    """The ICD-10-CM code set, built on first call (seconds; call it from a worker)."""
    global _CODE_SET
    if _CODE_SET is None:
        with _LOCK:
            if _CODE_SET is None:
                _CODE_SET = CodeSet.from_package()
    return _CODE_SET


def is_loaded() -> bool:
    return _CODE_SET is not None


def search(query: str, *, limit: int = 20, billable_only: bool = True) -> list[CodeEntry]:
    return code_set().search(query, limit=limit, billable_only=billable_only)


# -- the diagnosis on a plan -----------------------------------------------------------

def _onset(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DiagnosisError(f"Onset must be a date (YYYY-MM-DD), got {str(value)[:20]!r}")


@dataclass(frozen=True)
class Diagnosis:
    """One ICD-10-CM diagnosis on a treatment plan, carried onto every note.

    Construction checks the shape only, so a stored diagnosis always loads: codes are
    retired and split in yearly releases, and a plan made under an older release stays
    readable with the title it was recorded with. ``Diagnosis.chosen`` is how a new one is
    made: the code must exist and be billable in the current code set.
    """

    code: str
    title: str
    primary: bool = False
    onset: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", normalise_code(self.code))
        if not isinstance(self.title, str) or not self.title.strip():
            raise DiagnosisError(f"Diagnosis {self.code} needs its title")
        title = " ".join(self.title.split())
        if len(title) > _TITLE_MAX or any(not ch.isprintable() for ch in title):
            raise DiagnosisError(f"Diagnosis {self.code}: the title is not plain text of at most {_TITLE_MAX} characters")
        object.__setattr__(self, "title", title)
        if not isinstance(self.primary, bool):
            raise DiagnosisError(f"Diagnosis {self.code}: primary must be true or false")
        object.__setattr__(self, "onset", _onset(self.onset))

    @classmethod
    def chosen(cls, code: str, *, primary: bool = False, onset: date | str | None = None,
               today: date | None = None, codes: CodeSet | None = None) -> "Diagnosis":
        """A diagnosis picked now: the code must be in the code set and billable; the title
        is the code set's. ``today`` (local) refuses an onset in the future."""
        key = normalise_code(code)
        table = codes if codes is not None else code_set()
        entry = table.lookup(key)
        if entry is None:
            raise DiagnosisError(f"{key} is not in the ICD-10-CM code set ({table.version or 'current release'})")
        if not entry.billable:
            raise DiagnosisError(f"{key} ({entry.title}) is a heading, not a billable code: "
                                 "pick one of the codes under it")
        made = cls(entry.code, entry.title, primary, onset)
        if today is not None and made.onset is not None and made.onset > today:
            raise DiagnosisError(f"Onset {made.onset.isoformat()} for {key} is in the future")
        return made

    def label(self) -> str:
        """"F32.1 Major depressive disorder, single episode, moderate" (with "(primary)")."""
        return f"{self.code} {self.title}" + (" (primary)" if self.primary else "")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "primary": self.primary,
                "onset": self.onset.isoformat() if self.onset else ""}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Diagnosis":
        return cls(data["code"], data["title"], bool(data.get("primary", False)), data.get("onset") or None)


def diagnosis_problems(diagnoses: Sequence[Diagnosis], *, today: date | None = None) -> list[str]:
    """What is wrong with a plan's list of diagnoses, each a sentence (empty: fine).

    One primary when there are any; no code twice; no onset after ``today``."""
    out: list[str] = []
    if diagnoses:
        primaries = [d.code for d in diagnoses if d.primary]
        if not primaries:
            out.append("Mark one diagnosis as primary.")
        elif len(primaries) > 1:
            out.append(f"Only one diagnosis can be primary ({', '.join(primaries)} are marked).")
    seen: set[str] = set()
    for diagnosis in diagnoses:
        if diagnosis.code in seen:
            out.append(f"{diagnosis.code} is listed twice.")
        seen.add(diagnosis.code)
        if today is not None and diagnosis.onset is not None and diagnosis.onset > today:
            out.append(f"Onset {diagnosis.onset.isoformat()} for {diagnosis.code} is in the future.")
    return out
