"""`hushpad export note ID --format txt|md`: the signed text, literal user text, audit without content."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tui.cli import main as cli_main
from tui.services.records_export import RecordsExport
from tui.services.writeup import WriteupError, WriteupService

from .conftest import build_env, complete, sign

MARKUP = "[bold red]loud[/] *stars* _under_ `tick` <b>html</b> # not a heading [link](http://x) &amp;"
ANSI = "\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07"


def make_signed(env, client_id, jottings):
    s = env.session(client_id, jottings)
    svc = WriteupService(env.ws)
    w = svc.open(s.id)
    quote = next(j for j in w.jottings if j.text.startswith('"'))
    complete(w, subjective=svc.carry(w, quote))
    return w, sign(svc, w)


@pytest.fixture
def signed(env, client):
    w, note = make_signed(env, client, ['" ' + MARKUP + " " + ANSI, "! denies SI/HI/SH", "o tired"])
    return w.note_id, note


def test_txt_is_the_signed_text_then_the_seal(env, signed):
    note_id, note = signed
    text = RecordsExport(env.ws).note(note_id, "txt")
    assert text == note.text + "\n" + f"Seal (SHA-256): {note.content_hash}\n"


def test_markup_stays_literal_in_the_signed_text_and_txt(env, signed):
    note_id, note = signed
    text = RecordsExport(env.ws).note(note_id, "txt")
    for t in (note.text, text):
        assert MARKUP in t
        # ANSI is shown, not obeyed: ESC and BEL become visible control pictures.
        assert "\x1b" not in t and "\x07" not in t
        assert "␛[31mred␛[0m ␛]52;c;ZXZpbA==␇" in t


def test_markdown_escapes_user_text(env, signed):
    note_id, _ = signed
    md = RecordsExport(env.ws).note(note_id, "md")
    assert md.startswith("# Progress note \\(SOAP\\)\n")
    assert "## Subjective" in md
    assert ("\\[bold red\\]loud\\[/\\] \\*stars\\* \\_under\\_ \\`tick\\` \\<b\\>html\\</b\\> \\# not a heading "
            "\\[link\\]\\(http://x\\) \\&amp;") in md
    assert "\x1b" not in md and "␛\\[31mred␛\\[0m" in md
    assert MARKUP not in md  # nothing unescaped
    assert md.rstrip("\n").endswith(f"Seal (SHA-256): `{env.ws.record.note(note_id)['content_hash']}`")


def test_markup_in_client_names_never_reaches_the_note(tmp_path):
    made = build_env(tmp_path)
    try:
        cid = made.ws.add_client("NM1", "[bold]Ro[/]bin \x1b[31mX")
        assert made.ws.record.client(cid)["display_name"] == "[bold]Ro[/]bin [31mX"  # controls dropped at entry
        w, note = make_signed(made, cid, ['" fine', "! denies SI/HI/SH"])
        text = RecordsExport(made.ws).note(w.note_id, "txt")
        assert "Client: NM1" in text and "Robin" not in text and "Ro[/]bin" not in text
    finally:
        made.ws.close()


def test_a_draft_cannot_be_exported(env, client):
    s = env.session(client, ["o calm"])
    w = WriteupService(env.ws).open(s.id)
    for fmt in ("txt", "md"):
        with pytest.raises(WriteupError, match="draft"):
            RecordsExport(env.ws).note(w.note_id, fmt)
    with pytest.raises(WriteupError, match="No progress note"):
        RecordsExport(env.ws).note(999, "txt")
    assert env.ws.record.query("SELECT * FROM audit_log WHERE action = 'note exported'") == []


def test_export_is_audited_without_content(env, signed):
    note_id, note = signed
    records = RecordsExport(env.ws)
    records.note(note_id, "txt")
    records.note(note_id, "md")
    rows = env.ws.record.query("SELECT * FROM audit_log WHERE action = 'note exported' ORDER BY id")
    assert [(r["subject"], r["detail"]) for r in rows] == [(f"note:{note_id}", "txt"), (f"note:{note_id}", "md")]
    everything = json.dumps(env.ws.record.query("SELECT * FROM audit_log"))
    for fragment in ("loud", "stars", "tired", "Denies"):
        assert fragment not in everything


def test_cli_export_to_stdout_and_file(env, signed, capsys, monkeypatch, tmp_path):
    note_id, note = signed
    expected_txt = RecordsExport(env.ws).plain_text(note_id)
    expected_md = RecordsExport(env.ws).markdown(note_id)
    env.ws.close()  # the CLI takes the profile lock
    # The CLI unlocks through the OS keyring; give it this test's in-memory one.
    monkeypatch.setattr("tui.cli._keystore", lambda config: env.keystore)
    monkeypatch.setenv("HUSHPAD_HOME", str(env.config.profile_dir))
    assert cli_main(["export", "note", str(note_id)]) == 0
    assert capsys.readouterr().out == expected_txt
    out = tmp_path / "note.md"
    assert cli_main(["export", "note", str(note_id), "--format", "md", "-o", str(out)]) == 0
    assert out.read_text() == expected_md
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_cli_refuses_a_draft(env, client, capsys, monkeypatch):
    s = env.session(client, ["o calm"])
    w = WriteupService(env.ws).open(s.id)
    WriteupService(env.ws).release(w)
    env.ws.close()
    monkeypatch.setattr("tui.cli._keystore", lambda config: env.keystore)
    monkeypatch.setenv("HUSHPAD_HOME", str(env.config.profile_dir))
    assert cli_main(["export", "note", str(w.note_id)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "is a draft; only signed notes are exported" in captured.err
