"""Every place Hushpad reaches into Textual's internals, in one module (and its text-editing
half, ``_textual_compat_text``: the TextArea and WrappedDocument overrides, loaded from here
when first asked for, so the first screen does not import TextArea; issue 14).

Textual is pinned (pyproject: ``textual==8.2.8``) and checked at import. Each override
below copies or leans on a private piece of Textual; ``UPSTREAM`` names that piece and
the SHA-256 of its source as it is in 8.2.8. tests/unit/widgets/test_textual_compat.py
fails when a Textual upgrade changes any of them, and has a behavioural test for each
override, so an upgrade means: read the new upstream code, adapt here, update the hash.

The overrides, and why:
- ``LineTrackingDocument``: 8.2.8's ``WrappedDocument.height`` sums every line on each
  call and ``TextArea._render_line`` calls it once per row (benchmarks/keystroke_latency.py).
  Its height is the length of the row map, and it reports which lines each edit replaced.
- ``TrackingTextArea.render_line``: 8.2.8's evaluates ``self.text`` (joining the whole
  document) per row just to decide on the placeholder; this one asks whether the document
  is empty and otherwise uses the same line cache, with the same key.
- ``TrackingTextArea._render_line`` / ``gutter_width``: a gutter of our own on every row.
- ``TrackingTextArea._build_highlight_map``: highlights are kept per line by the subclass.
- ``TrackingTextArea._on_paste``: one paste is inserted once, cleaned, with a size limit.
- ``QuietFooter``: Textual's Footer recomposes on every focus change; this one only when
  its keys change, so it must set the private ``_bindings_ready`` itself.
- ``PasteSafeXTermParser``: 8.2.8's input parser, inside a bracketed paste, turns an
  escape sequence into key presses delivered *before* the paste (and drops its ESC), so a
  pasted ``a␛[31mb`` arrives as the keys ``^[31mb`` then the paste ``a``. This parser
  takes everything between the paste brackets verbatim, in order, as one Paste event.
- ``set_start_theme``: setting ``App.theme`` runs ``_watch_theme``, which queues a full
  re-parse of every stylesheet (``refresh_css``). Before the app runs nothing is parsed
  yet, so the start theme is applied as that watcher does, minus the re-parse (issue 14).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import textual
from textual import events, reactive
from textual.app import App
from textual._parser import Parser, ParseEOF, ParseTimeout, Read1, TokenCallback
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Footer
from textual.worker import Worker

if TYPE_CHECKING:
    from ._textual_compat_text import LineTrackingDocument, TrackingTextArea, line_cache_key  # noqa: F401

TEXTUAL_VERSION = "8.2.8"


def installed_textual_version() -> str:
    """The version of the Textual that was imported.

    ``textual.__version__`` asks ``importlib.metadata`` (which imports ``email`` and scans
    sys.path: ~8 ms at every start, issue 14). The installer records the version in the
    name of the ``textual-VERSION.dist-info`` folder beside the package it installed, so
    when that folder is the only Textual one there and names the pinned version, that is
    the answer; anything else (no folder, several, another version, an egg or editable
    install) asks importlib.metadata as before, and its answer is the one checked."""
    import os

    site = os.path.dirname(os.path.dirname(os.path.abspath(textual.__file__)))
    prefix = "textual-"
    try:
        found = [name for name in os.listdir(site)
                 if name.lower().startswith(prefix) and name.endswith(".dist-info")]
    except OSError:
        found = []
    if len(found) == 1 and found[0][len(prefix):-len(".dist-info")] == TEXTUAL_VERSION:
        return TEXTUAL_VERSION
    return textual.__version__


def check_textual_version(found: str) -> None:
    if found != TEXTUAL_VERSION:
        raise ImportError(
            f"Hushpad needs Textual {TEXTUAL_VERSION} exactly (found {found}): "
            "tui/widgets/_textual_compat.py overrides its internals. Install the pinned version "
            "(pip install -e .), or port the overrides and their hashes to the new version."
        )


check_textual_version(installed_textual_version())


# -- the upstream pieces patched here, and their source hashes in 8.2.8 ---------------
def _source_of(target: Any) -> str:
    if isinstance(target, property):
        target = target.fget
    return inspect.getsource(target)


def _upstream(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)  # imported when asked (the hash check)


def _wrapped_document() -> Any:
    return _upstream("textual.document._wrapped_document", "WrappedDocument")


def _text_area() -> Any:
    return _upstream("textual.widgets", "TextArea")


def _driver(name: str) -> Any:
    return importlib.import_module(f"textual.drivers.{name}")  # POSIX only: imported when asked


def source_hash(target: Any) -> str:
    import hashlib  # the tests and doctor ask; start-up does not (issue 14)

    return hashlib.sha256(_source_of(target).encode("utf-8")).hexdigest()


UPSTREAM: dict[str, tuple[Callable[[], Any], str]] = {
    # name: (how to find it, SHA-256 of inspect.getsource(it) in textual 8.2.8)
    "WrappedDocument.__init__": (lambda: _wrapped_document().__init__,
                                 "573cae07b1a10b55c73601cf61428cdf6d4b7022518d3b920d8343c099790591"),
    "WrappedDocument.wrap": (lambda: _wrapped_document().wrap,
                             "7e67ba98b0c41976af4becefb5e5a0f52acd90c0660e7cea91bbf6e72e78c30f"),
    "WrappedDocument.wrap_range": (lambda: _wrapped_document().wrap_range,
                                   "87d7fcc7c34a0ab18ce35665e6eda1e131f6227e6be60d2e12f3e9f506ab5c13"),
    "WrappedDocument.height": (lambda: _wrapped_document().height,
                               "df977b98aa6a11c3f9e7a0113f0cc041926e155d654084676fd285253266adf9"),
    "DocumentNavigator.__init__": (lambda: _upstream("textual.document._document_navigator", "DocumentNavigator").__init__,
                                   "8bddf8d84730e0777fe1fb10d39f82876cfe9b41b0d59f462e5fad1306e44370"),
    "TextArea.__init__": (lambda: _text_area().__init__,
                          "d73d584ef628d500e291d39c96ab4aca86c8936cb5936dc376d897b8fa3d4fb2"),
    "TextArea._set_document": (lambda: _text_area()._set_document,
                               "3bea23d1becf9f8062a1c82486fc5d8ccfc873149d943b75746dc7c152d0cf9f"),
    "TextArea._build_highlight_map": (lambda: _text_area()._build_highlight_map,
                                      "08a9cc360a6c5b62e150c049fc9e2aaeb8976ad194f8f6cdaf56f39920248237"),
    "TextArea._rewrap_and_refresh_virtual_size": (
        lambda: _text_area()._rewrap_and_refresh_virtual_size,
        "32725265da6edf4d0a51b30111180c195dd5e7c8543951e2b3aea4ab4f7a00f3"),
    "TextArea.render_line": (lambda: _text_area().render_line,
                             "0fab1cf6e049e371e83b8efd8ee5822ae5bb47b217fe6c99b2120b239e14797a"),
    "TextArea._render_line": (lambda: _text_area()._render_line,
                              "11d1cc3274dc185bd0b5072bd270e6dd647c550e74d54bb1a293bf6c6b7749f7"),
    "TextArea.gutter_width": (lambda: _text_area().gutter_width,
                              "63f98f09286489977be9ec064441c15139aec1e1371368e8152fdb5c9caf0877"),
    "TextArea._on_paste": (lambda: _text_area()._on_paste,
                           "786b2d3d97b57d1347448c6d57aafee7e8988d6e1c7bcf82b16c34354690c1cd"),
    "TextArea._replace_via_keyboard": (lambda: _text_area()._replace_via_keyboard,
                                       "68ca5b810d1a9697589eb71ba579c896b8c66a7b89a3fb9177856a16cca9aa68"),
    "Footer.bindings_changed": (lambda: Footer.bindings_changed,
                                "eb88714081bd2305b861309edf2d5311feec64f6d7a215393abf7e7a4b3f37e3"),
    "Footer.compose": (lambda: Footer.compose,
                       "8514ae6622cb1844d4353b5599245739bafd009052a04e9fb6d4af4c7d9084ce"),
    "XTermParser.parse": (lambda: XTermParser.parse,
                          "a5834ad1def86544712d43abd7e32d5cc4949a8896cabdde4dd8566df36e89b5"),
    "Parser.__init__": (lambda: Parser.__init__,
                        "a5bf8838a70ae8bb53404f57f9927788790529be5300c82b5ae0f6e593a0d9fb"),
    "LinuxDriver.run_input_thread": (lambda: _driver("linux_driver").LinuxDriver.run_input_thread,
                                     "d796af6d69db337d6fa6bd463984f7d17188d991dbb22f60efb92a8a9619507c"),
    "LinuxInlineDriver.run_input_thread": (lambda: _driver("linux_inline_driver").LinuxInlineDriver.run_input_thread,
                                           "5b80c98a823ac83422ee1ce2491f20b0e506c3639d01314b9f82c979aa96e7db"),
    # Private state read after a lock (tui/lock_hygiene.py), through the functions at the end.
    "reactive._watch": (lambda: reactive._watch,
                        "d0a0965fc6cea4d31d71d406b97545c08e337592f7e366f142af46735e1ee86d"),
    "Signal.__init__": (lambda: Signal.__init__,
                        "108464ea40464e1ad4c909796afa3446c1266110a77251ce4673ccd88303b490"),
    "Signal.subscribe": (lambda: Signal.subscribe,
                         "3d4f81854bf22f29bed5cec949547cf50f83c7462795eb071652b7a7e7f068fb"),
    "Signal.unsubscribe": (lambda: Signal.unsubscribe,
                           "a108d414075e1cef9eba7319cd8d090c28a75b8483064ac520d80d48180eb769"),
    "MessagePump.__init__": (lambda: MessagePump.__init__,
                             "4c13f534c77c6b67fdba6e9232f1e247320e50ac5c1a97eaf77694680bbb343f"),
    "MessagePump._close_messages": (lambda: MessagePump._close_messages,
                                    "2e1d874dba92ba6810ffa284a5eea5aee9b9f98d9dc634e3e1f6ee9bad3951a3"),
    "MessagePump.call_next": (lambda: MessagePump.call_next,
                              "489dc1404089eccac78c4be8bf780b7f50de7360c7843c89ac1d833c654fede8"),
    "MessagePump._flush_next_callbacks": (lambda: MessagePump._flush_next_callbacks,
                                          "52f874c952d9a45c48004bb76ebfec1beb6af44839ac178c614fc87edb188dcd"),
    "MessagePump._on_invoke_later": (lambda: MessagePump._on_invoke_later,
                                     "0ee077aaffdaa63ac40c136445a5fafb3c490a31a70a7b6e50ee057faa1ae4c8"),
    "Screen._invoke_later": (lambda: Screen._invoke_later,
                             "d59e2de31d1c37177b1466b9cc98c0340522593ae8266d47b0ce7885ab825751"),
    "Screen._invoke_and_clear_callbacks": (lambda: Screen._invoke_and_clear_callbacks,
                                           "73ddb9fc12c345dcee1300a25eb272c6b4f183063c9edaad65589d11a8156b7f"),
    "Worker._run_threaded": (lambda: Worker._run_threaded,
                             "c73eb2e29bca5d3dd39431a4a3d70374d2bbf70f98903fe98fca5774d913ab1f"),
    "App._watch_theme": (lambda: App._watch_theme,
                         "a6de38d37b42f5816ca3cca0ee184eafb00834059e78d138ca4ff1a8647041dd"),
    "App._refresh_truecolor_filter": (lambda: App._refresh_truecolor_filter,
                                      "de78b5ae8901952ab0aadd04be9cd4b17e6386d07a6886d0354630422f1aed55"),
    "DOMNode.__init__": (lambda: DOMNode.__init__,
                         "92386cf024a399a8c5f01a5d5947b9877993b2512f044c546cd0fa62b0073229"),
}


def upstream_drift() -> dict[str, tuple[str, str]]:
    """{name: (expected, found)} for every patched upstream piece whose source changed."""
    drift = {}
    for name, (find, expected) in UPSTREAM.items():
        found = source_hash(find())
        if found != expected:
            drift[name] = (expected, found)
    return drift


# -- App theme ------------------------------------------------------------------------
def set_start_theme(app: App, name: str) -> None:
    """Make ``name`` the theme of an app that is not running yet, without the re-parse.

    What 8.2.8's ``_watch_theme`` does, except ``refresh_css`` (which re-parses every
    stylesheet: ~6 ms before first paint) and the theme-changed signal (nothing has
    subscribed yet). The stylesheet takes the theme's variables, so its first parse uses them.
    """
    if app.is_running:
        app.theme = name
        return
    app.set_reactive(App.theme, app._validate_theme(name))
    theme = app.current_theme
    classes = {cls: False for cls in app.classes if cls.startswith("-theme-")}
    classes[f"-theme-{theme.name}"] = True
    classes["-dark-mode"] = theme.dark
    classes["-light-mode"] = not theme.dark
    app.update_classes(classes, update=False)
    app._refresh_truecolor_filter(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())


# -- TextArea and WrappedDocument: in _textual_compat_text, loaded on first use -------
_TEXT_AREA_NAMES = ("LineTrackingDocument", "TrackingTextArea", "line_cache_key")


def __getattr__(name: str) -> Any:
    # The jotting editor's overrides come with TextArea and textual.document (~6 ms), which
    # the first screen does not use: loaded when first asked for (issue 14).
    if name in _TEXT_AREA_NAMES:
        from . import _textual_compat_text

        return getattr(_textual_compat_text, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



# -- Footer -----------------------------------------------------------------------------
class QuietFooter(Footer):
    """A Footer that recomposes only when ``shown_keys(screen)`` differs from last time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: object = None

    def shown_keys(self, screen: Screen) -> object:
        raise NotImplementedError

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = self.shown_keys(screen)
            if shown == self._shown:
                self._bindings_ready = True  # what Footer.bindings_changed would set, minus the recompose
                return
            self._shown = shown
        super().bindings_changed(screen)


