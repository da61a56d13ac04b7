"""What users of terminal tools expect (issue 12 item 5): an example in every command's help,
`hushpad paths`, and shell completion scripts that the real shells load and use."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tui.cli import EXAMPLES, build_parser, main, subparsers_of

from .test_cli import run


def test_every_command_and_subcommand_help_ends_with_an_example():
    parsers = list(subparsers_of(build_parser()))
    assert len(parsers) >= 20  # the walk reaches the nested ones (export note, keys show, …)
    for parser in parsers:
        text = parser.format_help()
        tail = text[text.rindex("Example"):] if "Example" in text else ""
        assert tail.startswith(("Example:\n  hushpad", "Examples:\n  hushpad")), f"{parser.prog}: no example\n{text}"
        assert tail.splitlines()[1].strip().startswith(parser.prog), f"{parser.prog}: the example runs another command"
    assert set(EXAMPLES) == {p.prog for p in parsers}  # no example left for a command that went


def test_help_prose_is_still_wrapped_and_the_example_keeps_its_lines(capsys):
    with pytest.raises(SystemExit):
        main(["client", "add", "--help"])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "use a code, never a name.\n\nExample:\n  hushpad client add RB-07" in out


def test_paths_names_the_settings_file_and_profile_without_reading_the_settings(capsys, tmp_path):
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "config.toml").write_text("[clinician\nbroken = ")  # a broken config is a reason to ask
    code, out, err = run(capsys, "--profile", str(profile), "paths")
    assert code == 0, err
    assert f"Settings file:  {profile / 'config.toml'}\n" in out
    assert f"Profile folder: {profile}  (from --profile; no profile yet; `hushpad init` sets one up)" in out
    assert f"record: {profile / 'record.db'}  (not there yet)" in out
    assert "Data folder:" in out


def test_paths_follows_hushpad_home_and_the_platform_folders(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HUSHPAD_HOME", str(tmp_path / "home"))
    code, out, _ = run(capsys, "paths")
    assert code == 0
    assert f"Profile folder: {tmp_path / 'home'}  (from $HUSHPAD_HOME;" in out
    monkeypatch.delenv("HUSHPAD_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, _ = run(capsys, "paths")
    assert f"Settings file:  {tmp_path / 'cfg' / 'hushpad' / 'config.toml'}" in out
    assert f"Profile folder: {tmp_path / 'data' / 'hushpad'}  (from the default;" in out


def completion_script(tmp_path, shell: str) -> str:
    done = subprocess.run([sys.executable, "-m", "tui.cli", "completion", shell], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"hushpad.{shell}"
    path.write_text(done.stdout)
    return str(path)


def test_bash_script_parses_registers_and_completes_subcommands_and_choices(tmp_path, require):
    require(shutil.which("bash"), "bash is not installed")
    script = completion_script(tmp_path, "bash")
    assert subprocess.run(["bash", "-n", script], capture_output=True).returncode == 0
    registered = subprocess.run(["bash", "-c", f"source {script} && complete -p hushpad"],
                                capture_output=True, text=True)
    assert registered.returncode == 0, registered.stderr
    function = registered.stdout.split(" -F ")[1].split()[0]

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        probe = (f"source {script}; COMP_LINE={line!r}; COMP_POINT=${{#COMP_LINE}}; "
                 f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}; "
                 f"{function}; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("hushpad ex") == ["export"]
    assert set(complete("hushpad ")) >= {"init", "doctor", "export", "paths", "completion", "jot"}
    assert set(complete("hushpad export ")) == {"note", "client", "superbill", "review"}
    assert {"txt", "md", "json"} <= set(complete("hushpad export note --format "))
    assert complete("hushpad completion f") == ["fish"]


def test_zsh_script_parses_and_defines_the_completion_function(tmp_path, require):
    require(shutil.which("zsh"), "zsh is not installed (apt-get install zsh)")
    script = completion_script(tmp_path, "zsh")
    assert subprocess.run(["zsh", "-n", script], capture_output=True).returncode == 0
    text = open(script).read()
    assert text.startswith("#compdef hushpad")
    for command in ("export", "paths", "completion", "jot"):
        assert f"\n    {command}:'" in text, command
    defined = subprocess.run(["zsh", "-c", f"autoload -U compinit; compinit -u; source {script}; whence -w _shtab_hushpad"],
                             capture_output=True, text=True)
    assert "function" in defined.stdout, defined.stdout + defined.stderr


def test_fish_script_parses_and_completes_subcommands(tmp_path, require):
    require(shutil.which("fish"), "fish is not installed (apt-get install fish)")
    script = completion_script(tmp_path, "fish")
    assert subprocess.run(["fish", "--no-execute", script], capture_output=True).returncode == 0

    def complete(line: str) -> set[str]:
        done = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C {line!r}"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return {row.split("\t")[0] for row in done.stdout.splitlines()}

    assert "export" in complete("hushpad ex")
    assert {"note", "client", "review"} <= complete("hushpad export ")
