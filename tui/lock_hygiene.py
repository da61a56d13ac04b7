"""After a lock: let go of every object that still holds note or client text.

Popping the session's screens is not enough on its own. Textual keeps two kinds of
reference past a widget's removal:

- global watchers: a TextArea watches ``app.theme``, and the app keeps (widget, callback)
  until the theme next changes, so a closed jotting editor and its document stay alive;
- render caches: ``functools.lru_cache`` functions in Textual and Rich key on rendered
  segments and strips, i.e. on the text that was on screen.

``scrub_after_lock`` waits for the popped screens to be gone, drops closed widgets from
every watcher list, clears those caches, and runs a full collection (nothing is frozen
after a lock; see heap.py). What Python then frees is not zeroed by Python: see the
README's "How your notes are protected" for what that means.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import heapq
import sys
from collections.abc import Awaitable, Iterable
from typing import Any

CACHED_PACKAGES = ("textual", "rich")


async def scrub_after_lock(app: Any, removals: Iterable[Awaitable[Any]] = ()) -> None:
    for removal in removals:
        try:
            await removal
        except Exception:  # noqa: BLE001 - a screen that failed to close must not stop the scrub
            pass
    scrub_now(app)


def scrub_now(app: Any) -> None:
    drop_closed_watchers(app)
    drop_closed_callbacks(app)
    drop_cancelled_timers()
    clear_render_caches()
    gc.collect()


def _closed(node: Any) -> bool:
    if getattr(node, "_closing", False) or getattr(node, "_closed", False):
        return True
    attached = getattr(node, "is_attached", True)
    return attached is False


def drop_closed_watchers(app: Any) -> int:
    """Remove (node, callback) pairs of closed nodes from the app's and live nodes' watchers."""
    dropped = 0
    owners: list[Any] = [app, *getattr(app, "screen_stack", [])]
    for screen in list(owners[1:]):
        owners.extend(screen.walk_children(with_self=False))
    for owner in owners:
        watchers = getattr(owner, "__watchers", None)
        if not isinstance(watchers, dict):
            continue
        for name, entries in watchers.items():
            keep = [(node, callback) for node, callback in entries if not _closed(node)]
            dropped += len(entries) - len(keep)
            entries[:] = keep
    return dropped


def drop_closed_callbacks(app: Any) -> int:
    """Drop after-refresh callbacks bound to closed screens or widgets.

    ``call_after_refresh`` made in the session (a screen's ``refresh_bindings``) waits on the
    lock screen's list until that screen next repaints, which an idle lock screen may never do.
    """
    dropped = 0
    for screen in getattr(app, "screen_stack", []):
        for attribute in ("_callbacks", "_next_callbacks"):
            entries = getattr(screen, attribute, None)
            if not isinstance(entries, list):
                continue
            keep = []
            for entry in entries:
                callback = entry[0] if isinstance(entry, tuple) else getattr(entry, "callback", entry)
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
