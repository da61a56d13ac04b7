"""One line of user text (a client's name, a goal, the clinician's name): what is kept, and
what the clinician is told was changed. The TUI and the command line use this one rule."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["CleanLine", "clean_line"]

ZWJ = "\u200d"  # joins emoji and some scripts' letters: part of the text, not a control


def _label(ch: str) -> str:
    if ch == "\x1b":
        return "ESC"
    if ch == "\x7f":
        return "DEL"
    return f"U+{ord(ch):04X}"


@dataclass(frozen=True)
class CleanLine:
    text: str
    removed: tuple[str, ...] = ()  # the controls taken out, e.g. ("ESC", "U+202E"), first seen first
    spaced: bool = False  # tabs or line breaks became single spaces

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.spaced)

    def describe(self, what: str) -> str:
        """One sentence for a status line or stderr; "" when nothing changed."""
        parts = []
        if self.removed:
            count = len(self.removed)
            parts.append(f"{count} control character{'s' if count != 1 else ''} removed "
                         f"({', '.join(dict.fromkeys(self.removed))})")
        if self.spaced:
            parts.append("tabs and line breaks became spaces")
        return f"The {what} was changed: {'; '.join(parts)}." if parts else ""


def clean_line(value: str) -> CleanLine:
    """Control and format characters out (ZWJ stays), whitespace runs as one space, trimmed."""
    removed: list[str] = []
    kept: list[str] = []
    spaced = False
    for ch in value:
        if ch.isspace():
            if ch != " " and kept and kept[-1] != " ":
                spaced = True
            kept.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch != ZWJ:
            removed.append(_label(ch))
        else:
            kept.append(ch)
    text = " ".join("".join(kept).split())
    return CleanLine(text, tuple(removed), spaced and " " in text)
