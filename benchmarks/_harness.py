"""Real parts for end-to-end runs: a private Secret Service and a private tmux server.

Shared by tests/e2e/conftest.py and benchmarks/crash_harness.py, so the tests and the
crash harness drive Hushpad the same way. Nothing here imports Hushpad at module level.

- ``SecretService``: its own ``dbus-daemon`` (a config with no service activation, so
  nothing else can start on it) and ``gnome-keyring-daemon --foreground --unlock``, with a
  fresh HOME and XDG dirs. ``env`` is the environment to hand to subprocesses.
- ``Tmux``: a tmux server on its own socket with one fixed-size pane that keeps its last
  screen when the program in it exits (``remain-on-exit``), plus typing and screen helpers.
- ``inspect_profile``: opens a profile with the real keys (device key from the keyring) and
  reports the jotting documents and ``PRAGMA integrity_check`` of both stores. Run it in a
  process whose environment points at the Secret Service: ``python _harness.py inspect DIR``.

Every start has a matching ``close()`` that ends exactly the processes it started.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KEYRING_PASSWORD = "hushpad-e2e-login"

SECRET_SERVICE_PROGRAMS = ("dbus-daemon", "dbus-send", "gnome-keyring-daemon")
TMUX_PROGRAMS = ("tmux",)

# A session bus with no service directories: nothing can be auto-activated on it, so the
# only Secret Service is the unlocked gnome-keyring-daemon we start ourselves.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def missing_programs(names: Sequence[str]) -> list[str]:
    return [name for name in names if shutil.which(name) is None]


def hushpad_exe() -> str:
    """The console script next to the running interpreter (the venv's), else PATH's."""
    here = Path(sys.executable).parent / "hushpad"
    if here.exists():
        return str(here)
    found = shutil.which("hushpad")
    if found is None:
        raise RuntimeError("the hushpad console script is not installed (pip install -e '.[test]')")
    return found


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing from the caller's desktop session leaks in."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for key in ("CI", "TMPDIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def make_home(prefix: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=prefix))
    for sub in (".local/share/keyrings", ".config", ".cache", ".local/state", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    return home


def _terminate(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


class SecretService:
    """A private, unlocked GNOME Keyring Secret Service on a private session bus."""

    def __init__(self, prefix: str = "hushpad-ss-") -> None:
        self.home = make_home(prefix)
        self.env = base_env(self.home)
        self._dbus: subprocess.Popen | None = None
        self._keyring: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0) -> "SecretService":
        try:
            self._start(timeout)
        except BaseException:
            self.close()
            raise
        return self

    def _start(self, timeout: float) -> None:
        socket = self.home / "run" / "bus"
        config = self.home / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket))
        self._dbus = subprocess.Popen(
            ["dbus-daemon", "--nofork", f"--config-file={config}", "--print-address=1"],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True,
        )
        address = (self._dbus.stdout.readline() if self._dbus.stdout else "").strip()
        if not address:
            raise RuntimeError("dbus-daemon did not print its address")
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address
        self._keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=self.env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        assert self._keyring.stdin is not None
        # The login password on stdin: the login collection is created unlocked, with no prompt.
        self._keyring.stdin.write(KEYRING_PASSWORD.encode())
        self._keyring.stdin.close()
        deadline = time.monotonic() + timeout
        while not self._has_owner("org.freedesktop.secrets"):
            if self._keyring.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited with {self._keyring.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("gnome-keyring-daemon did not claim org.freedesktop.secrets in time")
            time.sleep(0.1)

    def _has_owner(self, name: str) -> bool:
        out = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )
        return out.returncode == 0 and "boolean true" in out.stdout

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in (self._dbus, self._keyring) if p is not None and p.poll() is None]

    def close(self) -> None:
        _terminate(self._keyring)
        _terminate(self._dbus)
        for proc in (self._keyring, self._dbus):
            if proc is not None and proc.stdout is not None:
                proc.stdout.close()
        self._keyring = self._dbus = None
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> "SecretService":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class ScreenTimeout(AssertionError):
    pass


@dataclass
class TypedLog:
    """What was sent to the pane, and when each piece left (monotonic seconds)."""

    text: str = ""
    stamps: list[tuple[float, int]] = field(default_factory=list)  # (time sent, len(text) after it)

    def add(self, piece: str) -> None:
        self.text += piece
        self.stamps.append((time.monotonic(), len(self.text)))

    def sent_before(self, moment: float) -> int:
        """How many characters had been sent before ``moment``."""
        count = 0
        for when, length in self.stamps:
            if when < moment:
                count = length
        return count

    @property
    def last_key(self) -> float:
        return self.stamps[-1][0] if self.stamps else 0.0


class Tmux:
    """A tmux server on its own socket, with one pane of a fixed size."""

    def __init__(self, env: dict[str, str], width: int = 100, height: int = 30) -> None:
        self.env = dict(env)
        self.env.pop("TMUX", None)
        self.width, self.height = width, height
        self.target = "main:0.0"
        self._started = False
        self._dir = Path(tempfile.mkdtemp(prefix="hushpad-tmux-"))
        # Its own socket, inside our temp dir, so no stale socket file outlives the run.
        self.socket = str(self._dir / f"hushpad-e2e-{secrets.token_hex(4)}")
        self._runs = 0
        self._status: Path | None = None

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-S", self.socket, "-f", "/dev/null", *args], env=self.env,
                              capture_output=True, text=True, check=check, timeout=20)

    def start(self) -> "Tmux":
        self.tmux("new-session", "-d", "-s", "main", "-x", str(self.width), "-y", str(self.height), "sleep 100000")
        self._started = True
        for option in (("remain-on-exit", "on"), ("escape-time", "0"), ("history-limit", "0")):
            self.tmux("set-option", "-g", *option)
        self.tmux("set-window-option", "-g", "remain-on-exit", "on")
        self.tmux("set-option", "-t", "main", "status", "off")
        self.tmux("resize-window", "-t", "main", "-x", str(self.width), "-y", str(self.height), check=False)
        return self

    def run(self, argv: Sequence[str], env: dict[str, str] | None = None, timeout: float = 10.0) -> int:
        """Replace whatever runs in the pane with argv; return the program's pid.

        The program runs as the child of a small shell that writes its exit status to a
        file. tmux 3.3's own record of a pane's exit status is unreliable after a SIGKILL
        (it sometimes never reaps the killed process), so the tests do not depend on it.
        """
        extra: list[str] = []
        for key, value in (env or {}).items():
            extra += ["-e", f"{key}={value}"]
        self._runs += 1
        self._status = self._dir / f"exit-{self._runs}"
        script = f'"$@"; echo $? > {shlex.quote(str(self._status))}'
        command = " ".join(shlex.quote(a) for a in ["sh", "-c", script, "hushpad-e2e-run", *argv])
        self.tmux("respawn-pane", "-k", "-t", self.target, *extra, "exec " + command)
        self.tmux("clear-history", "-t", self.target, check=False)
        shell = self.pane_pid()
        deadline = time.monotonic() + timeout
        while True:
            children = _children(shell)
            if children:
                return children[0]
            if self._status.exists() or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not start in the pane:\n{self.capture()}")
            time.sleep(0.01)

    def pane_pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").stdout.strip())

    def pane_dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.target, "#{pane_dead}").stdout.strip() == "1"

    def exit_status(self) -> int | None:
        """The last program's exit status (128+N after signal N), or None while it runs."""
        if self._status is None or not self._status.exists():
            return None
        text = self._status.read_text().strip()
        return int(text) if text else None

    def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while True:
            status = self.exit_status()
            if status is not None:
                return status
            if time.monotonic() > deadline:
                raise ScreenTimeout(f"the program in the pane did not exit within {timeout:g} s\n{self.capture()}")
            time.sleep(0.05)

    def kill9(self, pid: int, timeout: float = 10.0) -> None:
        """SIGKILL the program in the pane and wait until it is reaped."""
        kill9(pid, timeout)
        self.wait_exit(timeout)

    def capture(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.target).stdout

    def send_text(self, text: str) -> None:
        """Literal characters, as typed (no key names)."""
        if text:
            self.tmux("send-keys", "-t", self.target, "-l", text)

    def send_key(self, *keys: str, pause: float = 0.15) -> None:
        """Named keys (Enter, Tab, C-q, …), one at a time with a pause."""
        for key in keys:
            self.tmux("send-keys", "-t", self.target, key)
            time.sleep(pause)

    def type_lines(self, lines: Sequence[str], log: TypedLog, *, chunk: int = 4, cps: float = 12.0,
                   stop_after: int | None = None) -> None:
        """Type lines at about ``cps`` characters a second, ``chunk`` characters per send.

        Enter goes as its own key between lines. Stops once ``stop_after`` characters
        (newlines included) have been sent: a kill in the middle of typing.
        """
        delay = chunk / cps
        for index, line in enumerate(lines):
            if index:
                if stop_after is not None and len(log.text) >= stop_after:
                    return
                self.tmux("send-keys", "-t", self.target, "Enter")
                log.add("\n")
                time.sleep(1 / cps)
            for start in range(0, len(line), chunk):
                if stop_after is not None and len(log.text) >= stop_after:
                    return
                piece = line[start:start + chunk]
                self.send_text(piece)
                log.add(piece)
                time.sleep(delay)

    def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 20.0, what: str = "") -> str:
        """Poll the screen until it shows the text (or the predicate holds); raise with the screen."""
        test = (lambda screen: predicate in screen) if isinstance(predicate, str) else predicate
        label = what or (repr(predicate) if isinstance(predicate, str) else "the expected screen")
        deadline = time.monotonic() + timeout
        screen = ""
        while True:
            screen = self.capture()
            if test(screen):
                return screen
            if time.monotonic() > deadline:
                raise ScreenTimeout(f"timed out after {timeout:g} s waiting for {label}; the screen was:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        if self._started:
            self.tmux("kill-server", check=False)
            self._started = False
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "Tmux":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def kill9(pid: int, timeout: float = 5.0) -> None:
    """SIGKILL and wait until the process is gone (a zombie counts as gone)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.02)
    raise RuntimeError(f"process {pid} survived SIGKILL")


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return []


def hushpad(args: Sequence[str], env: dict[str, str], *, input: str | None = None,
            timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([hushpad_exe(), *args], env=env, input=input, capture_output=True, text=True,
                          timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)


def inspect_in(env: dict[str, str], profile: Path, timeout: float = 60.0) -> dict:
    """Run inspect_profile in a fresh interpreter with ``env`` (so the keyring is the test's)."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "inspect", str(profile)],
                         env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"inspecting {profile} failed ({out.returncode}):\n{out.stderr}{out.stdout}")
    return json.loads(out.stdout)


def inspect_profile(profile: Path) -> dict:
    """Open the profile with the device key from this environment's keyring (read-only use)."""
    sys.path.insert(0, str(REPO))
    from tui.storage import keys as keymod
    from tui.storage.keyring_access import OSKeyring
    from tui.storage.paths import ProfilePaths
    from tui.storage.profile import load_keyfile
    from tui.storage.record import RecordStore
    from tui.storage.vault import VaultStore

    paths = ProfilePaths(Path(profile))
    keyfile = load_keyfile(paths)
    deks = keymod.unlock_device(keyfile, OSKeyring())
    # The stores directly (no profile lock, no audit entry): this is an observer.
    record = RecordStore(paths.record, deks["record"], read_only=True)
    try:
        vault = VaultStore(paths.vault, deks["vault"], read_only=True)
    except BaseException:
        record.close()
        raise
    try:
        integrity = {"record": record.integrity_check(), "vault": vault.integrity_check()}
        docs = {
            row["doc_key"]: [line.text for line in vault.load_jottings(row["doc_key"])]
            for row in vault.query("SELECT doc_key FROM jotting_documents")
        }
        sessions = record.query(
            "SELECT s.id, c.code, s.ended_at FROM sessions s JOIN clients c ON c.id = s.client_id ORDER BY s.id")
        return {
            "profile_id": keyfile.profile_id,
            "integrity": integrity,
            "jottings": docs,
            "sessions": [{"id": s["id"], "code": s["code"], "ended": s["ended_at"] is not None} for s in sessions],
            "clients": [r["code"] for r in record.query("SELECT code FROM clients ORDER BY id")],
        }
    finally:
        vault.close()
        record.close()


def jottings_for(report: dict, code: str) -> list[str]:
    """The jotting lines of ``code``'s most recent session (empty if none saved)."""
    ids = [s["id"] for s in report["sessions"] if s["code"] == code]
    if not ids:
        return []
    return report["jottings"].get(f"session:{max(ids)}", [])


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "inspect":
        print(json.dumps(inspect_profile(Path(argv[1]))))
        return 0
    print("usage: _harness.py inspect PROFILE_DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
