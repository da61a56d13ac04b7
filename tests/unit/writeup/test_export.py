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
    """Header (client name, code, date of birth; note id and session) above a rule, the signed
    text unchanged, then the seal and the signature check below the second rule."""
    note_id, note = signed
    text = RecordsExport(env.ws).note(note_id, "txt")
    header, body, footer = text.split("=" * 72 + "\n")
    assert header.startswith("Dana Reyes, LCSW\n\nClient: Alex Example · Client code: AB12 · Date of birth: not recorded\n")
    assert f"Progress note {note_id} · Session 1 · " in header
    assert body == note.text + "\n" + f"Seal (SHA-256): {note.content_hash}\n"
    assert footer.startswith("Signature: verified (Ed25519, signer key ")
    assert f"hushpad export note {note_id} --format json" in footer and "hushpad keys show --pem" in footer


def test_markup_stays_literal_in_the_signed_text_and_txt(env, signed):
    note_id, note = signed
    text = RecordsExport(env.ws).note(note_id, "txt")
    for t in (note.text, text):
        assert MARKUP in t
        # ANSI is shown, not obeyed: ESC and BEL become visible control pictures.
        assert "\x1b" not in t and "\x07" not in t
        assert "␛[31mred␛[0m ␛]52;c;ZXZpbA==␇" in t


def test_markdown_shows_the_signed_text_verbatim_in_a_fence(env, signed):
    """No escapes in the signed text: it sits in a fenced block, byte for byte as signed, so a
    clerk reads it cleanly and nothing in it is read as Markdown."""
    note_id, note = signed
    md = RecordsExport(env.ws).note(note_id, "md")
    assert md.startswith(f"# Progress note {note_id}: Alex Example, Session 1 · ")
    assert "- Client code: AB12\n" in md
    assert "```text\n" + note.text + "```\n" in md
    assert MARKUP in md and "\\(" not in md and "\\~" not in md
    assert "\x1b" not in md and "␛[31mred␛[0m" in md
    assert f"- Seal (SHA-256): `{env.ws.record.note(note_id)['content_hash']}`" in md
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(md)
    assert [t.content for t in tokens if t.type == "fence"] == [note.text]  # nothing leaks out of it


def test_markdown_fence_cannot_be_closed_by_the_note(env, client):
    w, note = make_signed(env, client, ['" she wrote ``` and ```` then # heading', "! denies SI/HI/SH"])
    md = RecordsExport(env.ws).note(w.note_id, "md")
    from markdown_it import MarkdownIt

    fences = [t.content for t in MarkdownIt("commonmark").parse(md) if t.type == "fence"]
    assert fences == [note.text]


def test_markup_in_client_names_never_reaches_the_note(tmp_path):
    made = build_env(tmp_path)
    try:
        cid = made.ws.add_client("NM1", "[bold]Ro[/]bin \x1b[31mX")
        assert made.ws.record.client(cid)["display_name"] == "[bold]Ro[/]bin [31mX"  # controls dropped at entry
        w, note = make_signed(made, cid, ['" fine', "! denies SI/HI/SH"])
        assert "Client: NM1" in note.text and "Ro[/]bin" not in note.text  # the signed text names the code only
        text = RecordsExport(made.ws).note(w.note_id, "txt")
        header = text.split("=" * 72)[0]
        assert "Client: [bold]Ro[/]bin [31mX · Client code: NM1" in header  # around the signed text, literally
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
    from datetime import datetime, timezone

    from tui.domain import clock

    monkeypatch.setattr(clock, "_source", lambda: datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc))  # "exported …"
    expected_txt = RecordsExport(env.ws).note_text(note_id)
    expected_md = RecordsExport(env.ws).markdown(note_id)
    env.ws.close()  # the CLI takes the profile lock
    (env.config.profile_dir / "config.toml").write_text('[clinician]\nname = "Dana Reyes"\ncredentials = "LCSW"\n')
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
