"""Emergency copies (issue 9.1): sealed files in another folder, a marker slot in the profile
that still works on a full disk, and a restore that loses no line. Real files, real AES-GCM."""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tui.storage import emergency
from tui.storage.emergency import EmergencyCopyError

PROFILE = "prof-1234"
CANARY = "EMERGENCYCANARY-8812"


@pytest.fixture
def dek() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "usb"
    path.mkdir()
    return path


def _write(folder: Path, dek: bytes, payload: bytes = CANARY.encode(), **kw) -> emergency.CopyInfo:
    return emergency.write_copy(folder, dek, profile_id=PROFILE, kind="jottings", ref="session:7", payload=payload, **kw)


def test_a_copy_round_trips_and_holds_no_plaintext(folder: Path, dek: bytes) -> None:
    info = _write(folder, dek)
    assert info.path.parent == folder and info.path.name.endswith(emergency.SUFFIX)
    raw = info.path.read_bytes()
    assert CANARY.encode() not in raw, "the text is sealed"
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [info.path.name], "no temp file left behind"
    back, payload = emergency.read_copy(info.path, dek, profile_id=PROFILE)
    assert payload == CANARY.encode()
    assert (back.kind, back.ref, back.profile_id) == ("jottings", "session:7", PROFILE)


def test_the_wrong_key_or_profile_is_refused(folder: Path, dek: bytes) -> None:
    info = _write(folder, dek)
    with pytest.raises(EmergencyCopyError, match="seal"):
        emergency.read_copy(info.path, secrets.token_bytes(32), profile_id=PROFILE)
    with pytest.raises(EmergencyCopyError, match="another Hushpad profile"):
        emergency.read_copy(info.path, dek, profile_id="someone-else")


@pytest.mark.parametrize("where", ["header", "body"])
def test_a_flipped_byte_anywhere_is_found(folder: Path, dek: bytes, where: str) -> None:
    info = _write(folder, dek)
    data = bytearray(info.path.read_bytes())
    offset = len(emergency.MAGIC) + 5 if where == "header" else len(data) - 3
    data[offset] ^= 0x01
    info.path.write_bytes(bytes(data))
    with pytest.raises(EmergencyCopyError):
        emergency.read_copy(info.path, dek, profile_id=PROFILE)


def test_each_copy_is_a_new_file_and_nothing_is_overwritten(folder: Path, dek: bytes) -> None:
    first = _write(folder, dek, b"one")
    second = _write(folder, dek, b"two")
    assert first.path != second.path
    assert emergency.read_copy(first.path, dek, profile_id=PROFILE)[1] == b"one"
    assert emergency.read_copy(second.path, dek, profile_id=PROFILE)[1] == b"two"


@pytest.mark.parametrize("link_as", ["temp name", "final name"])
def test_a_planted_symlink_is_never_followed(folder: Path, dek: bytes, tmp_path: Path, monkeypatch,
                                              link_as: str) -> None:
    from datetime import datetime

    victim = tmp_path / "victim"
    victim.write_text("keep me")
    when = datetime.fromisoformat("2026-01-02T03:04:05+00:00")
    monkeypatch.setattr(emergency.secrets, "token_hex", lambda n: "deadbeef")  # a name an attacker can guess
    probe = _write(folder, dek, now=when)
    name = probe.path.name
    probe.path.unlink()
    target = folder / (f".{name}.tmp" if link_as == "temp name" else name)
    target.symlink_to(victim)
    with pytest.raises(EmergencyCopyError):
        _write(folder, dek, b"attack", now=when)
    assert victim.read_text() == "keep me", f"a link at the {link_as} redirected the write"
    assert target.is_symlink()
    if link_as == "final name":
        assert not (folder / f".{name}.tmp").exists(), "the temp file is cleaned up"


def test_a_folder_inside_the_profile_or_missing_is_refused(tmp_path: Path, dek: bytes) -> None:
    profile = tmp_path / "profile"
    (profile / "sub").mkdir(parents=True)
    for bad, words in ((profile, "profile folder"), (profile / "sub", "profile folder"),
                       (tmp_path / "nope", "No folder"), (Path("relative/dir"), "whole folder path")):
        with pytest.raises(EmergencyCopyError, match=words):
            _write(bad, dek, profile_dir=profile)


