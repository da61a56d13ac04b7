"""The `hushpad` command's first step: restart Python with an allocator that overwrites freed memory.

CPython's own small-object allocator (pymalloc) never clears a freed block, and glibc keeps
freed chunks as they were, so after a lock the text of the session (and the keyring's
reply) stayed readable in freed memory for as long as nothing reused it. On Linux with
glibc, Hushpad therefore re-executes itself once, before importing anything else, with

    PYTHONMALLOC=malloc                          every Python allocation goes through malloc
    MALLOC_PERTURB_=<byte>                       glibc overwrites each chunk as it is freed
    GLIBC_TUNABLES=glibc.malloc.tcache_count=0   no per-thread cache (its chunks skip the overwrite)

These are read only when a process starts, hence the re-exec. Elsewhere (macOS, Windows,
musl) the command runs as it is, and `hushpad doctor` says that freed memory is not cleared.
"""

from __future__ import annotations

import os
import sys

from .scrub_settings import MARK, PERTURB_BYTE, TCACHE_OFF


def _glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")  # type: ignore[union-attr]
    except (ValueError, OSError, AttributeError):
        return False


def scrub_environment(env: dict[str, str]) -> dict[str, str]:
    """The environment for the restarted process."""
    out = dict(env)
    out["PYTHONMALLOC"] = "malloc"
    out["MALLOC_PERTURB_"] = PERTURB_BYTE
    tunables = [t for t in out.get("GLIBC_TUNABLES", "").split(":") if t and not t.startswith("glibc.malloc.tcache_count=")]
    out["GLIBC_TUNABLES"] = ":".join([*tunables, TCACHE_OFF])
    out[MARK] = "1"
    return out


def entry() -> int:
    """The console script. Restarts once (Linux/glibc), then runs the command line."""
    if _glibc() and os.environ.get(MARK) != "1" and sys.argv and os.path.exists(sys.argv[0]):
        try:
            os.execve(sys.executable, [sys.executable, sys.argv[0], *sys.argv[1:]], scrub_environment(dict(os.environ)))
        except OSError:
            pass  # run as we are; doctor reports it
    # Here, in the process that will run, before any key is read: no core dumps, no
    # same-user ptrace or /proc/PID/mem. (Not in cli.main, which tests call in-process.)
    from .hardening import harden_process

    harden_process()
    from .cli import main

    return main()
