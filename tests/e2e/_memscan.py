"""Reading a live process's memory: /proc/PID/maps for the regions, /proc/PID/mem for the bytes.

Needs ptrace access to the target: root (CAP_SYS_PTRACE), or the same user with the
target still dumpable. Hushpad makes itself non-dumpable at start, so a non-root run
sets HUSHPAD_TEST_KEEP_DUMPABLE=1 for the process under test (see tui/hardening.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hit:
    label: str
    region: str
    address: int

    def __str__(self) -> str:
        return f"{self.label} at {self.address:#x} in {self.region}"


def regions(pid: int) -> list[tuple[int, int, str]]:
    """Readable mappings: (start, end, description). Kernel-only ones ([vvar], [vsyscall]) are skipped."""
    found = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(None, 5)
        start, end = (int(x, 16) for x in parts[0].split("-"))
        perms = parts[1]
        name = parts[5] if len(parts) > 5 else "[anon]"
        if perms[0] != "r" or name in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
            continue
        found.append((start, end, f"{perms} {name}"))
    return found


def scan(pid: int, needles: dict[str, bytes]) -> tuple[list[Hit], int]:
    """Every place each needle occurs; also the number of bytes read (to show the scan was real)."""
    hits: list[Hit] = []
    total = 0
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for start, end, name in regions(pid):
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue  # a guard page or a mapping that vanished
            if not data:
                continue
            total += len(data)
            for label, needle in needles.items():
                at = data.find(needle)
                while at != -1:
                    hits.append(Hit(label, name, start + at))
                    at = data.find(needle, at + 1)
    return hits, total


def key_needles(label: str, key: bytes) -> dict[str, bytes]:
    """A key as raw bytes, lower- and upper-case hex, and base64 (the keyring's form)."""
    return {
        f"{label} raw": bytes(key),
        f"{label} hex": key.hex().encode(),
        f"{label} HEX": key.hex().upper().encode(),
        f"{label} base64": base64.b64encode(key).rstrip(b"=")[:-1],
    }


def text_needles(label: str, text: str) -> dict[str, bytes]:
    """Text as Python and C keep it: UTF-8/Latin-1, and the 2- and 4-byte forms of str."""
    return {
        f"{label} utf-8": text.encode(),
        f"{label} utf-16": text.encode("utf-16-le"),
        f"{label} utf-32": text.encode("utf-32-le"),
    }


def profile_keys(profile: Path) -> dict[str, bytes]:
    """The data keys and the device key of a profile, from this environment's keyring."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tui.storage import keys as keymod
    from tui.storage.keyring_access import OSKeyring
    from tui.storage.paths import ProfilePaths
    from tui.storage.profile import load_keyfile

    keyfile = load_keyfile(ProfilePaths(profile))
    value = OSKeyring().get(keyfile.profile_id)
    assert value is not None, "no device key in the keyring"
    kek_id, kek = keymod.parse_device_value(value)
    try:  # the clinician's private signing and exchange keys too, where this version has them
        deks = keymod.unlock_device(keyfile, OSKeyring(), with_keys=True)
    except TypeError:
        deks = keymod.unlock_device(keyfile, OSKeyring())
    found = {"device key": bytes(kek)}
    found.update({f"{slot} key": bytes(key) for slot, key in deks.items()})
    return found


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "keys":
        print(json.dumps({k: v.hex() for k, v in profile_keys(Path(sys.argv[2])).items()}))
        sys.exit(0)
    print("usage: _memscan.py keys PROFILE_DIR", file=sys.stderr)
    sys.exit(2)
