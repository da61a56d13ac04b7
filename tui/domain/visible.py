"""The one sanitiser for control and bidi characters in user text.

Anything a clinician (or a paste) put into a jotting, a note, an addendum or a search hit
reaches a terminal, a txt/md export or an EHR. Control characters there are obeyed instead
of shown (ESC starts colours and cursor moves, CR overwrites a line), and the bidi
overrides, embeddings, isolates and marks reorder what is shown (U+202E makes "txt.exe"
read "exe.txt"). Each becomes a visible stand-in, so the text reads literally:

- C0 controls (U+0000-U+001F) and DEL become their Unicode control pictures (ESC -> U+241B);
- C1 controls (U+0080-U+009F) and the bidi controls become a bracketed code, e.g. ⟨U+202E⟩;
- a lone surrogate (which cannot be written as UTF-8) becomes U+FFFD.

Tab and newline stay as they are by default; each caller says what it keeps.
"""

from __future__ import annotations

__all__ = ["BIDI_CONTROLS", "make_visible", "visible_code"]

# Embeddings and overrides (LRE RLE PDF LRO RLO), isolates (LRI RLI FSI PDI), and the marks
# (LRM RLM ALM): every character that changes the direction text is drawn in.
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])


def visible_code(code: int) -> str:
    """A character shown by its code point, e.g. ⟨U+202E⟩ (brackets nobody types in shorthand)."""
    return f"\u27e8U+{code:04X}\u27e9"


def _stand_ins() -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    table.update({code: visible_code(code) for code in range(0x80, 0xA0)})
    table.update({code: visible_code(code) for code in BIDI_CONTROLS})
    table.update({code: "\ufffd" for code in range(0xD800, 0xE000)})
    return table


_STAND_INS = _stand_ins()
_TABLES: dict[str, dict[int, str]] = {}  # per ``keep``: callers use one or two each


def _table(keep: str) -> dict[int, str]:
    table = _TABLES.get(keep)
    if table is None:
        table = _TABLES[keep] = {code: stand_in for code, stand_in in _STAND_INS.items() if chr(code) not in keep}
    return table


def make_visible(text: str, *, keep: str = "\n\t") -> str:
    """``text`` with every control, bidi control and lone surrogate shown visibly.

    Characters in ``keep`` (by default newline and tab) pass through unchanged.
    """
    return text.translate(_table(keep))
