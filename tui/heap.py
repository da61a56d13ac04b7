"""Keeping long-lived objects out of the garbage collector's full passes: the one place that
freezes and unfreezes (gc.freeze is process-wide, so two callers each managing it undo each other).

A full collection walks the whole heap (90-140 ms here) and lands on whatever key happens to be
next; frozen objects are never scanned again. Frozen garbage in a cycle is never freed either,
so whatever froze for a screen is thawed (and the heap refrozen without it) when that screen goes.
"""

from __future__ import annotations

import gc
import weakref


class Heap:
    def __init__(self) -> None:
        self._base = False  # the app froze what lives as long as it is unlocked
        self._holders: "weakref.WeakSet[object]" = weakref.WeakSet()

    @property
    def frozen(self) -> bool:
        return self._base or len(self._holders) > 0

    def freeze_base(self) -> None:
        """After unlock: imports, the app and the stores live until lock or exit."""
        gc.collect()
        gc.freeze()
        self._base = True

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
        gc.unfreeze()


HEAP = Heap()
