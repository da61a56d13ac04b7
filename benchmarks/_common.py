"""Shared helpers for the benchmarks: pseudo-terminal spawning, a throw-away Secret
Service, profiles, the hello-world baseline app, and statistics.

Nothing here is imported by the app or the tests. Every benchmark reports a ratio
against a baseline measured in the same run; none asserts a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
PYTHON = sys.executable
HUSHPAD = str(Path(sys.executable).parent / "hushpad")
COLS, ROWS = 120, 40

HELLO_APP_SOURCE = '''\
"""The baseline: a bare Textual hello world."""
from textual.app import App, ComposeResult
from textual.widgets import Static


class HelloApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Hello, world!")


if __name__ == "__main__":
    HelloApp().run()
'''

# The floor (issue 14's "done when"): the hello world plus what Hushpad cannot start without,
# imported before the app runs: cryptography (the primitives Hushpad's stores and signatures
# use) and sqlcipher3. With HELLO_FLOOR_SCRUB=1 in the environment it also restarts itself
# once with tui/launch.py's heap-scrub allocator settings first, as `hushpad` does.
# The heap-scrub restart both floors begin with (HELLO_FLOOR_SCRUB=1): `hushpad`'s own settings.
_SCRUB_RESTART = '''\
import os, sys
if os.environ.get("HELLO_FLOOR_SCRUB") == "1" and os.environ.get("HELLO_FLOOR_SCRUBBED") != "1":
    from tui.launch import scrub_environment  # the same settings as `hushpad`'s restart
    env = scrub_environment(dict(os.environ))
    env["HELLO_FLOOR_SCRUBBED"] = "1"
    os.execve(sys.executable, [sys.executable, *sys.argv], env)
'''

FLOOR_APP_SOURCE = '''\
"""The floor: a bare Textual hello world that also imports cryptography and sqlcipher3."""
''' + _SCRUB_RESTART + '''from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
import sqlcipher3
from textual.app import App, ComposeResult
from textual.widgets import Static


class HelloApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Hello, world!")


if __name__ == "__main__":
    HelloApp().run()
'''

_ANSI = re.compile(rb"\x1b\[[0-9;?<>=!$ ]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78cDEHMNOZ]")


def strip_ansi(data: bytes) -> str:
    return _ANSI.sub(b"", data).decode("utf-8", "replace")


# The jot floor: the least any app doing `hushpad jot`'s job does before "saved". The heap-scrub
# restart, a TextArea focused in the first frame; after that frame, on a thread: the key read
# from the Secret Service (SecretStorage), an SQLCipher file opened with a key and one row
# committed; then "saved" on screen. No Hushpad code runs in it.
JOT_FLOOR_APP_SOURCE = '''\
"""The jot floor: a TextArea app that reads a key from the Secret Service and commits one row
to an SQLCipher file before it shows "saved"."""
''' + _SCRUB_RESTART + '''from textual import work
from textual.app import App, ComposeResult
from textual.widgets import Static, TextArea


class JotFloorApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TextArea(id="pad")
        yield Static("opening", id="status")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.call_after_refresh(self.open_store)

    @work(thread=True)
    def open_store(self) -> None:
        from contextlib import closing
        import secretstorage
        import sqlcipher3
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        with closing(secretstorage.dbus_init()) as bus:
            collection = secretstorage.get_default_collection(bus)
            items = list(collection.search_items({"service": "jot-floor", "username": "bench"}))
            if not items or len(items[0].get_secret()) != 64:
                raise SystemExit("jot floor: its key is not in the Secret Service")
        AESGCM(AESGCM.generate_key(bit_length=256))  # what unwrapping the data key would use
        conn = sqlcipher3.connect(sys.argv[1])
        raw_key = "x'" + "11" * 32 + "'"
        conn.execute('PRAGMA key = "' + raw_key + '"')
        conn.execute("CREATE TABLE IF NOT EXISTS jottings (id INTEGER PRIMARY KEY, line TEXT)")
        conn.execute("INSERT INTO jottings (line) VALUES ('')")
        conn.commit()
        conn.close()
        self.call_from_thread(self.query_one("#status", Static).update, "saved")


if __name__ == "__main__":
    JotFloorApp().run()
'''


def hello_app_path(directory: Path) -> Path:
    """Write the hello-world app into directory and return its path."""
    path = directory / "hello_app.py"
    path.write_text(HELLO_APP_SOURCE)
    return path


def floor_app_path(directory: Path) -> Path:
    """Write the floor app (hello world + cryptography + sqlcipher3) and return its path."""
    path = directory / "hello_floor_app.py"
    path.write_text(FLOOR_APP_SOURCE)
    return path


def jot_floor_app_path(directory: Path, service: "SecretService") -> Path:
    """Write the jot floor app (TextArea, key read, one SQLCipher commit) and return its path.
    Its key goes into the Secret Service first, so the floor's read finds and decrypts an item."""
    store = ("import secretstorage\n"
             "bus = secretstorage.dbus_init()\n"
             "secretstorage.get_default_collection(bus).create_item('jot floor', "
             "{'service': 'jot-floor', 'username': 'bench'}, b'11' * 32, replace=True)\n")
    subprocess.run([PYTHON, "-c", store], env=service.env, check=True, capture_output=True, text=True)
    path = directory / "jot_floor_app.py"
    path.write_text(JOT_FLOOR_APP_SOURCE)
    return path


