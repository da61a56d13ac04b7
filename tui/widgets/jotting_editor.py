"""The in-session jotting editor: a TextArea that stamps each line with its session minute
and tints shorthand markers, built to stay fast on long sessions.

Everything that touches Textual's internals (the fast document height, the cheap
render_line, the gutter, the paste path) is in ``_textual_compat.TrackingTextArea``;
this module only says what a jotting looks like.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widgets.text_area import TextAreaTheme

from ..domain.shorthand import DEFAULT_RULES, Category, ShorthandRules, marker_span, parse_jotting
from ..domain.visible import make_visible  # the one sanitiser; re-exported for the screens
from ._textual_compat import LineTrackingDocument, TrackingTextArea

__all__ = ["GUTTER_WIDTH", "JottingEditor", "LineTrackingDocument", "VisibleTextArea", "make_visible",
           "minute_clock"]

GUTTER_WIDTH = 5  # "123'" plus a space: minutes up to 999


# Line breaks a paste may carry: each becomes one "\n", so a pasted line stays one line
# (Textual's Document would also split at \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029).
_PASTED_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})
_ONE_LINE = str.maketrans({"\n": " ", "\u2028": " ", "\u2029": " "})  # a saved jotting stays one line


def clean_pasted(text: str) -> str:
    """Pasted text as it is inserted: line breaks unified, every other control visible."""
    return make_visible(text.replace("\r\n", "\n").replace("\r", "\n").translate(_PASTED_BREAKS))


class VisibleTextArea(TrackingTextArea):
    """A TextArea whose pasted text keeps every character, in order, with control
    characters shown as symbols. The client form's goals box uses it as it is."""

    def clean_paste(self, text: str) -> str:
        return clean_pasted(text)


def jotting_theme() -> TextAreaTheme:
    """Marker tints: present but quiet. Risk lines a little stronger."""
    muted = Style(color="#8d8a84")
    return TextAreaTheme(
        name="hushpad-jottings",
        syntax_styles={
            "jot.quote": Style(color="#8fa3b0"),
            "jot.observation": Style(color="#95a08a"),
            "jot.intervention": Style(color="#a3957f"),
            "jot.response": Style(color="#a08fa6"),
            "jot.theme": Style(color="#9c9a78"),
            "jot.risk": Style(color="#c58c7f", bold=True),
            "jot.risk-line": Style(color="#c2a49c"),
            "jot.homework": Style(color="#8fa89c"),
            "jot.question": Style(color="#a6a07e"),
            "jot.private": Style(color="#6f6c68", italic=True),
            "jot.private-line": Style(color="#7a7772", italic=True),
            "jot.measure": Style(color="#8f9fb3"),
            "jot.tag": muted,
            "jot.goal": Style(color="#9aab8a"),
        },
    )


