"""Issue 12 item 5, end to end: Copy for EHR works inside tmux, and says what it did.

The real app runs in a real tmux (a private server) with a real Secret Service. With tmux's
default `set-clipboard external` tmux drops what an application sends: the status line says
so and names the tmux.conf line, and tmux holds no buffer. With `set-clipboard on` tmux takes
the OSC 52 sequence into its paste buffer (and would send it on to the outer terminal): the
buffer read back with `tmux show-buffer` equals the note view's copy exactly: the signed text,
then the signature lines and seal, and never the session's `~` private line. The note id is on
the note view's header and in the chart's Note column."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import _harness as harness

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CODE = "CB-E2E"
WORD = "heronlagoon"  # in the signed note
PRIVATE = "CBCANARY5521"  # a private jotting of the same session: never copied

# Signs one note for CODE the app's way; prints the note id, the signed text and the copy text
# the note view sends (RecordsExport.plain_text, as the note view reads it).
SIGN = textwrap.dedent(
    f"""
    import json
    from dataclasses import replace
    from tui.config import default_profile_dir, load_config
    from tui.services import access
    from tui.services.records_export import RecordsExport
    from tui.services.workspace import Workspace
    from tui.services.writeup import WriteupService, finding_id
    from tui.storage.vault import JottingLine

    config = load_config(default_profile_dir(None))
    ws = Workspace(access.unlock(config, keystore=access.default_keystore(config)), config)
    try:
        cid = ws.add_client({CODE!r}, "Sam Example", "", ["Sleep seven hours"])
        s = ws.start_session(cid)
        ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(
            ['" moving to {WORD}', "! denies SI/HI/SH", "phq9 1 1 1 1 1 1 1 1 0", "~ {PRIVATE} mine"])])
        ws.end_session(s)
        svc = WriteupService(ws)
        w = svc.open(s.id)
        for spec in w.template.sections:
            target = w.draft.group_part if spec.part == "group" else w.draft.sections
            if spec.required and not target.get(spec.key, "").strip():
                target[spec.key] = "Written for " + spec.title + "."
        w.draft.sections["subjective"] = "Moving to {WORD}."
        w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied",
                               level=w.draft.risk.level or "low", protective_factors="family")
        signed = svc.sign(w, {{finding_id(f) for f in svc.lint(w) if f.level == "warning"}})
        copy = RecordsExport(ws).plain_text(w.note_id, banner=False)
        print(json.dumps({{"note_id": w.note_id, "signed": signed.text, "copy": copy}}))
    finally:
        ws.close()
    """
)


def python(script: str, env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def buffers(term: harness.Tmux) -> list[str]:
    return [b for b in term.tmux("list-buffers", "-F", "#{buffer_name}", check=False).stdout.splitlines() if b]


def test_copy_for_ehr_inside_tmux(ss_env, tmux):
    init = harness.hushpad(["init", "--non-interactive"], ss_env)
    assert init.returncode == 0, init.stderr
    made = json.loads(python(SIGN, ss_env).strip().splitlines()[-1])
    note_id, signed, copy = made["note_id"], made["signed"], made["copy"]
    assert WORD in signed and PRIVATE not in signed and copy.startswith(signed.rstrip("\n"))

    term = tmux(ss_env, width=110, height=34)
    term.tmux("set-option", "-s", "set-clipboard", "external")  # tmux's default, said explicitly
    term.run([harness.hushpad_exe()])
    term.wait_for(lambda s: CODE in s and "sorted by" in s, timeout=60, what="the client list")
    term.send_key("t")
    chart = term.wait_for(lambda s: "Note" in s and "Assessment" in s and "signed" in s, what="the chart")
    row = next(line for line in chart.splitlines() if "signed" in line)
    assert f"    1{note_id:>6}  " in row, row  # session 1, its note id in the Note column
    term.send_key("Enter")
    term.wait_for(f"Note {note_id}  ·  {CODE}", what="the note view with its id")
    term.wait_for("Seal verified", what="the verified seal")

    term.send_key("C-o")
    screen = term.wait_for("tmux drops it", what="the honest refusal")
    assert "set-clipboard on" in screen and "Clipboard managers" in " ".join(screen.split())
    assert buffers(term) == []  # nothing reached tmux

    term.tmux("set-option", "-s", "set-clipboard", "on")
    term.send_key("C-o")
    screen = term.wait_for("through tmux (set-clipboard on", what="the copy sent through tmux")
    flat = " ".join(screen.split())
    assert "your terminal may not support it" in flat and "Clipboard managers" not in flat  # warned once
    assert len(buffers(term)) == 1
    pasted = term.tmux("show-buffer").stdout
    assert pasted == copy
    assert pasted.startswith(signed.rstrip("\n")) and WORD in pasted and PRIVATE not in pasted
    assert "~" not in "".join(line[:1] for line in pasted.splitlines())

    term.send_key("Escape")
    term.wait_for("Assessment", what="the chart again")
    term.send_key("C-q")
    assert term.wait_exit(timeout=30) == 0, term.capture()