# -- input parser -----------------------------------------------------------------------
class PasteSafeXTermParser(XTermParser):
    """XTermParser, except that everything between the bracketed-paste markers is one
    Paste event holding exactly those characters, in order (ESC and control bytes too).

    It wraps 8.2.8's parse generator rather than copying it: characters go through to it
    unchanged until it has read the paste-start marker; then this parser reads the paste
    itself up to the end marker, feeds the end marker through (so the inner parser leaves
    its paste mode; the empty Paste it then reports is dropped) and reports the paste."""

    def parse(self, token_callback: TokenCallback) -> Generator[Any, str, None]:
        swallowing = False

        def relay(token: Message) -> None:
            if swallowing and isinstance(token, events.Paste):
                return
            token_callback(token)

        inner = super().parse(relay)
        request = next(inner)
        recent = ""
        marker, end_marker = BRACKETED_PASTE_START, BRACKETED_PASTE_END
        while True:
            try:
                character = yield request
            except (ParseTimeout, ParseEOF) as exc:
                recent = ""
                try:
                    request = inner.throw(exc)
                except StopIteration:
                    return
                continue
            recent = (recent + character)[-len(marker):]
            try:
                request = inner.send(character)
            except StopIteration:
                return
            if recent != marker:
                continue
            recent = ""
            pasted: list[str] = []
            ended = True
            while True:
                try:
                    character = yield Read1()
                except ParseEOF:
                    ended = False
                    break
                pasted.append(character)
                if character == end_marker[-1] and "".join(pasted[-len(end_marker):]) == end_marker:
                    del pasted[-len(end_marker):]
                    break
            if ended:
                swallowing = True
                for character in end_marker:
                    request = inner.send(character)
                swallowing = False
            # NULs dropped as 8.2.8 does (textual#1661).
            token_callback(events.Paste("".join(pasted).replace("\x00", "")))
            if not ended:
                return


