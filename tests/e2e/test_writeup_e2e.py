"""Issue 4, end to end in a real terminal with a real Secret Service: `hushpad jot CODE`,
type jottings, ctrl+o ctrl+o, walk the write-up to signing with keys, quit, then
`hushpad export note ID` and compare it with what was signed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
JOTTINGS = [
    '" work has been a lot [bold]really[/]',
    "o tired, flat affect",
    "> CR on catastrophizing",
    "< able to reframe",
    "* avoidance keeps the worry going",
    "! denies SI/HI/SH",
    "hw sleep diary",
    "~ private reflection zq91",
]

READ_NOTE = """
import json, sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from tui.storage import keys as keymod
from tui.storage.keyring_access import OSKeyring
from tui.storage.paths import ProfilePaths
from tui.storage.profile import load_keyfile
from tui.storage.record import RecordStore
paths = ProfilePaths(Path(sys.argv[1]))
deks = keymod.unlock_device(load_keyfile(paths), OSKeyring())
record = RecordStore(paths.record, deks["record"])
try:
    print(json.dumps(record.query("SELECT id, status, canonical_text, content_hash FROM progress_notes")))
finally:
    record.close()
"""


def notes_in(profile: dict) -> list[dict]:
    out = subprocess.run([sys.executable, "-c", READ_NOTE.format(repo=str(REPO)), str(profile["dir"])],
                         env=profile["env"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def header_step(n: int):  # noqa: ANN201
    pattern = re.compile(rf"step {n}/7 ")  # issue 11: a SOAP note in 7 steps
    return lambda screen: bool(pattern.search(screen))


def test_jot_end_write_up_sign_and_export(profile, tmux):
    term = tmux(profile["env"], width=120, height=40)
    term.run([harness.hushpad_exe(), "jot", profile["client"]], env={"HUSHPAD_HOME": str(profile["dir"])})
    term.wait_for(lambda s: bool(re.search(rf"{re.escape(profile['client'])}  ·  \d+ min  ·  (saved|unsaved)", s)),
                  timeout=30, what="the scratchpad")
    for index, line in enumerate(JOTTINGS):
        if index:
            term.send_key("Enter", pause=0.05)
        term.send_text(line)
    term.wait_for(lambda s: "private reflection zq91" in s and "·  saved" in s, timeout=20, what="jottings saved")

    term.send_key("C-o", "C-o")
    term.wait_for(header_step(1), timeout=30, what="the write-up's first step")
    # Session, Subjective (f4), Objective (f4, f3 mental status), Assessment (f4), Plan (the plan
    # fields carry the homework), Risk (f2: the ! line makes the level required), Review.
    keys = ["C-n", "F4", "C-n", "F4", "F3", "C-n", "F4", "C-n", "C-n", "F2", "C-n"]
    for key in keys:
        term.send_key(key, pause=0.4)
    screen = term.wait_for(header_step(7), timeout=20, what="the review step")
    screen = term.wait_for(lambda s: "ctrl+s signs" in s or "Acknowledge each warning" in s, timeout=20,
                           what="the review ready to sign")
    if "Acknowledge each warning" in screen:
        term.send_key("Space", pause=0.4)
    term.send_key("C-s")
    term.wait_for(lambda s: "· signed" in s and "Signed and locked" in s, timeout=20, what="the note signed")
    term.send_key("Escape", pause=0.5)
    term.send_key("C-q")
    assert term.wait_exit(timeout=20) == 0

    (note,) = notes_in(profile)
    assert note["status"] == "signed"
    text = note["canonical_text"]
    for fragment in ('"work has been a lot [bold]really[/]"', "tired, flat affect", "able to reframe",
                     "Homework: sleep diary", "Denies SI, HI and self-harm.", "Client: C-101"):
        assert fragment in text
    assert "zq91" not in text

    export = harness.hushpad(["export", "note", str(note["id"])], profile["env"])
    assert export.returncode == 0, export.stderr
    # The header (client name, code, date of birth) sits above the rule; below it the signed
    # text byte for byte, then its signature and seal.
    header, _, body = export.stdout.partition("=" * 72 + "\n")
    assert "Client code: C-101" in header and "Date of birth:" in header
    assert body.startswith(text.rstrip("\n") + "\n"), body[:400]
    assert f"Seal (SHA-256): {note['content_hash']}\n" in body

    md = harness.hushpad(["export", "note", str(note["id"]), "--format", "md"], profile["env"])
    assert md.returncode == 0, md.stderr
    # Markdown: the signed text verbatim in a fenced block, markup literal and unescaped.
    assert md.stdout.startswith(f"# Progress note {note['id']}:")
    assert "```text\n" + text.rstrip("\n") + "\n```" in md.stdout
    assert "\\[" not in md.stdout
