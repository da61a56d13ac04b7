"""The in-session jotting editor: a TextArea that stamps each line with its session minute
and tints shorthand markers, built to stay fast on long sessions.

Two fixes to Textual 8.2.8's TextArea live here (see benchmarks/keystroke_latency.py):
- ``WrappedDocument.height`` summed every line on each call, and ``_render_line`` calls it
  once per rendered row. ``LineTrackingDocument`` keeps the height as a running total.
- ``TextArea.render_line`` evaluates ``self.text`` (joining the whole document) for every
  row just to decide whether to draw the placeholder. ``render_line`` below asks the
  document whether it is empty instead.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.document._document import Location
from textual.document._wrapped_document import WrappedDocument
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from ..domain.shorthand import DEFAULT_RULES, Category, ShorthandRules, marker_span, parse_jotting

GUTTER_WIDTH = 5  # "123'" plus a space: minutes up to 999
_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}


def make_visible(text: str) -> str:
    """Control characters (ANSI escapes included) become visible symbols, so pasted
    text can never style or move the terminal. Newlines and tabs stay."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\n\t":
            out.append(ch)
        elif code in _CONTROL_PICTURES:
            out.append(_CONTROL_PICTURES[code])
        elif 0x80 <= code <= 0x9F or unicodedata.category(ch) == "Cs":
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


class LineTrackingDocument(WrappedDocument):
    """A WrappedDocument that keeps its height as a running total and reports
    which lines each edit (and each undo or redo) replaced."""

    def __init__(self, *args, on_replace: Callable[[int, int, int], None] | None = None, **kwargs) -> None:
        self._height = 0
        self.on_replace = on_replace
        super().__init__(*args, **kwargs)

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        super().wrap(width, tab_width)
        self._height = sum(len(offsets) + 1 for offsets in self._wrap_offsets)

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        offsets = self._wrap_offsets
        top, old_bottom = start[0], old_end[0]
        before = sum(len(offsets[row]) + 1 for row in range(top, min(old_bottom + 1, len(offsets))))
        super().wrap_range(start, old_end, new_end)
        offsets = self._wrap_offsets
        after = sum(len(offsets[row]) + 1 for row in range(top, min(new_end[0] + 1, len(offsets))))
        self._height += after - before
        if self.on_replace is not None:
            self.on_replace(top, old_bottom, new_end[0])

    @property
    def height(self) -> int:
        return self._height


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


class JottingEditor(TextArea):
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
        text = "\n".join(make_visible(t).replace("\n", " ") for _, t in lines)
        super().__init__(text, soft_wrap=True, show_line_numbers=False, tab_behavior="indent",
                         highlight_cursor_line=False, id=id)
        self.cursor_blink = False  # calm, and deterministic for snapshots
        self._constructed = True
        self._install_tracking()
        self._retint_all()

    # -- document plumbing ---------------------------------------------------
    def _install_tracking(self) -> None:
        self.wrapped_document = LineTrackingDocument(
            self.document, tab_width=self.indent_width, on_replace=self._lines_replaced
        )
        from textual.document._document_navigator import DocumentNavigator

        self.navigator = DocumentNavigator(self.wrapped_document)

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        if getattr(self, "_constructed", False):  # load_text after construction: minutes restart
            self._minutes = [None] * self.document.line_count
            self._install_tracking()
            self._retint_all()
            self._rewrap_and_refresh_virtual_size()

    def _lines_replaced(self, top: int, old_bottom: int, new_bottom: int) -> None:
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
    def _build_highlight_map(self) -> None:
        # Called by TextArea after every edit; tints are kept up to date per line instead.
        self._line_cache.clear()

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
        self._highlights.clear()
        for row, line in enumerate(self.document.lines):
            tints = self._tints_for(line)
            if tints:
                self._highlights[row] = tints

    def _shift_tints(self, top: int, old_bottom: int, new_bottom: int) -> None:
        highlights = self._highlights
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
    @property
    def gutter_width(self) -> int:
        return GUTTER_WIDTH

    def _is_empty(self) -> bool:
        return self.document.line_count == 1 and not self.document[0]

    def render_line(self, y: int) -> Strip:
        if self.placeholder and self._is_empty():
            return super().render_line(y)
        # Same cache as TextArea.render_line, without evaluating self.text per row.
        scroll_x, scroll_y = self.scroll_offset
        absolute_y = scroll_y + y
        selection = self.selection
        _, cursor_y = self._cursor_offset
        cache_key = (
            self.size, scroll_x, absolute_y,
            selection if selection.contains_line(absolute_y) or self.soft_wrap else selection.end[0] == absolute_y,
            selection.end if self._cursor_visible and absolute_y == cursor_y else None,
            self.theme, self._matching_bracket_location, self.match_cursor_bracket, self.soft_wrap,
            self.read_only, self.show_cursor, self._cursor_visible, self.suggestion,
        )
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        line = self._render_line(y)
        self._line_cache[cache_key] = line
        return line

    def _render_line(self, y: int) -> Strip:
        strip = super()._render_line(y)
        wrapped = self.wrapped_document
        offset = y + self.scroll_offset[1]
        info = wrapped._offset_to_line_info[offset] if offset < len(wrapped._offset_to_line_info) else None
        label = ""
        if info is None:  # below the last line: TextArea already drew a full-width blank
            return strip
        if info[1] == 0 and info[0] < len(self._minutes):
            minute = self._minutes[info[0]]
            label = f"{minute}'" if minute is not None else ""
        theme = self._theme
        base = theme.base_style if theme and theme.base_style else self.rich_style
        style = base + (theme.gutter_style if theme and theme.gutter_style else Style(dim=True))
        gutter = Strip(list(Text(f"{label:>{GUTTER_WIDTH - 1}} ", style=style).render(self.app.console)), GUTTER_WIDTH)
        return Strip.join([gutter, strip])

    # -- input -----------------------------------------------------------------
    async def _on_paste(self, event: events.Paste) -> None:
        # Handled here in full. Textual runs ``_on_paste`` for every class in the MRO unless
        # prevent_default() is called, so letting TextArea's handler run as well (or calling
        # it through super()) would insert a plain paste twice.
        event.prevent_default()
        event.stop()
        size = len(event.text.encode("utf-8", "surrogatepass"))
        if size > self.paste_limit:
            self.post_message(self.PasteRefused(size, self.paste_limit))
            return
        cleaned = make_visible(event.text.replace("\r\n", "\n").replace("\r", "\n"))
        if result := self._replace_via_keyboard(cleaned, *self.selection):  # None when read-only
            self.move_cursor(result.end_location)


def minute_clock(started_monotonic: float, offset_minutes: int = 0) -> Callable[[], int]:
    """Session minutes since start, for stamping lines."""
    return lambda: offset_minutes + int((time.monotonic() - started_monotonic) // 60)
