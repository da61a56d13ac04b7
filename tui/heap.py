"""Keeping long-lived objects out of the garbage collector's full passes: the one place that
freezes and unfreezes (gc.freeze is process-wide, so two callers each managing it undo each other).

A full collection walks the whole heap (90-140 ms here) and lands on whatever key happens to be
next; frozen objects are never scanned again. Frozen garbage in a cycle is never freed either,
so whatever froze for a screen is thawed (and the heap refrozen without it) when that screen goes.

While unlocked, the interpreter's own full collections are also moved off the keys: they still
walked the unfrozen part (30-40 ms here, about 1 step change in 10, so the write-up's p95 step
change sat at the 50 ms goal). The threshold that starts them is raised out of reach and the app
runs the full collection itself when the clinician pauses (``collect_when_idle``), or at once
when the young generations have been through so many passes that memory would grow unchecked.
"""

from __future__ import annotations

import gc
import weakref


# Full collections the interpreter would start by itself: never while deferred (CPython starts
# one after threshold2 middle-generation passes; the idle check below runs it instead).
DEFERRED_THRESHOLD2 = 1_000_000
# A full collection waits for a pause of this long...
IDLE_PAUSE_SECONDS = 1.0
# ...unless this many middle-generation passes have gone by without one (continuous typing):
# then it runs anyway, so garbage in cycles cannot pile up for the length of a session.
OVERDUE_PASSES = 100


class Heap:
    def __init__(self) -> None:
        self._base = False  # the app froze what lives as long as it is unlocked
        self._holders: "weakref.WeakSet[object]" = weakref.WeakSet()
        self._threshold: tuple[int, ...] | None = None  # the interpreter's own, while deferred

    @property
    def frozen(self) -> bool:
        return self._base or len(self._holders) > 0

    def freeze_base(self) -> None:
        """After unlock: imports, the app and the stores live until lock or exit."""
        gc.collect()
        gc.freeze()
        self._base = True
        self.defer_full_collections()

    # -- full collections at a pause ---------------------------------------
    @property
    def deferring(self) -> bool:
        return self._threshold is not None

    def defer_full_collections(self) -> None:
        if self._threshold is None:
            self._threshold = gc.get_threshold()
            gen0, gen1, *_ = self._threshold
            gc.set_threshold(gen0, gen1, DEFERRED_THRESHOLD2)

    def restore_full_collections(self) -> None:
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def collect_when_idle(self, idle_seconds: float) -> bool:
        """The deferred full collection, if one is due: at a pause of IDLE_PAUSE_SECONDS, or
        overdue after OVERDUE_PASSES. True when it ran."""
        if self._threshold is None:
            return False
        passes = gc.get_count()[2]  # middle-generation passes since the last full collection
        due = passes >= self._threshold[2] and idle_seconds >= IDLE_PAUSE_SECONDS
        if not (due or passes >= OVERDUE_PASSES):
            return False
        gc.collect()
        return True

    def freeze(self, holder: object, *, collect: bool = False) -> None:
        """A screen whose objects live as long as it does (a long chart, the write-up's panes)."""
        if collect:
            gc.collect()
        gc.freeze()
        self._holders.add(holder)

    def thaw(self, holder: object) -> None:
        """The holder is going: let its objects be collected, and keep the rest frozen."""
        if holder not in self._holders:
            return
        self._holders.discard(holder)
        if self._holders:
            return  # another holder still wants everything frozen; thawed when the last one goes
        gc.unfreeze()
        if self._base:
            gc.collect()
            gc.freeze()

    def release(self) -> None:
        """On lock: nothing stays frozen, so what held note text can be collected (the lock's
        scrub, tui/lock_hygiene.py, runs the full collection once the screens are gone)."""
        self._holders = weakref.WeakSet()
        self._base = False
        self.restore_full_collections()
        gc.unfreeze()


HEAP = Heap()
