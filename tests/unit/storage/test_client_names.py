"""`client add` and the client form treat a name with the one rule (domain.one_line) and say
when they change it: the command line on stderr, never silently."""

from __future__ import annotations

from tui.domain.one_line import clean_line
from tui.storage.paths import ProfilePaths
from tui.storage.profile import unlock

from .test_cli import PASSPHRASE, feed, no_system_keyring, passphrase_template, profile_dir, run  # noqa: F401


def _names(profile_dir) -> list[str]:
    profile = unlock(ProfilePaths(profile_dir), passphrase=PASSPHRASE)
    try:
        return [r["display_name"] for r in profile.record.query("SELECT display_name FROM clients")]
    finally:
        profile.close()


def test_client_add_says_what_it_changed_in_a_name(capsys, profile_dir, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, out, err = run(capsys, "--profile", str(profile_dir), "client", "add", "JD01",
                         "--name", "Jo\tDoe\x1b[31m\u202e", "--goal", "sleep\t7h")
    assert (code, out.strip()) == (0, "Added client JD01.")
    assert err.splitlines() == [
        "hushpad: The name was changed: 2 control characters removed (ESC, U+202E); tabs and line breaks became spaces.",
        "hushpad: The goal 1 was changed: tabs and line breaks became spaces.",
    ]
    assert _names(profile_dir) == ["Jo Doe[31m"] == [clean_line("Jo\tDoe\x1b[31m\u202e").text]


def test_a_clean_name_says_nothing(capsys, profile_dir, monkeypatch):
    feed(monkeypatch, PASSPHRASE)
    code, _, err = run(capsys, "--profile", str(profile_dir), "client", "add", "JD02", "--name", "  Jo  Doe ")
    assert (code, err) == (0, "")
    assert _names(profile_dir) == ["Jo Doe"]
