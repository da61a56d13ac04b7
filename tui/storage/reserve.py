"""A few MB of disk kept in the profile so the last minutes of typing can still be saved.

``reserve.bin`` (random bytes, 0600, so no filesystem can compress or dedupe it away) is
made when there is room. When a save hits a full disk, the store deletes it and tries
again at once; it is made again later, once the disk has room for it and then some.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

from .files import FILE_MODE

RESERVE_NAME = "reserve.bin"
RESERVE_BYTES = 2 * 1024 * 1024
# Never take the last of a small disk: the reserve is at most a quarter of what is free
# (so on a tiny disk it is smaller), and none at all below MIN_BYTES.
HEADROOM = 4
MIN_BYTES = 64 * 1024
RECHECK_SECONDS = 30.0


class Reserve:
    def __init__(self, profile_dir: Path, size: int = RESERVE_BYTES) -> None:
        self.path = profile_dir / RESERVE_NAME
        self.size = size
        self.released = False  # released during this run: the disk filled up
        self._made_size = 0  # the size it had here; once spent, it comes back only at that size
        self._next_check = 0.0

    def present(self) -> bool:
        return self.path.exists()

    def ensure(self) -> bool:
        """Make the reserve if it is missing and the disk has room. Never raises."""
        with contextlib.suppress(OSError):
            self._made_size = self.path.stat().st_size
            return True
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            return False
        if self._made_size:
            # Spent earlier in this run: take it back only when as much again stays free.
            size = self._made_size
            if free < 2 * size:
                return False
        else:
            size = min(self.size, free // HEADROOM) // 4096 * 4096
            if size < MIN_BYTES:
                return False
        tmp = self.path.with_name(f".{RESERVE_NAME}.tmp-{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
            try:
                left = size
                while left:
                    chunk = os.urandom(min(left, 1 << 16))
                    left -= os.write(fd, chunk)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False
        self.released = False
        self._made_size = size
        return True

    def maybe_recreate(self) -> None:
        """After a good save: if the reserve was used, make it again when space returns."""
        if not self.released:
            return
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + RECHECK_SECONDS
        self.ensure()

    def release(self) -> bool:
        """Free the reserve's space. True when there was something to free."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError:
            return False
        self.released = True
        self._next_check = time.monotonic() + RECHECK_SECONDS
        return True