def install_paste_safe_parser() -> None:
    """Make the terminal drivers build PasteSafeXTermParser (they look the name up at run time)."""
    for name in ("linux_driver", "linux_inline_driver", "win32"):
        try:
            module = _driver(name)
        except ImportError:  # not this platform's driver
            continue
        module.XTermParser = PasteSafeXTermParser


install_paste_safe_parser()


# -- private state read by tui/lock_hygiene.py ------------------------------------------
# After a lock, tui/lock_hygiene.py lets go of what still holds a closed screen or widget
# (and so note text). Each of these reads one private piece of Textual 8.2.8, hashed above.
def node_is_closed(node: Any) -> bool:
    """True once a message pump is closing or closed (MessagePump._closing / _closed), or
    once a node is no longer attached."""
    if getattr(node, "_closing", False) or getattr(node, "_closed", False):
        return True
    return getattr(node, "is_attached", True) is False


def reactive_watchers(owner: Any) -> dict[str, list[tuple[Any, Any]]]:
    """The live ``{attribute: [(node, callback), ...]}`` table that ``textual.reactive._watch``
    keeps on ``owner`` under the name ``__watchers`` (empty when nothing watches it)."""
    watchers = getattr(owner, "__watchers", None)
    return watchers if isinstance(watchers, dict) else {}


