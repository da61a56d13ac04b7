"""Issue 9 item 5: a crashing Hushpad leaves no core file, and others cannot read its memory.

The real `hushpad` runs in a shell that has ``ulimit -c unlimited``, blocked on reading a
passphrase from a pipe (hardening happens before any key is read, so any command will do).
Run as root, the test starts it and the probe with no capabilities (setpriv), so that
"another process of the same user" is a real, unprivileged one. Its /proc limits are read, a process of the
same user tries to read its memory, then it gets SIGSEGV. A plain Python started the same
way is the control: it does leave a core and can be read, so the checks would see it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.hardening import KEEP_DUMPABLE_ENV

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")

HUSHPAD = Path(sys.executable).parent / "hushpad"
CORE_PATTERN = Path("/proc/sys/kernel/core_pattern")
HUSHPAD_CMD = [str(HUSHPAD), "init", "--passphrase", "--non-interactive"]
CONTROL_CMD = [sys.executable, "-c", "import sys; sys.stdin.read()"]


def _as_user() -> list[str]:
    """As root: run without any capability (setpriv), so root's uid is an ordinary same-user
    process and CAP_SYS_PTRACE cannot mask a missing PR_SET_DUMPABLE. Otherwise as ourselves."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root needs setpriv (util-linux) to test as an unprivileged process")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all"]


def _start(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    script = 'ulimit -c unlimited && exec "$@"'
    return subprocess.Popen([*_as_user(), "sh", "-c", script, "sh", *cmd], cwd=cwd, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_blocked(proc: subprocess.Popen, marker: str) -> None:
    """Until the exec'd program itself is waiting for input (past its start-up)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        if marker.encode() in cmdline and Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "S":
            syscall = Path(f"/proc/{proc.pid}/syscall").read_text().split()
            if syscall and syscall[0] == "0":  # blocked in read(2)
                return
        time.sleep(0.05)
    raise AssertionError(f"process {proc.pid} never blocked on its input")


def _core_limit(pid: int) -> tuple[str, str]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            soft, hard = line.split()[4:6]
            return soft, hard
    raise AssertionError("no core limit line")


def _same_user_can_read_memory(pid: int) -> bool:
    """Whether a process with the target's uid (and no privileges) may read its memory."""
    probe = (f"import sys\ntry:\n    open('/proc/{pid}/environ', 'rb').read(1); open('/proc/{pid}/maps').read(1)\n"
             "except PermissionError:\n    print('refused')\nelse:\n    print('readable')")
    out = subprocess.run([*_as_user(), sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() in ("readable", "refused"), out.stderr
    return out.stdout.strip() == "readable"


def _segv(proc: subprocess.Popen) -> int:
    os.kill(proc.pid, signal.SIGSEGV)
    proc.communicate(timeout=60)
    return proc.returncode


def _cores(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("core"))


@pytest.fixture
def run_dir(tmp_path) -> Path:
    tmp_path.chmod(0o755)
    folder = tmp_path / "run"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)  # whoever runs the program can write its core here, were one made
    return folder


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != KEEP_DUMPABLE_ENV}
    env["HUSHPAD_HOME"] = str(tmp_path / "run" / "profile")
    env["HOME"] = str(tmp_path / "run")
    return env


def _run_and_crash(cmd: list[str], marker: str, run_dir: Path, env: dict[str, str]) -> dict:
    proc = _start(cmd, run_dir, env)
    try:
        _wait_blocked(proc, marker)
        limit = _core_limit(proc.pid)
        readable = _same_user_can_read_memory(proc.pid)
    finally:
        returncode = _segv(proc)
    return {"limit": limit, "readable": readable, "returncode": returncode, "cores": _cores(run_dir)}


def test_control_python_is_readable_and_dumps_core(run_dir, env):
    """Shows the checks below can fail: without hardening there is a core and memory is readable."""
    got = _run_and_crash(CONTROL_CMD, "sys.stdin.read", run_dir, env)
    assert got["limit"] == ("unlimited", "unlimited")
    assert got["readable"] is True
    assert got["returncode"] == -signal.SIGSEGV
    pattern = CORE_PATTERN.read_text().strip()
    if pattern.startswith("|"):
        pytest.skip(f"core_pattern pipes to a handler ({pattern!r}): core files are not in the cwd here; "
                    "the Hushpad test checks the core limit and dumpable flag instead")
    if "/" in pattern:
        pytest.skip(f"core_pattern writes to {pattern!r}, not the cwd; the limit and dumpable checks still run")
    assert got["cores"], "the control made no core file (is something else suppressing cores?)"


def test_hushpad_leaves_no_core_and_refuses_same_user_reads(run_dir, env):
    assert HUSHPAD.exists(), "the hushpad console script is not installed in this venv"
    got = _run_and_crash(HUSHPAD_CMD, "hushpad", run_dir, env)
    assert got["returncode"] == -signal.SIGSEGV
    assert got["limit"] == ("0", "0"), f"core limit is {got['limit']}"
    assert got["readable"] is False, "another process of the same user could read Hushpad's memory"
    assert not got["cores"], f"a core file was written: {got['cores']}"


def test_the_test_flag_keeps_only_dumpable(run_dir, env):
    """HUSHPAD_TEST_KEEP_DUMPABLE=1 (for the memory test) leaves core dumps off."""
    env = dict(env, **{KEEP_DUMPABLE_ENV: "1"})
    got = _run_and_crash(HUSHPAD_CMD, "hushpad", run_dir, env)
    assert got["limit"] == ("0", "0")
    assert got["readable"] is True
    assert not got["cores"]
