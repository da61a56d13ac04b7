"""`hushpad` and `hushpad jot CODE` skip building the whole argparse parser (issue 14). The
shortcut must give exactly what parse_args gives, and leave every other command line to it."""

from __future__ import annotations

import pytest

from tui import cli

TAKEN = [
    [],
    ["jot", "RB-07"],
    ["jot", ""],
    ["jot", "jot"],
    ["jot", "RB 07=x"],
    ["--profile", "/data/p"],
    ["--profile", "/data/p", "jot", "RB-07"],
    ["--profile", "jot", "jot", "RB-07"],
]

LEFT_TO_ARGPARSE = [
    ["--help"], ["-h"], ["--version"], ["--demo"], ["--debug"], ["--debug", "jot", "RB-07"],
    ["--demo", "jot", "RB-07"], ["jot"], ["jot", "--help"], ["jot", "-h"], ["jot", "--", "-X"], ["jot", "-X"],
    ["jot", "A", "B"], ["jot", "RB-07", "--debug"], ["--prof", "/p"], ["--profile=/p"], ["--profile"],
    ["--profile", "-x"], ["--profile", "/p", "--debug"], ["doctor"], ["paths"], ["init"], ["client", "list"],
    ["export", "note", "3"], ["completion", "bash"], ["JOT", "RB-07"], ["jo", "RB-07"],
]


@pytest.mark.parametrize("argv", TAKEN, ids=lambda a: " ".join(a) or "(none)")
def test_the_shortcut_gives_what_argparse_gives(argv: list[str]) -> None:
    fast = cli.starting_args(argv)
    assert fast is not None
    assert vars(fast) == vars(cli.build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=" ".join)
def test_everything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert cli.starting_args(argv) is None


def test_main_reads_sys_argv_through_the_shortcut(monkeypatch, tmp_path) -> None:
    # main() with no argv reads sys.argv[1:], as parse_args does; the app itself is not started.
    started: list[tuple[object, str | None]] = []
    monkeypatch.setattr(cli, "run_app", lambda config, jot_code=None: started.append((config, jot_code)) or 0)
    monkeypatch.setattr("sys.argv", ["hushpad", "--profile", str(tmp_path / "p"), "jot", "RB-07"])
    assert cli.main() == 0
    [(config, code)] = started
    assert code == "RB-07" and config.profile_dir == tmp_path / "p"
    monkeypatch.setattr("sys.argv", ["hushpad", "--profile", str(tmp_path / "q")])
    assert cli.main() == 0
    assert started[1][1] is None and started[1][0].profile_dir == tmp_path / "q"
