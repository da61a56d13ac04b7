"""After a lock: let go of every object that still holds note or client text.

Popping the session's screens is not enough on its own. Found by reading a locked
Hushpad's memory (tests/e2e/test_memory_after_lock.py), Textual keeps a closed screen or
widget alive through:

- global watchers: a TextArea watches ``app.theme``, and the app keeps (widget, callback)
  until the theme next changes;
- signal subscriptions: a TextArea subscribes to its screen's selection signal with a
  closure over itself, in a table weak-keyed on that same widget;
- after-refresh callbacks queued on the lock screen (``refresh_bindings`` of the scratchpad);
- cancelled timer handles, which keep the contextvars Context they were made in until due;
- idle executor threads, whose own context keeps ``active_worker`` = the last save's Worker;
- render caches: ``functools.lru_cache`` functions in Textual and Rich key on rendered text.

``scrub_after_lock`` waits for the popped screens to be gone, undoes each of these for
closed nodes only, and runs a full collection (nothing is frozen after a lock; see heap.py);
it looks again twice in the next two seconds for what queued callbacks left. These reach
into Textual internals through tui/widgets/_textual_compat.py (each read hashed and tested
there) and into asyncio's loop and executor here (each guarded: a missing attribute is
skipped); a Textual upgrade can add another, and the memory test is what finds it. What Python then
frees is overwritten only where the allocator does it: see tui/launch.py and the README.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import heapq
import sys
from collections.abc import Awaitable, Iterable
from typing import Any

from .widgets._textual_compat import (
    after_refresh_queues,
    clear_active_worker,
    node_is_closed,
    queued_callback,
    reactive_watchers,
    signal_subscribers,
)

CACHED_PACKAGES = ("textual", "rich")
LATER_PASSES = (0.5, 1.5)  # seconds after the first pass


async def scrub_after_lock(app: Any, removals: Iterable[Awaitable[Any]] = ()) -> None:
    for removal in removals:
        try:
            await removal
        except Exception:  # noqa: BLE001 - a screen that failed to close must not stop the scrub
            pass
    await forget_workers_in_executor_threads()
    scrub_now(app)
    # Callbacks and messages already queued by the session's screens run after this; each can
    # leave one more reference behind (a refresh_bindings for the closed scratchpad), so look
    # again once they have run.
    for delay in LATER_PASSES:
        await asyncio.sleep(delay)
        if getattr(app, "workspace", None) is not None:
            return  # unlocked again meanwhile: leave the new session alone
        await forget_workers_in_executor_threads()
        scrub_now(app)


async def forget_workers_in_executor_threads(timeout: float = 1.0) -> int:
    """Clear Textual's ``active_worker`` in each idle thread of the loop's default executor.

    A thread worker runs in an executor thread and sets ``active_worker`` in that thread's
    own context, where it stays after the work is done: the last save's Worker (its node the
    Autosaver, its screen the scratchpad) stayed alive in an idle thread, out of reach of
    the garbage collector. One small job per thread (a barrier makes each thread take
    exactly one) sets it to None; a busy thread is skipped after ``timeout``.
    """
    import threading

    loop = asyncio.get_running_loop()
    executor = getattr(loop, "_default_executor", None)
    threads = list(getattr(executor, "_threads", ()) or ())
    if not threads:
        return 0
    barrier = threading.Barrier(len(threads))

    def forget() -> None:
        clear_active_worker()
        try:
            barrier.wait(timeout)
        except threading.BrokenBarrierError:
            pass

    await asyncio.gather(*(loop.run_in_executor(None, forget) for _ in threads), return_exceptions=True)
    return len(threads)


def scrub_now(app: Any) -> None:
    drop_closed_watchers(app)
    drop_closed_subscriptions(app)
    drop_closed_callbacks(app)
    drop_cancelled_timers()
    clear_render_caches()
    gc.collect()


_closed = node_is_closed


def drop_closed_watchers(app: Any) -> int:
    """Remove (node, callback) pairs of closed nodes from the app's and live nodes' watchers."""
    dropped = 0
    owners: list[Any] = [app, *getattr(app, "screen_stack", [])]
    for screen in list(owners[1:]):
        owners.extend(screen.walk_children(with_self=False))
    for owner in owners:
        for entries in reactive_watchers(owner).values():
            keep = [(node, callback) for node, callback in entries if not _closed(node)]
            dropped += len(entries) - len(keep)
            entries[:] = keep
    return dropped


def drop_closed_subscriptions(app: Any) -> int:
    """Unsubscribe closed widgets from the signals of the app and its live screens.

    A TextArea subscribes to its screen's ``text_selection_started_signal`` with a closure
    over itself; the subscription table is weak-keyed on the widget, but the closure it
    holds is a strong reference to that same widget, so the entry (and the jotting editor,
    with its document) lives as long as the signal's owner does. Textual prunes it only
    when the signal next fires.
    """
    from textual.signal import Signal

    dropped = 0
    for owner in [app, *getattr(app, "screen_stack", [])]:
        for value in list(vars(owner).values()):
            if not isinstance(value, Signal):
                continue
            for node in [n for n in signal_subscribers(value) if _closed(n)]:
                value.unsubscribe(node)
                dropped += 1
    return dropped


def drop_closed_callbacks(app: Any) -> int:
    """Drop after-refresh callbacks bound to closed screens or widgets.

    ``call_after_refresh`` made in the session (a screen's ``refresh_bindings``) waits on the
    lock screen's list until that screen next repaints, which an idle lock screen may never do.
    """
    dropped = 0
    for screen in getattr(app, "screen_stack", []):
        for entries in after_refresh_queues(screen):
            keep = []
            for entry in entries:
                callback = queued_callback(entry)
                target = getattr(getattr(callback, "func", callback), "__self__", None)
                if target is not None and _closed(target):
                    dropped += 1
                else:
                    keep.append(entry)
            entries[:] = keep
    return dropped


def drop_cancelled_timers() -> int:
    """Forget cancelled timer handles now rather than when they fall due.

    A cancelled asyncio handle stays in the loop's heap until its time comes, and it keeps
    the contextvars Context it was made in, in which Textual's ``active_message_pump`` is
    the screen that started it: the session's curtain timer kept the scratchpad (and its
    text) alive for minutes after a lock. This is what asyncio's own clean-up does once
    more than half the heap is cancelled, done now.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return 0
    scheduled = getattr(loop, "_scheduled", None)
    if not isinstance(scheduled, list):
        return 0
    live = []
    for handle in scheduled:
        if handle.cancelled():
            handle._scheduled = False
        else:
            live.append(handle)
    dropped = len(scheduled) - len(live)
    if dropped:
        heapq.heapify(live)
        scheduled[:] = live
        loop._timer_cancelled_count = 0  # type: ignore[attr-defined]
    return dropped


@functools.cache
def _render_caches() -> tuple[Any, ...]:
    """Every lru_cache'd function and method in Textual and Rich (found once, after import)."""
    found: list[Any] = []
    seen: set[int] = set()
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in CACHED_PACKAGES:
            continue
        for value in list(vars(module).values()):
            candidates = [value]
            if isinstance(value, type) and value.__module__ == name:
                candidates += list(vars(value).values())
            for candidate in candidates:
                target = getattr(candidate, "__func__", candidate)
                if isinstance(target, property):
                    target = target.fget
                if callable(getattr(target, "cache_clear", None)) and id(target) not in seen:
                    seen.add(id(target))
                    found.append(target)
    return tuple(found)


def clear_render_caches() -> int:
    _render_caches.cache_clear()  # modules imported since the last lock are included
    caches = _render_caches()
    for cached in caches:
        cached.cache_clear()
    return len(caches)