class JottingEditor(VisibleTextArea):
    """Free multi-line text; a line is a jotting. Keeps what was typed, exactly."""

    DEFAULT_CSS = """
    JottingEditor {
        border: none;
        padding: 0 1;
        background: $background;
        &:focus { border: none; }
        & > .text-area--gutter { color: $text-muted 50%; }
        & > .text-area--cursor-gutter { color: $text-muted; }
        & > .text-area--cursor-line { background: $background; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # TextArea's own keys stay (undo ctrl+z, redo ctrl+y, word moves ctrl+left/right).
        Binding("ctrl+z", "undo", "Undo", show=False, id="jottings.undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="jottings.redo"),
    ]

    class PasteRefused(Message):
        def __init__(self, size: int, limit: int) -> None:
            super().__init__()
            self.size = size
            self.limit = limit

    def __init__(self, lines: list[tuple[int, str]], *, minute_now: Callable[[], int],
                 rules: ShorthandRules = DEFAULT_RULES, paste_limit: int = 1024 * 1024,
                 id: str | None = None) -> None:
        self._minutes: list[int | None] = [m for m, _ in lines] or [None]
        self._minute_now = minute_now
        self._rules = rules
        self.paste_limit = paste_limit
        text = "\n".join(make_visible(t).translate(_ONE_LINE) for _, t in lines)
        super().__init__(text, soft_wrap=True, show_line_numbers=False, tab_behavior="indent",
                         highlight_cursor_line=False, id=id)
        self.cursor_blink = False  # calm, and deterministic for snapshots
        self._retint_all()

    # -- document plumbing ---------------------------------------------------
    def document_reloaded(self) -> None:  # load_text after construction: minutes restart
        self._minutes = [None] * self.document.line_count
        self._retint_all()

    def take_session(self, earlier: list[tuple[int, str]], minute_now: Callable[[], int], *,
                     rules: ShorthandRules | None = None) -> None:
        """The session opened after typing began (`hushpad jot`): its earlier lines go first and
        what was typed follows on its own lines, in order, stamped with the session's minute now
        (it was typed seconds ago). The cursor stays where it was in the typed text."""
        self._minute_now = minute_now
        if rules is not None:
            self._rules = rules
        now = minute_now()
        typed_minutes = [None if m is None else now for m in self._minutes]
        if earlier:
            row, column = self.cursor_location
            typed = self.text
            text = "\n".join(make_visible(t).translate(_ONE_LINE) for _, t in earlier)
            minutes: list[int | None] = [m for m, _ in earlier]
            if typed:
                text += "\n" + typed
                minutes += typed_minutes
            self.load_text(text)  # document_reloaded: minutes restart; set them again below
            self._minutes = minutes
            if typed:
                self.move_cursor((row + len(earlier), column))
            else:
                self.move_cursor(self.document.end)
        else:
            self._minutes = typed_minutes
        self._retint_all()
        self.refresh()

    def paste_refused(self, size: int) -> None:
        self.post_message(self.PasteRefused(size, self.paste_limit))

    def lines_replaced(self, top: int, old_bottom: int, new_bottom: int) -> None:
        minutes = self._minutes
        minutes[top + 1 : old_bottom + 1] = [None] * (new_bottom - top)
        if len(minutes) != self.document.line_count:  # never expected; never crash over it
            minutes[:] = (minutes + [None] * self.document.line_count)[: self.document.line_count]
        now = None
        for row in range(top, new_bottom + 1):
            if minutes[row] is None and self.document[row].strip():
                now = self._minute_now() if now is None else now
                minutes[row] = now
        self._shift_tints(top, old_bottom, new_bottom)

    # -- tints -----------------------------------------------------------------
    def _tints_for(self, line: str) -> list[tuple[int, int | None, str]]:
        span = marker_span(line, self._rules)
        if span is None:
            return []
        category = parse_jotting(line, self._rules).category
        if category is Category.PLAIN:
            return []
        start, end = (len(line[:i].encode("utf-8")) for i in span)  # highlights are byte offsets
        name = f"jot.{category.value}"
        tints: list[tuple[int, int | None, str]] = []
        if category is Category.RISK:
            tints.append((end, None, "jot.risk-line"))
        elif category is Category.PRIVATE:
            tints.append((end, None, "jot.private-line"))
        tints.append((start, end, name))
        return tints

    def _retint_all(self) -> None:
        highlights = self.line_highlights
        highlights.clear()
        for row, line in enumerate(self.document.lines):
            tints = self._tints_for(line)
            if tints:
                highlights[row] = tints

    def _shift_tints(self, top: int, old_bottom: int, new_bottom: int) -> None:
        highlights = self.line_highlights
        delta = new_bottom - old_bottom
        if delta:
            moved = {row + delta: tints for row, tints in highlights.items() if row > old_bottom}
            for row in [r for r in highlights if r >= top]:
                del highlights[row]
            highlights.update(moved)
        for row in range(top, new_bottom + 1):
            tints = self._tints_for(self.document[row])
            if tints:
                highlights[row] = tints
            else:
                highlights.pop(row, None)

    def on_mount(self) -> None:
        self.register_theme(jotting_theme())
        self.theme = "hushpad-jottings"

    # -- what the screen reads -------------------------------------------------
    def jotting_lines(self) -> list[tuple[int, str]]:
        """(minute, text) per line, for saving. Cheap: no joining of the document."""
        now = None
        out = []
        for minute, text in zip(self._minutes, self.document.lines, strict=False):
            if minute is None:
                now = self._minute_now() if now is None else now
                minute = now
            out.append((minute, text))
        while out and not out[-1][1].strip():  # trailing empty lines are not jottings
            out.pop()
        return out

    # -- rendering ---------------------------------------------------------------
    RESERVED_GUTTER = GUTTER_WIDTH

    def gutter_strip(self, line_index: int, section: int) -> Strip:
        label = ""
        if section == 0 and line_index < len(self._minutes):
            minute = self._minutes[line_index]
            label = f"{minute}'" if minute is not None else ""
        theme = self.current_theme
        base = theme.base_style if theme and theme.base_style else self.rich_style
        style = base + (theme.gutter_style if theme and theme.gutter_style else Style(dim=True))
        return Strip(list(Text(f"{label:>{GUTTER_WIDTH - 1}} ", style=style).render(self.app.console)), GUTTER_WIDTH)


def minute_clock(started_monotonic: float, offset_minutes: int = 0) -> Callable[[], int]:
    """Session minutes since start, for stamping lines."""
    return lambda: offset_minutes + int((time.monotonic() - started_monotonic) // 60)