def test_the_marker_remembers_copies_and_forgets_a_restored_one(tmp_path: Path, folder: Path, dek: bytes) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    assert emergency.pending_copies(profile, PROFILE).copies == []
    assert emergency.prepare_marker(profile)
    size = (profile / emergency.MARKER_NAME).stat().st_size
    first, second = _write(folder, dek, b"1"), _write(folder, dek, b"2")
    assert emergency.note_copy(profile, first) and emergency.note_copy(profile, second)
    assert (profile / emergency.MARKER_NAME).stat().st_size == size, "rewritten in place, same size"
    marker_text = (profile / emergency.MARKER_NAME).read_bytes()
    assert CANARY.encode() not in marker_text
    pending = emergency.pending_copies(profile, PROFILE)
    assert [c.path for c in pending.copies] == [first.path, second.path]
    emergency.forget_copy(profile, first.path, delete=True)
    assert not first.path.exists()
    assert [c.path for c in emergency.pending_copies(profile, PROFILE).copies] == [second.path]


def test_a_copy_on_an_unplugged_stick_is_offered_later_not_dropped(tmp_path: Path, folder: Path, dek: bytes) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    info = _write(folder, dek)
    emergency.note_copy(profile, info)
    moved = tmp_path / "elsewhere"
    shutil.move(folder, moved)
    pending = emergency.pending_copies(profile, PROFILE)
    assert pending.copies == [] and pending.missing == [str(info.path)]
    shutil.move(moved, folder)
    assert [c.path for c in emergency.pending_copies(profile, PROFILE).copies] == [info.path]


def test_a_torn_marker_is_reported_not_trusted(tmp_path: Path, folder: Path, dek: bytes) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    emergency.note_copy(profile, _write(folder, dek))
    marker = profile / emergency.MARKER_NAME
    data = bytearray(marker.read_bytes())
    data[3] ^= 0x20
    marker.write_bytes(bytes(data))
    assert emergency.pending_copies(profile, PROFILE).marker_damaged


def test_the_marker_is_written_on_a_full_disk(tmp_path: Path, folder: Path, dek: bytes, require) -> None:
    """The slot is made while there is room; on a full tmpfs the copy is still noted."""
    mount = tmp_path / "small"
    mount.mkdir()
    require(os.geteuid() == 0, "mounting a tmpfs needs root")
    require(shutil.which("mount") is not None, "no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    require(done.returncode == 0, f"mount -t tmpfs failed: {done.stderr.strip()}")
    try:
        profile = mount / "profile"
        profile.mkdir()
        assert emergency.prepare_marker(profile)
        with (mount / "filler").open("wb", buffering=0) as fh:
            for size in (65536, 4096, 512, 1):
                try:
                    while True:
                        fh.write(b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
        with pytest.raises(OSError):
            (profile / "new-file").write_bytes(b"x" * 8192)  # the disk really is full
        info = _write(folder, dek)
        assert emergency.note_copy(profile, info), "noted in place, on the full disk"
        assert [c.path for c in emergency.pending_copies(profile, PROFILE).copies] == [info.path]
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_without_a_slot_a_full_profile_says_it_could_not_note(tmp_path: Path, folder: Path, dek: bytes) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    profile.chmod(0o500)  # cannot create the slot now
    try:
        if os.access(profile / "x", os.W_OK) or os.geteuid() == 0:
            pytest.skip("root ignores directory modes; the full-disk test covers this path")
        assert not emergency.note_copy(profile, _write(folder, dek))
    finally:
        profile.chmod(0o700)


def test_header_names_no_client_text(folder: Path, dek: bytes) -> None:
    info = _write(folder, dek, json.dumps({"lines": [[1, "Robin said " + CANARY]]}).encode())
    header = info.path.read_bytes().split(b"\n")[1]
    assert set(json.loads(header)) == {"created", "kind", "profile", "ref"}
    assert CANARY.encode() not in info.path.read_bytes()
