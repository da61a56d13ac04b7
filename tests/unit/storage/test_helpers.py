"""The test helpers themselves: a guard that silently passes guards nothing."""

from __future__ import annotations

import pytest

from .helpers import snapshot_hashes


def test_require_skips_locally_and_fails_in_ci(require, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    require(True, "present")  # no-op
    with pytest.raises(pytest.skip.Exception, match="needs a thing"):
        require(False, "needs a thing")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and a prerequisite is missing: needs a thing"):
        require(False, "needs a thing")
    require(True, "present")


def test_snapshot_hashes_sees_every_file_and_every_byte(tmp_path):
    (tmp_path / "a").write_bytes(b"one")
    (tmp_path / ".hidden").write_bytes(b"two")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b-wal").write_bytes(b"three")
    first = snapshot_hashes(tmp_path)
    assert set(first) == {"a", ".hidden", "sub/b-wal"}
    (tmp_path / "sub" / "b-wal").write_bytes(b"threE")
    assert snapshot_hashes(tmp_path) != first
    (tmp_path / "sub" / "b-wal").write_bytes(b"three")
    assert snapshot_hashes(tmp_path) == first
    (tmp_path / "new").write_bytes(b"")
    assert snapshot_hashes(tmp_path) != first
