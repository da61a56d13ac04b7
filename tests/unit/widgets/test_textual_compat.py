"""The Textual overrides in tui/widgets/_textual_compat.py: pinned, hashed, and each one
checked for what it is for, so a Textual upgrade that breaks one fails here first."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import textual
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, TextArea

from tui.widgets import _textual_compat as compat
from tui.widgets._textual_compat import (
    UPSTREAM,
    LineTrackingDocument,
    PasteSafeXTermParser,
    QuietFooter,
    TrackingTextArea,
    line_cache_key,
    source_hash,
)

ROOT = Path(__file__).resolve().parents[3]


# -- pin and hashes ------------------------------------------------------------------------
def test_textual_is_the_pinned_version_in_pyproject_and_at_run_time():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"textual=={compat.TEXTUAL_VERSION}" in project["dependencies"]
    assert textual.__version__ == compat.TEXTUAL_VERSION


def _site_with_textual(tmp_path: Path, *versions: str) -> Path:
    """A site folder holding the real textual package (a symlink) and, beside it, the
    dist-info folder(s) an installer of those versions would leave."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "textual").symlink_to(Path(textual.__file__).parent, target_is_directory=True)
    for version in versions:
        info = site / f"textual-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: textual\nVersion: {version}\n")
    return site


def _import_compat_from(site: Path) -> subprocess.CompletedProcess[str]:
    code = (f"import sys; sys.path.insert(0, {str(site)!r})\n"
            "import textual, tui.widgets._textual_compat\n"
            f"assert textual.__file__.startswith({str(site)!r}), textual.__file__\n")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


def test_another_textual_version_refuses_to_import_with_a_clear_message(tmp_path):
    done = _import_compat_from(_site_with_textual(tmp_path, "9.0.0"))  # installed as 9.0.0
    assert done.returncode != 0
    assert "ImportError: Hushpad needs Textual 8.2.8 exactly (found 9.0.0)" in done.stderr


