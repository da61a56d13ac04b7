"""The text-editing half of tui/widgets/_textual_compat.py: the overrides of Textual 8.2.8's
TextArea and WrappedDocument (see that module's docstring, which lists them, and its
``UPSTREAM`` table, which hashes the upstream code they copy).

A module of its own so that TextArea and ``textual.document`` load with the jotting editor,
not with the first screen (issue 14). Import these names from ``_textual_compat``, which
passes them on, and which checks the Textual version first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.document._document import Location
from textual.document._document_navigator import DocumentNavigator
from textual.document._wrapped_document import WrappedDocument
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from . import _textual_compat  # noqa: F401 - the version pin is checked before any override is made


# -- WrappedDocument ------------------------------------------------------------------
class LineTrackingDocument(WrappedDocument):
    """A WrappedDocument whose height costs nothing and which reports which lines each
    edit (and each undo or redo) replaced: ``on_replace(top, old_bottom, new_bottom)``."""

    def __init__(self, *args: Any, on_replace: Callable[[int, int, int], None] | None = None,
                 **kwargs: Any) -> None:
        self.on_replace = on_replace
        super().__init__(*args, **kwargs)

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        # The same clamping as 8.2.8's wrap_range, so the rows reported are the rows it rewrapped.
        old_max = len(self._line_index_to_offsets) - 1
        new_max = self.document.line_count - 1
        start_row = min(max(start[0], 0), min(old_max, new_max))
        old_row = min(max(old_end[0], 0), old_max)
        new_row = min(max(new_end[0], 0), new_max)
        top, old_bottom = sorted((start_row, old_row))
        new_bottom = max(start_row, new_row)
        super().wrap_range(start, old_end, new_end)
        if self.on_replace is not None:
            self.on_replace(top, old_bottom, new_bottom)

    @property
    def height(self) -> int:
        # One entry per wrapped row, kept by wrap() and wrap_range(): the sum 8.2.8 computes.
        return len(self._offset_to_line_info)

    def line_info(self, offset: int) -> tuple[int, int] | None:
        """(line index, wrapped section) drawn at this vertical offset, or None below the end."""
        info = self._offset_to_line_info
        return info[offset] if 0 <= offset < len(info) else None


# -- TextArea -----------------------------------------------------------------------
def line_cache_key(area: TextArea, y: int) -> tuple:
    """The key 8.2.8's ``TextArea.render_line`` caches a row under, field for field."""
    scroll_x, scroll_y = area.scroll_offset
    absolute_y = scroll_y + y
    selection = area.selection
    _, cursor_y = area._cursor_offset
    return (
        area.size,
        scroll_x,
        absolute_y,
        selection if selection.contains_line(absolute_y) or area.soft_wrap else selection.end[0] == absolute_y,
        selection.end if area._cursor_visible and area.cursor_blink and absolute_y == cursor_y else None,
        area.theme,
        area._matching_bracket_location,
        area.match_cursor_bracket,
        area.soft_wrap,
        area.show_line_numbers,
        area.read_only,
        area.show_cursor,
        area.suggestion,
    )


class TrackingTextArea(TextArea):
    """A TextArea on a LineTrackingDocument, with its own gutter, its own per-line
    highlights and one paste path. Subclasses fill in the hooks (no private names needed):

    - ``lines_replaced(top, old_bottom, new_bottom)``: after every edit, undo and redo;
    - ``document_reloaded()``: after ``load_text`` replaced the whole document;
    - ``gutter_strip(line_index, section)``: the gutter drawn left of a row, ``RESERVED_GUTTER`` wide;
    - ``clean_paste(text)`` and ``paste_refused(size)``: what a paste becomes, and when it is too big;
    - ``line_highlights``: the per-line highlight map to fill, ``{row: [(start_byte, end_byte|None, name)]}``.
    """

    RESERVED_GUTTER = 0
    paste_limit: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tracking_ready = True
        self._install_tracking()

    def _install_tracking(self) -> None:
        self.wrapped_document = LineTrackingDocument(
            self.document, tab_width=self.indent_width, on_replace=self.lines_replaced
        )
        self.navigator = DocumentNavigator(self.wrapped_document)

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        if getattr(self, "_tracking_ready", False):  # load_text after construction
            self._install_tracking()
            self.document_reloaded()
            self._rewrap_and_refresh_virtual_size()

    # hooks
    def lines_replaced(self, top: int, old_bottom: int, new_bottom: int) -> None:
        pass

    def document_reloaded(self) -> None:
        pass

    def gutter_strip(self, line_index: int, section: int) -> Strip:
        return Strip.blank(self.RESERVED_GUTTER)

    def clean_paste(self, text: str) -> str:
        return text

    def paste_refused(self, size: int) -> None:
        pass

    @property
    def current_theme(self) -> TextAreaTheme | None:
        """The TextAreaTheme the ``theme`` name resolved to."""
        return getattr(self, "_theme", None)

    @property
    def line_highlights(self) -> dict[int, list[tuple[int, int | None, str]]]:
        return self._highlights

    def _build_highlight_map(self) -> None:
        # TextArea calls this after every edit to re-query tree-sitter; the subclass keeps
        # line_highlights current itself, so only the rendered rows are dropped.
        self._line_cache.clear()

    # rendering
    @property
    def gutter_width(self) -> int:
        return self.RESERVED_GUTTER or super().gutter_width

    def is_empty(self) -> bool:
        return self.document.line_count == 1 and not self.document[0]

    def render_line(self, y: int) -> Strip:
        if self.placeholder and self.is_empty():
            return super().render_line(y)
        key = line_cache_key(self, y)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        line = self._render_line(y)
        self._line_cache[key] = line
        return line

    def _render_line(self, y: int) -> Strip:
        strip = super()._render_line(y)
        if not self.RESERVED_GUTTER:
            return strip
        wrapped = self.wrapped_document
        info = wrapped.line_info(y + self.scroll_offset[1]) if isinstance(wrapped, LineTrackingDocument) else None
        if info is None:  # below the last line: TextArea already drew a full-width blank
            return strip
        return Strip.join([self.gutter_strip(*info), strip])

    # input
    async def _on_paste(self, event: events.Paste) -> None:
        # Handled here in full. Textual runs ``_on_paste`` for every class in the MRO unless
        # prevent_default() is called, so letting TextArea's handler run as well (or calling
        # it through super()) would insert the paste twice.
        event.prevent_default()
        event.stop()
        size = len(event.text.encode("utf-8", "surrogatepass"))
        if self.paste_limit is not None and size > self.paste_limit:
            self.paste_refused(size)
            return
        if result := self._replace_via_keyboard(self.clean_paste(event.text), *self.selection):  # None if read-only
            self.move_cursor(result.end_location)
