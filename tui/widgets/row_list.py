"""A keyboard list that draws only the rows on screen (Textual's line API).

ListView builds a widget per row (15 s and 500 MB at 10,000 rows); this keeps a
plain Python list and renders each visible line on demand, so opening, paging and
scrolling cost the same at 100 rows or 100,000.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

RowT = TypeVar("RowT")


class RowList(ScrollView, Generic[RowT], can_focus=True):
    DEFAULT_CSS = """
    RowList {
        height: 1fr;
        background: $background;
        & > .row-list--cursor { background: $panel; color: $foreground; }
        & > .row-list--empty { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"row-list--cursor", "row-list--empty"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, init=False)

    class _RowMessage(Message):
        def __init__(self, row_list: "RowList[Any]", index: int, row: Any) -> None:
            super().__init__()
            self.row_list = row_list
            self.index = index
            self.row = row

        @property
        def control(self) -> "RowList[Any]":
            return self.row_list

    class Chosen(_RowMessage):
        """Enter on a row."""

    class Highlighted(_RowMessage):
        """The cursor moved to a row."""

    def __init__(self, render_row: Callable[[RowT], Text], *, empty: str = "Nothing here.",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._render_row = render_row
        self._rows: Sequence[RowT] = ()
        self.empty = empty
        self._line_styles: tuple[Style, Style, Style, Style] | None = None

    @property
    def rows(self) -> Sequence[RowT]:
        return self._rows

    def set_rows(self, rows: Sequence[RowT], *, keep_cursor: bool = False) -> None:
        self._rows = rows
        self.virtual_size = Size(self.size.width, max(1, len(rows)))
        cursor = min(self.cursor, len(rows) - 1) if keep_cursor else 0
        self.set_reactive(RowList.cursor, max(0, cursor))
        self.scroll_to(y=0 if not keep_cursor else self.scroll_y, animate=False)
        self.refresh()
        if rows:
            self.post_message(self.Highlighted(self, self.cursor, rows[self.cursor]))

    @property
    def current(self) -> RowT | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def render_lines(self, crop):  # noqa: ANN001, ANN201
        # The styles are the same for every line of one render: look them up once, not per
        # line (each lookup walks the CSS; per line it was ~40% of a page-down at 10,000 rows).
        self._line_styles = None
        return super().render_lines(crop)

    def _styles_for_lines(self) -> tuple[Style, Style, Style, Style]:
        if self._line_styles is None:
            base = self.rich_style
            cursor = self.get_component_rich_style("row-list--cursor")
            self._line_styles = (base, base + cursor, base + Style(bgcolor=cursor.bgcolor, dim=True),
                                 self.get_component_rich_style("row-list--empty"))
        return self._line_styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        base, focused_cursor, unfocused_cursor, empty = self._styles_for_lines()
        if not self._rows:
            if y == 0:
                text = Text(self.empty, style=empty)
                return Strip(text.render(self.app.console), text.cell_len).extend_cell_length(width).crop(0, width)
            return Strip.blank(width, base)
        if index >= len(self._rows):
            return Strip.blank(width, base)
        text = self._render_row(self._rows[index]).copy()
        text.no_wrap = True
        text.truncate(width, overflow="ellipsis", pad=True)
        if index == self.cursor:
            base = focused_cursor if self.has_focus else unfocused_cursor
        segments = [Segment(s.text, base + s.style if s.style else base) for s in text.render(self.app.console)]
        return Strip(segments, width).crop(0, width)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, max(1, len(self._rows)))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old - self.scroll_offset.y)
        self.refresh_line(new - self.scroll_offset.y)
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
        if self._rows:
            self.post_message(self.Highlighted(self, new, self._rows[new]))

    def _watch_has_focus(self, focus: bool) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self._rows:
            self.cursor = max(0, min(len(self._rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, index: int) -> None:
        if self._rows:
            self.cursor = len(self._rows) - 1 if index < 0 else index

    def action_choose(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Chosen(self, self.cursor, row))
