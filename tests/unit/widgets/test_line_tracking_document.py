"""LineTrackingDocument's height (and row map) always equals a freshly wrapped document's,
whatever edits, undos and width changes came before."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.document._document import Document
from textual.document._wrapped_document import WrappedDocument

from tui.widgets._textual_compat import LineTrackingDocument
from tui.widgets.jotting_editor import JottingEditor

# Narrow and wide characters, tabs, spaces to break at, and newlines.
TEXT = st.text(alphabet=st.sampled_from(list("ab ~!\t\n") + ["字", "🙂", "é", "\u0301"]), max_size=40)
WIDTH = st.integers(min_value=0, max_value=12)


def _location(data, document: Document) -> tuple[int, int]:
    row = data.draw(st.integers(0, document.line_count - 1))
    return row, data.draw(st.integers(0, len(document[row])))


def _fresh(document: Document, width: int, tab_width: int) -> WrappedDocument:
    return WrappedDocument(Document(document.text), width=width, tab_width=tab_width)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), initial=TEXT, width=WIDTH, tab_width=st.integers(1, 8))
def test_height_matches_a_fresh_wrap_after_random_edits(data, initial, width, tab_width):
    document = Document(initial)
    reported: list[tuple[int, int, int]] = []
    tracked = LineTrackingDocument(document, width=width, tab_width=tab_width,
                                   on_replace=lambda *rows: reported.append(rows))
    for _ in range(data.draw(st.integers(1, 12), label="edits")):
        kind = data.draw(st.sampled_from(["insert", "delete", "replace", "width"]))
        if kind == "width":
            width = data.draw(WIDTH)
            tracked.wrap(width, tab_width)
        else:
            start, end = sorted((_location(data, document), _location(data, document)))
            if kind == "insert":
                end = start
            text = "" if kind == "delete" else data.draw(TEXT)
            result = document.replace_range(start, end, text)  # as TextArea's Edit.do does
            tracked.wrap_range(start, end, result.end_location)
            top, old_bottom, new_bottom = reported[-1]
            assert (top, old_bottom, new_bottom) == (start[0], end[0], result.end_location[0])
        fresh = _fresh(document, width, tab_width)
        assert tracked.height == fresh.height
        assert tracked._offset_to_line_info == fresh._offset_to_line_info


class EditorApp(App[None]):
    def __init__(self, lines: list[tuple[int, str]], width: int) -> None:
        super().__init__()
        self.lines, self.width = lines, width

    def compose(self) -> ComposeResult:
        yield JottingEditor(self.lines, minute_now=lambda: 7, id="editor")


ACTION = st.one_of(
    st.tuples(st.just("type"), TEXT),
    st.tuples(st.just("key"), st.sampled_from(["enter", "backspace", "delete", "left", "up", "end",
                                               "ctrl+z", "ctrl+y", "shift+left", "home"])),
    st.tuples(st.just("resize"), st.integers(min_value=12, max_value=60)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(TEXT.map(lambda t: t.replace("\n", " ")), min_size=1, max_size=5),
       actions=st.lists(ACTION, min_size=1, max_size=15))
def test_the_editor_s_height_and_minutes_follow_every_edit_undo_and_resize(initial, actions):
    async def run() -> None:
        app = EditorApp([(1, t) for t in initial], 30)
        async with app.run_test(size=(40, 12)) as pilot:
            editor = app.query_one(JottingEditor)
            editor.focus()
            for kind, value in actions:
                if kind == "type":
                    editor.insert(value)
                elif kind == "key":
                    await pilot.press(value)
                else:
                    await pilot.resize_terminal(value, 12)
                await pilot.pause()
                document = editor.document
                fresh = _fresh(document, editor.wrapped_document._width, editor.indent_width)
                assert isinstance(editor.wrapped_document, LineTrackingDocument)
                assert editor.wrapped_document.height == fresh.height
                assert editor.wrapped_document._offset_to_line_info == fresh._offset_to_line_info
                assert len(editor._minutes) == document.line_count

    asyncio.run(run())
