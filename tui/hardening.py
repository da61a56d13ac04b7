"""Process hardening at start-up: no core dumps, and no same-user debugger reading our memory.

A core file would hold the data keys and whatever was on screen, so the command line calls
``harden_process()`` before it reads any key. What each platform offers:

- Linux: ``RLIMIT_CORE`` 0 (soft and hard), and ``prctl(PR_SET_DUMPABLE, 0)``, which also stops
  processes of the same user from attaching with ptrace or reading ``/proc/PID/mem``
  (root still can; nothing in a process can stop root).
- macOS and the BSDs: ``RLIMIT_CORE`` 0. Same-user debuggers are not blocked
  (``PT_DENY_ATTACH`` exists on macOS but also breaks crash reporting; not used).
- Windows: ``SetErrorMode`` so a crash shows no dialog; Windows Error Reporting can still
  keep a dump where an administrator configured LocalDumps.

``HUSHPAD_TEST_KEEP_DUMPABLE=1`` skips only the ``PR_SET_DUMPABLE`` call (core dumps stay off):
the memory-after-lock test uses it to read the process's memory without being root.
Whoever can set a process's environment already controls that process.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

# Set by tui/launch.py when it restarts Python with an allocator that overwrites freed memory.
from .scrub_settings import MARK, PERTURB_BYTE, TCACHE_OFF  # noqa: F401 - doctor and tests read them here

KEEP_DUMPABLE_ENV = "HUSHPAD_TEST_KEEP_DUMPABLE"
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
SEM_FAILCRITICALERRORS = 0x0001
SEM_NOGPFAULTERRORBOX = 0x0002


@dataclass
class Hardening:
    """What was switched on, and what this platform cannot do (for `hushpad doctor`)."""

    done: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


_state: Hardening | None = None


def harden_process() -> Hardening:
    """Switch core dumps and same-user memory access off. Safe to call more than once; never raises."""
    global _state
    if _state is not None:
        return _state
    state = Hardening()
    _no_core_files(state)
    _freed_memory(state)
    if sys.platform.startswith("linux"):
        _not_dumpable(state)
    elif sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        _no_error_dialog(state)
    else:
        state.missing.append("other programs running as you can attach a debugger and read Hushpad's memory")
    _state = state
    return state


def status() -> Hardening:
    """The hardening in force in this process, for `hushpad doctor`. Reports; never applies it."""
    if _state is not None:
        return _state
    return Hardening(missing=["not applied: this process was not started by the `hushpad` command"])


def _no_core_files(state: Hardening) -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError) as exc:
        state.missing.append(f"core dumps could not be switched off ({exc})")
        return
    state.done.append("core dumps off (RLIMIT_CORE 0)")


def heap_scrubbed() -> bool:
    """True when this process runs with the settings above (checked by `hushpad doctor`)."""
    return (os.environ.get(MARK) == "1" and os.environ.get("PYTHONMALLOC") == "malloc"
            and TCACHE_OFF in os.environ.get("GLIBC_TUNABLES", "").split(":"))


def _freed_memory(state: Hardening) -> None:
    if heap_scrubbed():
        state.done.append("freed memory is overwritten (system allocator, glibc MALLOC_PERTURB_, no thread cache)")
    else:
        state.missing.append("freed memory is not overwritten: text freed at a lock can linger until reused "
                             "(needs Linux with glibc and the `hushpad` command)")


def _libc():  # noqa: ANN202 - a ctypes CDLL
    import ctypes

    # Linux only (prctl): the C library is already loaded into the process, so its symbols are
    # reached without ctypes.util.find_library, which runs `ldconfig -p` in a subprocess (~5 ms).
    return ctypes.CDLL(None, use_errno=True)


def _not_dumpable(state: Hardening) -> None:
    if os.environ.get(KEEP_DUMPABLE_ENV) == "1":
        state.missing.append(f"still dumpable: {KEEP_DUMPABLE_ENV}=1 is set (tests only)")
        return
    try:
        libc = _libc()
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 or libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0:
            state.missing.append("the process could not be made non-dumpable (prctl refused)")
            return
    except (OSError, AttributeError) as exc:
        state.missing.append(f"the process could not be made non-dumpable ({exc})")
        return
    state.done.append("not dumpable: no core file, no ptrace or /proc/PID/mem for other processes of this user")


def _no_error_dialog(state: Hardening) -> None:  # pragma: no cover - Windows only
    try:
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        kernel32.SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)
        state.done.append("crash dialog off (SetErrorMode)")
    except (OSError, AttributeError) as exc:
        state.missing.append(f"crash reporting could not be limited ({exc})")
    state.missing.append("Windows Error Reporting can keep a crash dump where LocalDumps is configured")
    state.missing.append("other programs running as you can read Hushpad's memory")