FLOOR_SCRUB_ENV = {"HELLO_FLOOR_SCRUB": "1"}


# -- pseudo-terminal ----------------------------------------------------------
def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8", LC_ALL="C.UTF-8",
               COLUMNS=str(COLS), LINES=str(ROWS))
    env.pop("TEXTUAL", None)  # no devtools
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # As installed Python runs: the warm-up starts write tui's bytecode caches (pip compiles them
    # at install; textual's are already in site-packages). With PYTHONDONTWRITEBYTECODE=1 left
    # in, every start recompiled tui's sources: +20 ms of first-paint imports that no install pays.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if extra:
        env.update(extra)
    return env


class PtyProcess:
    """A program on the slave side of a fresh pseudo-terminal, COLS x ROWS.

    Output is drained continuously into ``self.output`` so the child never blocks
    on a full pty buffer. ``spawned_at`` is time.monotonic() just before fork().
    """

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None, cwd: str | Path | None = None,
                 stderr_path: str | Path | None = None, pass_fds: Sequence[int] = ()) -> None:
        self.argv = list(argv)
        self.output = bytearray()
        self._text_cache = ""
        self._text_len = 0
        env = env if env is not None else base_env()
        self.spawned_at = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                if stderr_path is not None:
                    err = os.open(str(stderr_path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    os.dup2(err, 2)
                    os.close(err)
                for keep in pass_fds:
                    os.set_inheritable(keep, True)
                if cwd is not None:
                    os.chdir(cwd)
                os.execve(self.argv[0], self.argv, env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.returncode: int | None = None

    # reading
    def pump(self, timeout: float) -> bool:
        """Read whatever arrives within timeout. False once the child closed the pty."""
        try:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        except InterruptedError:
            return True
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        self.output += chunk
        return True

    def text(self) -> str:
        if self._text_len != len(self.output):
            self._text_cache = strip_ansi(bytes(self.output))
            self._text_len = len(self.output)
        return self._text_cache

    def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 30.0) -> float:
        """Pump until predicate(text) holds; return time.monotonic() when it first did."""
        check = (lambda t: predicate in t) if isinstance(predicate, str) else predicate
        deadline = time.monotonic() + timeout
        searched = 0
        while True:
            # Only look at the new tail (plus overlap) so long outputs stay cheap.
            if len(self.output) != searched:
                searched = len(self.output)
                if check(self.text()):
                    return time.monotonic()
            if time.monotonic() > deadline:
                tail = self.text()[-600:]
                raise TimeoutError(f"{self.argv}: no {predicate!r} within {timeout}s; screen tail: {tail!r}")
            if not self.pump(min(0.05, deadline - time.monotonic())):
                if check(self.text()):
                    return time.monotonic()
                raise RuntimeError(f"{self.argv} exited before {predicate!r}; output tail: {self.text()[-800:]!r}")

    def settle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if not self.pump(end - time.monotonic()):
                return

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def rss_kib(self) -> int:
        """VmRSS of the child from /proc (the python process itself: execve keeps the pid)."""
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def close(self, quit_keys: bytes = b"\x11", timeout: float = 10.0) -> int:
        """Quit politely (ctrl+q), then SIGTERM, then SIGKILL. Returns the exit status."""
        if self.returncode is not None:
            return self.returncode
        with contextlib.suppress(OSError):
            self.send(quit_keys)
        deadline = time.monotonic() + timeout
        sent_term = False
        while True:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                if sent_term:
                    os.kill(self.pid, signal.SIGKILL)
                else:
                    os.kill(self.pid, signal.SIGTERM)
                    sent_term = True
                    deadline = time.monotonic() + 3
            self.pump(0.02)
        with contextlib.suppress(OSError):
            while self.pump(0):
                if not select.select([self.fd], [], [], 0)[0]:
                    break
        os.close(self.fd)
        return self.returncode


# -- a throw-away Secret Service ---------------------------------------------------
@dataclass
class SecretService:
    home: Path
    env: dict[str, str]
    procs: list[subprocess.Popen] = field(default_factory=list)


def _service_ready(env: dict[str, str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
            env=env, capture_output=True, text=True,
        )
        if "boolean true" in out.stdout:
            return
        time.sleep(0.05)
    raise RuntimeError("gnome-keyring-daemon did not claim org.freedesktop.secrets")


def secret_service_available() -> str:
    """'' when a Secret Service can be started here, else the reason it cannot."""
    for tool in ("dbus-daemon", "gnome-keyring-daemon", "dbus-send"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return ""


@contextlib.contextmanager
def secret_service(set_os_environ: bool = False) -> Iterator[SecretService]:
    """A private session bus and an unlocked gnome-keyring (secrets component) with a
    fresh HOME. The login collection is created with the password piped on stdin;
    without it creation fails with "Prompt dismissed"."""
    reason = secret_service_available()
    if reason:
        raise RuntimeError(f"cannot start a Secret Service: {reason}")
    home = Path(tempfile.mkdtemp(prefix="hushpad-bench-home-"))
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env = base_env({
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
    })
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env.pop("GNOME_KEYRING_CONTROL", None)
    procs: list[subprocess.Popen] = []
    saved = dict(os.environ)
    try:
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(bus)
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        keyring_daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        procs.append(keyring_daemon)
        assert keyring_daemon.stdin is not None
        keyring_daemon.stdin.write(b"pw")  # `echo -n pw |`
        keyring_daemon.stdin.close()
        _service_ready(env)
        if set_os_environ:
            os.environ.update(env)
        yield SecretService(home, env, procs)
    finally:
        if set_os_environ:
            os.environ.clear()
            os.environ.update(saved)
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(home, ignore_errors=True)


# -- profiles -------------------------------------------------------------------------
SEED_SCRIPT = textwrap.dedent('''
    import sys
    from pathlib import Path
    from tui.config import load_config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.services.demo import seed_demo
    from tui.storage.keyring_access import OSKeyring

    profile_dir = Path(sys.argv[1])
    config = load_config(profile_dir, explicit_profile=True)
    profile = access.unlock(config, keystore=OSKeyring())
    try:
        seed_demo(Workspace(profile, config))
    finally:
        profile.close()
''')


def make_keyring_profile(service: SecretService, directory: Path) -> Path:
    """`hushpad init` with the device key in the (throw-away) Secret Service, then the
    six fictional demo clients seeded through the services layer."""
    profile = directory / "profile"
    run = subprocess.run([HUSHPAD, "--profile", str(profile), "init", "--non-interactive"], env=service.env,
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise RuntimeError(f"hushpad init failed: {run.stderr.strip()}")
    seed = subprocess.run([PYTHON, "-c", SEED_SCRIPT, str(profile)], env=service.env, cwd=ROOT,
                          capture_output=True, text=True)
    if seed.returncode != 0:
        raise RuntimeError(f"seeding failed: {seed.stderr.strip()[-2000:]}")
    return profile


# -- statistics -----------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank-with-interpolation percentile (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def verdict(ratio: float, goal: float) -> str:
    return "MET" if ratio <= goal else "NOT MET"


def machine_line() -> str:
    import platform

    import textual

    return (f"python {platform.python_version()}, textual {textual.__version__}, "
            f"{os.cpu_count()} cpu(s), {platform.machine()} {platform.system()} {platform.release()}")
