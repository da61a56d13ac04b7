"""Ordered, debounced saving off the UI thread, shared by the scratchpad and the write-up.

- The first change of a burst schedules a save ``delay`` seconds later; later changes ride
  along, so a save starts at most ``delay`` after any change, however fast the typing.
- The snapshot is taken on the UI thread (nothing is read from widgets or a mutable draft
  in a thread); only the encrypted write runs in a worker.
- Saves land in order: an older snapshot never overwrites a newer one.
- A failure (full disk, locked) keeps the text where it is, is reported, and is retried.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

T = TypeVar("T")


def describe_failure(exc: BaseException) -> str:
    """A few calm words for the status line."""
    from ..storage.db import is_disk_full
    from ..errors import HushpadError
    from ..storage.errors import LockedError

    if isinstance(exc, LockedError):
        return "locked; unlock to save"
    if is_disk_full(exc) or "disk is full" in str(exc):
        return "disk full, retrying"
    if isinstance(exc, HushpadError):
        return str(exc)
    return f"{type(exc).__name__}, retrying"


class Autosaver(Generic[T]):
    class Finished(Message):
        """Posted to the owner when a save lands (problem == "") or fails."""

        def __init__(self, saver: "Autosaver[object]", generation: int, problem: str) -> None:
            super().__init__()
            self.saver = saver
            self.generation = generation
            self.problem = problem

    def __init__(self, owner: Widget, snapshot: Callable[[], T], write: Callable[[T], None], *,
                 on_state: Callable[[], None], delay: float = 0.3, retry: float = 2.0) -> None:
        self.owner = owner
        self.snapshot = snapshot
        self.write = write
        self.on_state = on_state
        self.delay = delay
        self.retry = retry
        self.generation = 0  # bumped on every change (UI thread)
        self.saved_generation = 0  # what the UI knows has landed
        self.problem = ""
        self._written_generation = 0  # what has landed (guarded by _lock)
        self.lock = threading.Lock()  # also held by anything that must not interleave with a save
        self._timer: Timer | None = None

    # -- state ---------------------------------------------------------------
    @property
    def mark(self) -> str:
        if self.problem:
            return f"not saved: {self.problem}"
        return "saved" if self.saved_generation >= self.generation else "unsaved"

    # -- UI thread -------------------------------------------------------------
    def changed(self) -> None:
        self.generation += 1
        if self._timer is None:
            self._timer = self.owner.set_timer(self.delay, self._due)
            self.on_state()  # "unsaved" shows once per burst, not per keystroke

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
        self.owner.run_worker(lambda: self._run(generation, data), thread=True, group="autosave",
                              name="autosave", exit_on_error=False)

    def finished(self, message: "Autosaver.Finished") -> None:
        """The owner forwards its Finished messages here."""
        if message.problem:
            self.problem = message.problem
            if self._timer is None:
                self._timer = self.owner.set_timer(self.retry, self._due)
        else:
            self.problem = ""
            self.saved_generation = max(self.saved_generation, message.generation)
        self.on_state()

    def flush(self) -> bool:
        """Save now, synchronously (before a lock, quit or leaving). False if it failed."""
        if self.generation <= self._written_generation:
            return True
        try:
            self._write_in_order(self.generation, self.snapshot())
        except Exception as exc:  # noqa: BLE001 - reported, never raised at the user
            self.problem = describe_failure(exc)
            return False
        self.saved_generation = self.generation
        self.problem = ""
        return True

    # -- worker thread ------------------------------------------------------------
    def _run(self, generation: int, data: T) -> None:
        try:
            self._write_in_order(generation, data)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the text and retries
            self.owner.post_message(self.Finished(self, generation, describe_failure(exc)))
            return
        self.owner.post_message(self.Finished(self, generation, ""))

    def _write_in_order(self, generation: int, data: T) -> None:
        with self.lock:
            if generation <= self._written_generation:
                return
            self.write(data)
            self._written_generation = generation
