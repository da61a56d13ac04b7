"""The routing corpus: realistic session transcripts with where each line should land.

Each file in corpus/ has a header (``template:``, for a group ``members:``), a ``---``
line, then one jotting per line: ``what was typed  =>  destinations``. Destinations are
those of ``tui.domain.routing.destinations``. In a group transcript they are prefixed:
``C-201: ...`` (only in that member's write-up), ``shared: ...`` (the shared group
part, the same in every member's write-up), ``each: ...`` (in every member's write-up)
or ``nowhere``. Run ``python tests/unit/routing/routing_corpus.py`` for the share routed as
expected and every miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tui.domain.group import MemberIdentity
from tui.domain.routing import destinations, offers, risk_jottings
from tui.domain.shorthand import Category, Jotting, parse_jotting
from tui.domain.templates import BUILTIN_TEMPLATES, Template

CORPUS = Path(__file__).with_name("corpus")


@dataclass(frozen=True)
class Line:
    file: str
    number: int
    typed: str
    owner: str  # "" individual; a member code, "shared", "each" or "nowhere" in a group
    expected: frozenset[str]


@dataclass(frozen=True)
class Transcript:
    name: str
    template: Template
    members: tuple[MemberIdentity, ...]
    lines: tuple[Line, ...]

    @property
    def jottings(self) -> list[Jotting]:
        return [parse_jotting(line.typed) for line in self.lines]


def load(path: Path) -> Transcript:
    header: dict[str, str] = {}
    lines: list[Line] = []
    body = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not body:
            if raw.strip() == "---":
                body = True
            elif raw.strip() and not raw.startswith("#"):
                key, _, value = raw.partition(":")
                header[key.strip()] = value.strip()
            continue
        if not raw.strip():
            continue
        typed, sep, where = raw.rpartition("=>")
        assert sep, f"{path.name}:{number}: no '=>' on the line"
        where = where.strip()
        owner = ""
        if "members" in header:
            owner, _, where = where.partition(":") if where != "nowhere" else ("nowhere", "", "")
            owner = owner.strip()
        expected = frozenset(w for w in where.split() if w and w != "nowhere")
        lines.append(Line(path.name, number, typed.rstrip(), owner, expected))
    members = tuple(
        MemberIdentity(code, name.strip())
        for code, _, name in (m.strip().partition(" ") for m in header.get("members", "").split("|") if m.strip())
    )
    return Transcript(path.stem, BUILTIN_TEMPLATES[header["template"]], members, tuple(lines))


def transcripts() -> list[Transcript]:
    return [load(p) for p in sorted(CORPUS.glob("*.txt"))]


def expected_for(line: Line, member: MemberIdentity | None) -> frozenset[str]:
    if member is None:
        return line.expected
    if line.owner in ("shared", "each"):
        return line.expected
    return line.expected if line.owner == member.code else frozenset()


@dataclass(frozen=True)
class Miss:
    line: Line
    member: str
    got: frozenset[str]
    wanted: frozenset[str]


def evaluate(transcript: Transcript) -> tuple[int, list[Miss]]:
    """(lines routed as expected, misses). A group line counts only when it is right
    in every member's write-up."""
    members = transcript.members
    perspectives: list[MemberIdentity | None] = list(members) or [None]
    misses: list[Miss] = []
    good = 0
    for line, jotting in zip(transcript.lines, transcript.jottings):
        ok = True
        for member in perspectives:
            got = frozenset(destinations(jotting, transcript.template, member=member, members=members))
            wanted = expected_for(line, member)
            if got != wanted:
                ok = False
                misses.append(Miss(line, member.code if member else "", got, wanted))
        good += ok
    return good, misses


def offered_private(transcript: Transcript) -> list[str]:
    """Private lines that any section offers as insertable (must be none)."""
    members = transcript.members
    bad = []
    for member in list(members) or [None]:
        for spec in transcript.template.sections:
            for offer in offers(transcript.jottings, spec, member=member, members=members):
                if offer.carryable and parse_jotting(offer.jotting.text).category is Category.PRIVATE:
                    bad.append(offer.jotting.text)
    return bad


def unsurfaced_risk(transcript: Transcript) -> list[str]:
    """Risk lines the expected member's Risk step does not show (must be none)."""
    members = transcript.members
    missing = []
    for line, jotting in zip(transcript.lines, transcript.jottings):
        if jotting.category is not Category.RISK:
            continue
        for member in list(members) or [None]:
            if "risk" in expected_for(line, member) and jotting not in risk_jottings(
                transcript.jottings, member=member, members=members
            ):
                missing.append(f"{line.file}:{line.number} for {member.code if member else 'client'}")
    return missing


def share() -> tuple[int, int, list[Miss]]:
    good = total = 0
    misses: list[Miss] = []
    for transcript in transcripts():
        g, m = evaluate(transcript)
        good += g
        total += len(transcript.lines)
        misses += m
    return good, total, misses


if __name__ == "__main__":
    good, total, misses = share()
    files = transcripts()
    print(f"{len(files)} transcripts ({sum(1 for t in files if t.members)} group), {total} lines")
    print(f"routed as expected: {good}/{total} = {good / total:.1%}")
    for miss in misses:
        who = f" [{miss.member}]" if miss.member else ""
        print(f"  {miss.line.file}:{miss.line.number}{who} {miss.line.typed.strip()!r}: "
              f"got {sorted(miss.got)}, expected {sorted(miss.wanted)}")