def test_two_textual_dist_infos_are_settled_by_importlib_metadata(tmp_path):
    """The folder-name shortcut decides only when it is the one Textual record there."""
    site = _site_with_textual(tmp_path, "8.2.8", "9.0.0")
    code = (f"import sys; sys.path.insert(0, {str(site)!r})\n"
            "import importlib.metadata as m, tui.widgets._textual_compat as c\n"
            "print(c.installed_textual_version() == m.version('textual'))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    # Either it imports (importlib.metadata picked 8.2.8, as the check used) or it refuses 9.0.0.
    assert done.stdout.strip() == "True" or "(found 9.0.0)" in done.stderr, done.stderr


def test_the_pinned_version_installed_imports_without_importlib_metadata(tmp_path):
    site = _site_with_textual(tmp_path, compat.TEXTUAL_VERSION)
    code = (f"import sys; sys.path.insert(0, {str(site)!r})\n"
            "import tui.widgets._textual_compat as c\n"
            "print(c.installed_textual_version(), 'importlib.metadata' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [compat.TEXTUAL_VERSION, "False"]
    assert compat.installed_textual_version() == textual.__version__  # this venv: both ways agree


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_patched_upstream_source_is_unchanged(name):
    """A failure here means Textual changed code Hushpad overrides or copies: read the new
    upstream source, adapt _textual_compat.py, then record the new hash."""
    find, expected = UPSTREAM[name]
    assert source_hash(find()) == expected, f"{name} changed upstream"


def test_an_edited_upstream_function_is_reported(tmp_path):
    """The hashes are of the installed source: edit a copy of Textual, import it, and the
    drift check names the edited function, and only it."""
    copy = tmp_path / "textual"
    import shutil

    shutil.copytree(Path(textual.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    module = copy / "document" / "_wrapped_document.py"
    source = module.read_text()
    marker = "        start_line_index, _ = start\n"
    assert source.count(marker) == 1
    module.write_text(source.replace(marker, marker + "        start_line_index += 0\n"))
    code = ("import textual, tui.widgets._textual_compat as c\n"
            "assert textual.__file__.startswith(%r), textual.__file__\n"
            "print(sorted(c.upstream_drift()))\n" % str(copy))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['WrappedDocument.wrap_range']"


# -- LineTrackingDocument ------------------------------------------------------------------
def test_height_is_the_row_count_and_edits_report_their_rows():
    from textual.document._document import Document

    replaced = []
    document = Document("one\ntwo words that wrap\nthree")
    wrapped = LineTrackingDocument(document, width=8, on_replace=lambda *rows: replaced.append(rows))
    assert wrapped.height == sum(len(wrapped.get_offsets(i)) + 1 for i in range(document.line_count)) == 6
    result = document.replace_range((1, 0), (2, 5), "x\ny\nz")
    wrapped.wrap_range((1, 0), (2, 5), result.end_location)
    assert replaced == [(1, 2, 3)]
    assert wrapped.height == 4 and document.lines == ["one", "x", "y", "z"]
    assert wrapped.line_info(3) == (3, 0) and wrapped.line_info(4) is None


# -- TrackingTextArea ------------------------------------------------------------------------
class Gutter(TrackingTextArea):
    RESERVED_GUTTER = 3
    reloaded = 0

    def gutter_strip(self, line_index, section):
        from textual.strip import Strip
        from rich.segment import Segment

        return Strip([Segment(f"{line_index}{'ab'[min(section, 1)]} ")], 3)

    def document_reloaded(self):
        self.reloaded += 1


class AreaApp(App[None]):
    def __init__(self, area: TextArea) -> None:
        super().__init__()
        self.area = area

    def compose(self) -> ComposeResult:
        yield self.area
        yield Input(id="other")


class RecordingCache(dict):
    """Stands in for TextArea's line cache to see which key upstream render_line uses."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def get(self, key, default=None):
        self.asked.append(key)
        return None


async def test_render_line_uses_the_upstream_cache_key_in_every_state():
    area = TrackingTextArea("first line\nsecond line that is long enough to wrap around", soft_wrap=True)
    async with AreaApp(area).run_test(size=(30, 8)) as pilot:
        states = [
            lambda: None,
            lambda: setattr(area, "cursor_blink", False),
            lambda: setattr(area, "cursor_blink", True),
            lambda: setattr(area, "show_line_numbers", True),
            lambda: area.move_cursor((1, 12)),
            lambda: area.select_line(0),
            lambda: setattr(area, "soft_wrap", False),
            lambda: setattr(area, "read_only", True),
            lambda: pilot.app.query_one("#other").focus(),
        ]
        for change in states:
            change()
            await pilot.pause()
            for y in range(4):
                recording = RecordingCache()
                area._line_cache = recording
                TextArea.render_line(area, y)  # upstream, for the key it looks up
                assert recording.asked == [line_cache_key(area, y)]


async def test_render_line_redraws_when_line_numbers_or_blink_change():
    """The two fields the old copied key lacked: each must give a different cached row."""
    area = TrackingTextArea("hello", soft_wrap=True)
    async with AreaApp(area).run_test(size=(30, 5)) as pilot:
        area.focus()
        await pilot.pause()
        before = area.render_line(0)
        area.show_line_numbers = True
        await pilot.pause()
        after = area.render_line(0)
        assert after.text != before.text and "1" in after.text
        area.cursor_blink, key_on = True, None
        key_on = line_cache_key(area, 0)
        area.cursor_blink = False
        assert line_cache_key(area, 0) != key_on


async def test_an_empty_area_draws_its_placeholder_and_a_full_one_its_text():
    area = TrackingTextArea("", placeholder="Type here")
    async with AreaApp(area).run_test(size=(30, 5)) as pilot:
        await pilot.pause()
        assert area.is_empty() and "Type here" in area.render_line(0).text
        area.insert("x")
        await pilot.pause()
        assert not area.is_empty() and "Type here" not in area.render_line(0).text


async def test_the_gutter_is_drawn_per_row_and_load_text_keeps_the_tracking():
    area = Gutter("short\n" + "w" * 40, soft_wrap=True)
    async with AreaApp(area).run_test(size=(20, 6)) as pilot:
        await pilot.pause()
        rows = [area.render_line(y).text for y in range(5)]
        assert rows[0].startswith("0a ") and rows[1].startswith("1a ") and rows[2].startswith("1b ")
        assert all(len(row) == area.scrollable_content_region.width for row in rows[:3])
        assert area.wrapped_document.height == len(area.wrapped_document._offset_to_line_info)
        area.load_text("new\ntext")
        await pilot.pause()
        assert area.reloaded == 1 and isinstance(area.wrapped_document, LineTrackingDocument)
        assert area.navigator._wrapped_document is area.wrapped_document
        assert area.render_line(1).text.startswith("1a text")


async def test_highlights_are_the_subclass_s_and_survive_an_edit():
    area = TrackingTextArea("alpha beta")
    async with AreaApp(area).run_test(size=(30, 5)) as pilot:
        from rich.style import Style
        from textual.widgets.text_area import TextAreaTheme

        area.register_theme(TextAreaTheme(name="t", syntax_styles={"mark": Style(color="#ff0000")}))
        area.theme = "t"
        area.line_highlights[0] = [(0, 5, "mark")]
        area.move_cursor((0, 10))
        area.insert("!")  # TextArea rebuilds its highlight map after every edit
        await pilot.pause()
        assert area.line_highlights[0] == [(0, 5, "mark")]
        red = [seg.text for seg in area.render_line(0) if seg.style and seg.style.color
               and seg.style.color.name == "#ff0000"]
        assert "".join(red) == "alpha"


async def test_a_paste_is_cleaned_inserted_once_and_refused_over_the_limit():
    from textual import events

    class Cleaning(TrackingTextArea):
        paste_limit = 10
        refused: list[int] = []

        def clean_paste(self, text):
            return text.upper()

        def paste_refused(self, size):
            self.refused.append(size)

    area = Cleaning("")
    async with AreaApp(area).run_test(size=(30, 5)) as pilot:
        area.focus()
        area.post_message(events.Paste("abc"))
        await pilot.pause()
        assert area.text == "ABC"
        area.post_message(events.Paste("x" * 11))
        await pilot.pause()
        assert area.text == "ABC" and area.refused == [11]


# -- QuietFooter -------------------------------------------------------------------------
class Counting(QuietFooter):
    recomposed = 0

    def shown_keys(self, screen):
        return tuple((key, a.binding.description) for key, a in screen.active_bindings.items() if a.binding.show)

    async def recompose(self):
        type(self).recomposed += 1
        await super().recompose()


class WithKeys(Input):
    BINDINGS = [Binding("f6", "noop", "Other key")]


class FooterApp(App[None]):
    BINDINGS = [Binding("f5", "noop", "Some key")]

    def compose(self) -> ComposeResult:
        yield Input(id="a")
        yield Input(id="b")
        yield WithKeys(id="c")
        yield Counting()


async def test_the_footer_recomposes_only_when_its_keys_change():
    async with FooterApp().run_test(size=(60, 8)) as pilot:
        app = pilot.app
        app.query_one("#a").focus()
        await pilot.pause()
        footer = app.query_one(Counting)
        assert footer._bindings_ready and "Some key" in _footer_text(footer)
        before = Counting.recomposed
        app.query_one("#b").focus()  # same keys
        await pilot.pause()
        assert Counting.recomposed == before and "Some key" in _footer_text(footer)
        app.query_one("#c").focus()  # one more key
        await pilot.pause()
        assert Counting.recomposed == before + 1 and "Other key" in _footer_text(footer)


def _footer_text(footer: Footer) -> str:
    return " ".join(str(child.render()) for child in footer.children)


# -- PasteSafeXTermParser ----------------------------------------------------------------
def _events(chunks):
    parser = PasteSafeXTermParser()
    out = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out


PASTE = "ab\x1b[31mRED\x1b[0m cd\r\nline2\x00\x07"


def test_a_paste_with_escapes_is_one_event_in_order():
    from textual import events

    got = _events(["x", f"\x1b[200~{PASTE}\x1b[201~", "y"])
    assert [type(e).__name__ for e in got] == ["Key", "Paste", "Key"]
    assert got[0].key == "x" and got[2].key == "y"
    assert isinstance(got[1], events.Paste) and got[1].text == PASTE.replace("\x00", "")


def test_a_paste_split_anywhere_across_reads_is_the_same():
    data = f"\x1b[200~{PASTE}\x1b[201~z"
    for cut in range(1, len(data)):
        got = _events([data[:cut], data[cut:]])
        assert [getattr(e, "text", None) or e.key for e in got] == [PASTE.replace("\x00", ""), "z"], cut


def test_upstream_parser_still_reorders_such_a_paste():
    """Why the override exists. If this fails, Textual fixed it: drop PasteSafeXTermParser."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    got = list(parser.feed(f"\x1b[200~{PASTE}\x1b[201~"))
    assert got[-1].__class__.__name__ == "Paste" and got[-1].text == "ab"
    assert got[0].key == "circumflex_accent"


def test_keys_and_escape_sequences_outside_a_paste_are_unchanged():
    import time

    parser = PasteSafeXTermParser()
    got = list(parser.feed("a\x1b[A\x1b[1;5C"))
    assert [e.key for e in got] == ["a", "up", "ctrl+right"]
    assert list(parser.feed("\x1b")) == []
    time.sleep(0.2)  # the lone ESC is the escape key once the escape delay passes
    assert [e.key for e in parser.tick()] == ["escape"]


def test_the_terminal_drivers_build_the_paste_safe_parser():
    from textual.drivers import linux_driver, linux_inline_driver

    assert linux_driver.XTermParser is PasteSafeXTermParser
    assert linux_inline_driver.XTermParser is PasteSafeXTermParser


# -- private state read after a lock (tui/lock_hygiene.py) -------------------------------
class Holder(App):
    BINDINGS = [Binding("f5", "noop", "Shown", id="holder.shown"),
                Binding("f6", "later", "Later", id="holder.later")]

    def compose(self) -> ComposeResult:
        yield TextArea("private words", id="area")

    def check_action(self, action, parameters):
        return action != "later"  # offered only at times, like the emergency copy


async def test_a_removed_text_area_is_closed_and_still_watches_the_theme():
    """A TextArea watches app.theme: the pair stays in the app's watcher table after the
    area is removed, which is what lock hygiene prunes, and the area reads as closed."""
    async with Holder().run_test() as pilot:
        app = pilot.app
        area = app.query_one("#area")
        assert not compat.node_is_closed(area)
        assert area in [node for node, _ in compat.reactive_watchers(app)["theme"]]
        await area.remove()
        await pilot.pause()
        assert compat.node_is_closed(area)
        assert area in [node for node, _ in compat.reactive_watchers(app)["theme"]]
        assert compat.reactive_watchers(object()) == {}


async def test_a_text_area_subscribes_to_its_screen_s_selection_signal():
    async with Holder().run_test() as pilot:
        app = pilot.app
        area = app.query_one("#area")
        signal = app.screen.text_selection_started_signal
        assert area in compat.signal_subscribers(signal)
        signal.unsubscribe(area)
        assert area not in compat.signal_subscribers(signal)


async def test_queued_callbacks_are_seen_in_both_queues_and_prunable_in_place():
    async with Holder().run_test() as pilot:
        screen = pilot.app.screen
        area = pilot.app.query_one("#area")
        later, nxt = area.refresh_bindings, area.focus
        # call_after_refresh posts InvokeLater; its handler (MessagePump._on_invoke_later) queues
        # the callback on the screen like this, where it waits for the screen's next repaint.
        screen._invoke_later(later, area)
        screen.call_next(nxt)
        queued = [compat.queued_callback(entry) for queue in compat.after_refresh_queues(screen)
                  for entry in queue]
        assert later in queued
        assert any(getattr(c, "func", None) == nxt for c in queued)
        for queue in compat.after_refresh_queues(screen):
            queue.clear()  # the lists are the live ones: pruning them cancels the calls
        assert all(not queue for queue in compat.after_refresh_queues(screen))
        assert len(compat.after_refresh_queues(screen)) == 2


async def test_a_thread_worker_leaves_itself_in_its_thread_until_cleared():
    import asyncio
    import concurrent.futures

    from textual.worker import NoActiveWorker, get_current_worker

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    asyncio.get_running_loop().set_default_executor(pool)
    async with Holder().run_test() as pilot:
        worker = pilot.app.run_worker(lambda: None, thread=True)
        await worker.wait()

        def current():
            try:
                return get_current_worker()
            except NoActiveWorker:
                return None

        left = await asyncio.get_running_loop().run_in_executor(None, current)
        assert left is worker
        await asyncio.get_running_loop().run_in_executor(None, compat.clear_active_worker)
        assert await asyncio.get_running_loop().run_in_executor(None, current) is None


async def test_node_bindings_include_the_keys_not_offered_now():
    async with Holder().run_test() as pilot:
        app = pilot.app
        ids = {binding.id for bindings in compat.node_bindings(app).key_to_bindings.values()
               for binding in bindings}
        assert {"holder.shown", "holder.later"} <= ids
        offered = {active.binding.id for active in app.screen.active_bindings.values()}
        assert "holder.shown" in offered and "holder.later" not in offered
