"""Group members: who a jotting is about, and how a member can be identified in text.

A group scratchpad attributes a line with a leading ``@CODE`` or ``@initials``
(``@C-104 " I felt left out``, ``@AB < tried the breathing``). A line with no
attribution that names a member (code, first or last name, initials, title and
surname) is about that member too. A line about one member is offered only in
that member's individualized part; a line that names no one may go to the
shared group part. Lint checks each individualized part against every other
member's identifiers with the same matching, so what routing and lint call
"naming a member" cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .shorthand import Jotting

__all__ = [
    "AMBIGUOUS",
    "COMMON_WORDS",
    "TITLES",
    "MemberIdentity",
    "member_of",
    "members_named",
    "resolve_attribution",
]

TITLES: tuple[str, ...] = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")

# Initials or names that are also everyday words ("AM", "Will", "May") are matched
# only in the exact case the member's record gives (upper-case initials, a capitalised
# name), or dotted ("A.M."): a case-insensitive "am" would block every note that says
# "I am". Everything else matches case-insensitively.
COMMON_WORDS: frozenset[str] = frozenset(
    """a am an as at be by do go he hi if in is it me my no of oh ok on or so to up us we
    ad al art bill bob dawn eve faith grace guy hope iris ivy jack jade joy june may mark
    max miles pat penny rich rose ruby sky sue summer will""".split()
)

AMBIGUOUS = "*"  # member_of: the line names more than one member


@dataclass(frozen=True)
class MemberIdentity:
    """One group member as the record knows them."""

    code: str
    display_name: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(w for w in re.split(r"[\s]+", self.display_name.strip()) if w)

    @property
    def first_name(self) -> str:
        names = self.names
        return names[0] if names else ""

    @property
    def last_name(self) -> str:
        names = self.names
        return names[-1] if len(names) > 1 else ""

    @property
    def initials(self) -> str:
        names = self.names
        if len(names) < 2:
            return ""
        return "".join(n[0] for n in names if n[:1].isalpha()).upper()

    def identifiers(self) -> list[tuple[str, str]]:
        """(kind, text) for every way the member can be named."""
        out: list[tuple[str, str]] = []
        if self.code.strip():
            out.append(("code", self.code.strip()))
        if len(self.names) > 1:
            out.append(("full name", " ".join(self.names)))
        if self.last_name:
            out += [("title and surname", f"{title} {self.last_name}") for title in TITLES]
        if self.first_name:
            out.append(("first name", self.first_name))
        if self.last_name:
            out.append(("last name", self.last_name))
        if len(self.initials) >= 2:
            out.append(("initials", self.initials))
        return out

    def __post_init__(self) -> None:
        patterns = [(kind, _identifier_re(kind, text)) for kind, text in self.identifiers()]
        object.__setattr__(self, "_patterns", patterns)

    def named_in(self, text: str) -> str:
        """The kind of identifier found in ``text`` ("first name", …), or ""."""
        for kind, pattern in self._patterns:  # type: ignore[attr-defined]
            if pattern.search(text):
                return kind
        return ""

    def answers_to(self, token: str) -> bool:
        """Does an ``@token`` attribution mean this member? Code, initials or first name."""
        token = token.strip().casefold().rstrip(".")
        if not token:
            return False
        candidates = [self.code, self.initials, self.first_name, " ".join(self.names).replace(" ", "")]
        return any(c and token == c.casefold() for c in candidates)


def _identifier_re(kind: str, text: str) -> re.Pattern[str]:
    if kind == "title and surname":
        title, surname = text.split(" ", 1)
        # "Ms Brown", "Ms. Brown", "ms brown".
        body = re.escape(title) + r"\.?\s+" + _words(surname)
        return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)
    if kind == "initials":
        # "AB", "A.B.", "A. B."; an initials pair that is also a word ("AM") only in
        # capitals, so "I am" and "10 a.m." do not block a note.
        body = r"\.?\s?".join(re.escape(ch) for ch in text) + r"\.?"
        flags = 0 if text.casefold() in COMMON_WORDS else re.IGNORECASE
        return re.compile(r"(?<![\w.])" + body + r"(?!\w)", flags)
    flags = 0 if kind in ("first name", "last name") and text.casefold() in COMMON_WORDS else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + _words(text) + r"(?![\w-]*\w)", flags)


def _words(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split())


def resolve_attribution(token: str, members: Sequence[MemberIdentity]) -> MemberIdentity | None:
    """The member an ``@token`` means, or None when none (or more than one) answers to it."""
    matches = [m for m in members if m.answers_to(token)]
    if len(matches) == 1:
        return matches[0]
    # A code is unique; prefer it over an initials/first-name clash.
    exact = [m for m in matches if m.code.casefold() == token.strip().casefold()]
    return exact[0] if len(exact) == 1 else None


def members_named(text: str, members: Iterable[MemberIdentity]) -> list[MemberIdentity]:
    return [m for m in members if m.named_in(text)]


def member_of(jotting: Jotting, members: Sequence[MemberIdentity]) -> str | None:
    """Who a group jotting is about: a member's code, AMBIGUOUS, or None for no one.

    An ``@`` attribution that matches no member is AMBIGUOUS: it is plainly about
    someone, so it must not be offered to the shared part or to anyone's part.
    """
    if jotting.member:
        found = resolve_attribution(jotting.member, members)
        return found.code if found else AMBIGUOUS
    named = members_named(jotting.body or jotting.text, members)
    if not named:
        return None
    return named[0].code if len(named) == 1 else AMBIGUOUS