def signal_subscribers(signal: Any) -> list[Any]:
    """The nodes subscribed to a Signal (its private ``_subscriptions`` table)."""
    table = getattr(signal, "_subscriptions", None)
    return list(table.keys()) if table is not None else []


def after_refresh_queues(pump: Any) -> list[list[Any]]:
    """The lists of callbacks queued on a screen: ``Screen._callbacks`` (call_after_refresh,
    as (callback, sender) pairs) and ``MessagePump._next_callbacks`` (call_next, as
    ``events.Callback``). The lists themselves, so a caller may prune them in place."""
    queues = []
    for attribute in ("_callbacks", "_next_callbacks"):
        entries = getattr(pump, attribute, None)
        if isinstance(entries, list):
            queues.append(entries)
    return queues


def queued_callback(entry: Any) -> Any:
    """The callable inside one entry of ``after_refresh_queues``."""
    return entry[0] if isinstance(entry, tuple) else getattr(entry, "callback", entry)


def clear_active_worker() -> None:
    """Forget the Worker a thread worker left in this thread's context (Worker._run sets
    ``textual.worker.active_worker`` in the executor thread and never resets it)."""
    from textual.worker import active_worker

    active_worker.set(None)  # type: ignore[arg-type]


def node_bindings(node: Any) -> Any:
    """Every binding a node declares, offered now or not (DOMNode._bindings, a BindingsMap);
    ``active_bindings`` holds only those offered at this moment."""
    return node._bindings
