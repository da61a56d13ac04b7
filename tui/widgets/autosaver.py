"""Ordered, debounced saving off the UI thread: a non-visual widget the scratchpad and the
write-up mount. It owns its timer, its worker and its status, and receives its own messages.

- The first change of a burst schedules a save ``delay`` seconds later; later changes ride
  along, so a save starts at most ``delay`` after any change, however fast the typing.
- The snapshot is taken on the UI thread (nothing is read from widgets or a mutable draft
  in a thread); only the encrypted write runs in a worker.
- Saves land in order: an older snapshot never overwrites a newer one.
- A failure (full disk, locked) keeps the text where it is, is reported, and is retried.

Every failure of a save is the same to the clinician (the text stays, we retry), so this
widget keeps its own worker instead of the screens' use-case runner, whose policy is for
one-off work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

T = TypeVar("T")


def _generic_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}, retrying"


class Autosaver(Widget, Generic[T]):
    DEFAULT_CSS = """
    Autosaver { display: none; }
    """
    can_focus: ClassVar[bool] = False

    class Finished(Message):
        """A save landed (problem == "") or failed. Posted by the worker to the saver itself."""

        bubble = False

        def __init__(self, generation: int, problem: str) -> None:
            super().__init__()
            self.generation = generation
            self.problem = problem

    class StateChanged(Message):
        """The mark changed ("saved", "unsaved", "not saved: …"): for the screen's status line."""

    def __init__(self, snapshot: Callable[[], T], write: Callable[[T], None], *,
                 describe: Callable[[BaseException], str] = _generic_failure, delay: float = 0.3,
                 retry: float = 2.0, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.snapshot = snapshot
        self.write = write
        self.describe = describe  # a few calm words for a failure (the screen knows the stores' errors)
        self.delay = delay
        self.retry = retry
        self.generation = 0  # bumped on every change (UI thread)
        self.saved_generation = 0  # what the UI knows has landed
        self.problem = ""
        self._written_generation = 0  # what has landed (guarded by lock)
        self.lock = threading.Lock()  # also held by anything that must not interleave with a save
        self._timer: Timer | None = None

    # -- state ---------------------------------------------------------------
    @property
    def mark(self) -> str:
        if self.problem:
            return f"not saved: {self.problem}"
        return "saved" if self.saved_generation >= self.generation else "unsaved"

    @property
    def all_saved(self) -> bool:
        return self.problem == "" and self.saved_generation >= self.generation

    def _state_changed(self) -> None:
        self.post_message(self.StateChanged())

    # -- UI thread -------------------------------------------------------------
    def changed(self) -> None:
        self.generation += 1
        if self._timer is None:
            self._timer = self.set_timer(self.delay, self._due)
            self._state_changed()  # "unsaved" shows once per burst, not per keystroke

    def save_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._start(self.generation)

    def _due(self) -> None:
        self._timer = None
        if self.generation > self.saved_generation:
            self._start(self.generation)

    def _start(self, generation: int) -> None:
        data = self.snapshot()
        self.run_worker(lambda: self._run(generation, data), thread=True, group="autosave",
                        name="autosave", exit_on_error=False)

    def on_autosaver_finished(self, message: "Autosaver.Finished") -> None:
        message.stop()
        if message.problem:
            self.problem = message.problem
            if self._timer is None:
                self._timer = self.set_timer(self.retry, self._due)
        else:
            self.problem = ""
            self.saved_generation = max(self.saved_generation, message.generation)
        self._state_changed()

    def flush(self) -> bool:
        """Save now, synchronously (before a lock, quit or leaving). False if it failed."""
        if self.generation <= self._written_generation:
            return True
        try:
            self._write_in_order(self.generation, self.snapshot())
        except Exception as exc:  # noqa: BLE001 - reported, never raised at the user
            self.problem = self.describe(exc)
            return False
        self.saved_generation = self.generation
        self.problem = ""
        return True

    # -- worker thread ------------------------------------------------------------
    def _run(self, generation: int, data: Any) -> None:
        try:
            self._write_in_order(generation, data)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the text and retries
            self.post_message(self.Finished(generation, self.describe(exc)))
            return
        self.post_message(self.Finished(generation, ""))

    def _write_in_order(self, generation: int, data: Any) -> None:
        with self.lock:
            if generation <= self._written_generation:
                return
            self.write(data)
            self._written_generation = generation
