"""PDF exports (`export note ID --format pdf`, `export client CODE --format pdf`): the text read
back out of the PDF (pypdf) is the signed text; private lines stay out unless asked for;
hostile input prints literally; every page says whose record it is and "page N of M"; a note
whose signature fails prints under SIGNATURE INVALID and the command exits non-zero."""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tui.cli import main as cli_main
from tui.config import Config
from tui.services.pdf_export import SUBSTITUTE_NOTE
from tui.services.records_export import RecordsExport
from tui.services.writeup import NoteRecords

TILDE_CANARY = "TILDECANARY4471"
HOSTILE_NAME = "[bold red]Ro[/]bin #1 *star* $x$ <b>tag</b> {nb} \u202eevil 中文 😀"
HOSTILE_QUOTE = '" said [red]loud[/] # not a heading *stars* $5 <i>x</i> {nb} ~~gone~~ \x1b[31mred 你好 🙂 \u202eevil'
FOOTER = re.compile(r"^Client code (\S+) · page (\d+) of (\d+)$")


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def body_text(pages: list[str]) -> str:
    """Every page's text without its footer, whitespace (line wraps, page breaks) as single spaces."""
    kept = []
    for text in pages:
        lines = [line for line in text.split("\n") if not FOOTER.match(line.strip())]
        kept.append(" ".join(lines))
    return squash(" ".join(kept))


def squash(text: str) -> str:
    return " ".join(text.split())


def drawable(text: str) -> str:
    """The signed text as the PDF font can draw it: characters it has no glyph for as [U+XXXX]."""
    from fpdf import FPDF

    from tui.services.pdf_export import _font_path

    pdf = FPDF()
    pdf.add_font("noto", "", _font_path())
    cmap = pdf.fonts["noto"].cmap
    return "".join(c if c == "\n" or (ord(c) in cmap and ord(c) >= 0x20) else f"[U+{ord(c):04X}]" for c in text)


def assert_every_page_numbered(pages: list[str], code: str) -> None:
    total = len(pages)
    for number, text in enumerate(pages, 1):
        footers = [FOOTER.match(line.strip()) for line in text.split("\n")]
        footers = [m.groups() for m in footers if m]
        assert footers == [(code, str(number), str(total))], (number, text[-200:])


@pytest.fixture
def record_env(env):
    a = env.client("AA-01", "Avery Example", "1988-04-12", goals=["Sleep 7 hours"])
    env.record.add_problem(a, "Insomnia since the move")
    s1 = env.session(a, "2025-01-06T10:00:00+00:00", jottings=[
        f"~ {TILDE_CANARY} I felt protective", '" sleeping badly', "phq9 17", "gad7 11", "! denies SI/HI/SH"])
    n1 = env.sign(s1, "2025-01-06T12:00:00+00:00", risk_level="moderate",
                  assessment="Mood low but engaged; sleep slowly improving.")
    NoteRecords(env.ws).add_addendum(n1, "Addendum: PHQ-9 was administered at the start.")
    s2 = env.session(a, "2025-01-13T10:00:00+00:00", jottings=["phq9 12", f"~ {TILDE_CANARY} second"])
    env.sign(s2, "2025-01-13T12:00:00+00:00", assessment="Second signed note text " + "and more words " * 200)
    return env


def test_note_pdf_text_is_the_signed_text(record_env):
    env = record_env
    note = env.record.query_one("SELECT * FROM progress_notes WHERE status = 'signed' ORDER BY id LIMIT 1")
    data = RecordsExport(env.ws).note_pdf(note["id"])
    assert data.startswith(b"%PDF-")
    pages = pages_text(data)
    text = body_text(pages)
    assert squash(drawable(note["canonical_text"])) in text  # the whole signed text, in order
    assert "ADDENDUM" in text and "Addendum: PHQ-9 was administered at the start." in text
    assert f"Seal (SHA-256): {note['content_hash']}" in text
    assert "Signature: verified (Ed25519, signer key" in text and "hushpad keys show --pem" in text
    # Around the signed text: the clinician and the client's identity.
    for words in ("Dana Reyes, LCSW", "Client: Avery Example", "Client code: AA-01", "Date of birth: 1988-04-12",
                  f"Progress note {note['id']} · Session 1 · 2025-01-06"):
        assert words in text, words
    assert TILDE_CANARY not in text
    assert_every_page_numbered(pages, "AA-01")
    audit = env.record.query("SELECT subject, detail FROM audit_log WHERE action = 'note exported'")
    assert [(a["subject"], a["detail"]) for a in audit] == [(f"note:{note['id']}", "pdf")]


def test_records_request_pdf(record_env):
    env = record_env
    notes = env.record.query("SELECT * FROM progress_notes WHERE status = 'signed' ORDER BY id")
    data = RecordsExport(env.ws).client_pdf("AA-01")
    pages = pages_text(data)
    assert_every_page_numbered(pages, "AA-01")
    cover = squash(pages[0])
    for words in ("Records request", "Client: Avery Example", "Client code: AA-01", "Date of birth: 1988-04-12",
                  "Records: 2025-01-06 to 2025-01-13", "Signed progress notes: 2", "2 signed progress notes with 1 addendum",
                  "psychotherapy notes withheld", "Signatures: every note verified", "hushpad verify record.json"):
        assert words in cover, words
    text = body_text(pages)
    for note in notes:
        assert squash(drawable(note["canonical_text"])) in text
        assert note["content_hash"] in text
    # The index gives the page each note starts on.
    index = squash(pages[1])
    for number, note in enumerate(notes, 1):
        found = re.search(rf"Note {number} of 2 · Session {number} · \S+ · Progress note \(SOAP\) · note id "
                          rf"{note['id']} (\d+)", index)
        assert found, index
        assert squash(pages[int(found.group(1)) - 1]).startswith(f"Note {number} of 2 · Session {number}")
    assert "Treatment plan" in index and "Measures" in index
    # The measures trend table, readable.
    assert "Date PHQ-9 GAD-7" in text and "2025-01-06 17 (moderately severe) 11 (moderate)" in text
    assert "2025-01-13 12 (moderate) —" in text
    assert "Insomnia since the move" in text and "Goal 1 (active): Sleep 7 hours" in text
    assert TILDE_CANARY not in text and "Psychotherapy notes" not in text
    assert len(pages) >= 5  # cover, index, plan/measures/risk, two notes (the second is long)


def test_records_request_pdf_holds_private_notes_only_when_asked(record_env):
    data = RecordsExport(record_env.ws).client_pdf("AA-01", include_private=True)
    text = body_text(pages_text(data))
    assert f"~ {TILDE_CANARY} I felt protective" in text and f"~ {TILDE_CANARY} second" in text
    assert "Psychotherapy notes (private; included on explicit request)" in text
    assert "Session 1 · 2025-01-06" in text and "Session 2 · 2025-01-13" in text


def test_hostile_input_prints_literally(env):
    client = env.client("HX-01", HOSTILE_NAME, "1990-02-03")
    session = env.session(client, "2025-02-03T10:00:00+00:00", jottings=[HOSTILE_QUOTE, "! denies SI/HI/SH"])
    from tui.services.writeup import WriteupService

    service = WriteupService(env.ws)
    writeup = service.open(session)
    quote = next(j for j in writeup.jottings if j.text.startswith('"'))
    subjective = service.carry(writeup, quote)
    service.release(writeup)
    env.sign(session, "2025-02-03T12:00:00+00:00", subjective=subjective)
    note = env.record.query_one("SELECT * FROM progress_notes WHERE status = 'signed'")
    for data in (RecordsExport(env.ws).note_pdf(note["id"]), RecordsExport(env.ws).client_pdf("HX-01")):
        pages = pages_text(data)
        text = body_text(pages)
        assert squash(drawable(note["canonical_text"])) in text
        assert "said [red]loud[/] # not a heading *stars* $5 <i>x</i> {nb} ~~gone~~ ␛[31mred" not in text  # no ␛ glyph
        assert "said [red]loud[/] # not a heading *stars* $5 <i>x</i> {nb} ~~gone~~ [U+241B][31mred" in text
        assert "[U+4F60][U+597D] [U+1F642]" in text  # CJK and emoji shown by code point, never dropped
        name = env.record.client(client)["display_name"]
        assert f"Client: {drawable(name)}" in text and "[bold red]Ro[/]bin #1 *star* $x$ <b>tag</b>" in name
        assert "{nb}" in text and "[U+27E8]U+202E[U+27E9]evil" in text  # shown as ⟨U+202E⟩, never obeyed
        assert SUBSTITUTE_NOTE in squash(pages[0])
        assert_every_page_numbered(pages, "HX-01")


def _tamper(env, note_id: int) -> None:
    """Someone with the data key but not the signing key rewrites a signed note's text."""
    from tui.domain.canonical import content_hash

    with env.record.transaction() as conn:
        triggers = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()]
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        text = conn.execute("SELECT canonical_text FROM progress_notes WHERE id = ?", (note_id,)).fetchone()[0]
        text = text.replace("Mood low but engaged", "Mood fine, no concerns")
        conn.execute("UPDATE progress_notes SET canonical_text = ?, content_hash = ? WHERE id = ?",
                     (text, content_hash(text), note_id))
        for sql in triggers:
            conn.execute(sql)


def cli_env(env, monkeypatch):
    env.ws.close()
    (env.config.profile_dir / "config.toml").write_text(
        '[clinician]\nname = "Dana Reyes"\ncredentials = "LCSW"\nnpi = "1234567893"\n'
        '[practice]\nname = "Riverside Counselling"\naddress = "12 Main St\\nSpringfield"\n')
    monkeypatch.setattr("tui.cli._keystore", lambda config: env.keystore)
    monkeypatch.setenv("HUSHPAD_HOME", str(env.config.profile_dir))


def test_cli_writes_pdfs_0600_with_the_practice_header(record_env, monkeypatch, tmp_path, capsys):
    note_id = record_env.record.query_one("SELECT id FROM progress_notes WHERE status = 'signed' ORDER BY id")["id"]
    cli_env(record_env, monkeypatch)
    for argv, out in ((["export", "note", str(note_id)], tmp_path / "note.pdf"),
                      (["export", "client", "AA-01"], tmp_path / "record.pdf")):
        assert cli_main([*argv, "--format", "pdf", "-o", str(out)]) == 0
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        first = squash(pages_text(out.read_bytes())[0])
        assert first.startswith("Riverside Counselling 12 Main St Springfield Dana Reyes, LCSW · NPI 1234567893")
    assert "SIGNATURE INVALID" not in capsys.readouterr().err


def test_a_failing_signature_prints_under_a_banner_and_the_command_fails(record_env, monkeypatch, tmp_path, capsys):
    note_id = record_env.record.query_one("SELECT id FROM progress_notes WHERE status = 'signed' ORDER BY id")["id"]
    _tamper(record_env, note_id)
    cli_env(record_env, monkeypatch)
    for argv in (["export", "note", str(note_id)], ["export", "client", "AA-01"]):
        out = tmp_path / "x.pdf"
        assert cli_main([*argv, "--format", "pdf", "-o", str(out)]) == 1
        assert "SIGNATURE INVALID" in capsys.readouterr().err
        text = body_text(pages_text(out.read_bytes()))
        assert "SIGNATURE INVALID: this note does not match what was signed. Do not rely on it." in text
        assert "Mood fine, no concerns" in text  # exported as stored, never silently dropped
        out.unlink()


def test_cli_refuses_to_write_a_pdf_to_a_terminal(record_env, monkeypatch, capsys):
    note_id = record_env.record.query_one("SELECT id FROM progress_notes WHERE status = 'signed' ORDER BY id")["id"]
    cli_env(record_env, monkeypatch)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert cli_main(["export", "note", str(note_id), "--format", "pdf"]) == 1
    assert "give -o FILE" in capsys.readouterr().err


def test_pdf_module_needs_no_textual():
    import subprocess
    import sys

    code = "import sys, tui.services.pdf_export, tui.services.records_export; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[3]).stdout
    assert out.strip() == "False"


def test_the_font_is_a_dependency_not_a_system_font():
    from tui.services.pdf_export import _font_path

    assert "site-packages" in _font_path() or "fontpkg_noto_sans" in _font_path()
    assert Config  # the config type the CLI builds (imported for cli_env's config file)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", " ", "  ", "cdé", "中", "W", "-", "verylongwordwithoutanyspaces" * 4]),
                max_size=120).map("".join), st.floats(min_value=20, max_value=170))
def test_line_breaking_keeps_every_character_and_fits_the_line(text, measure):
    from tui.services.pdf_export import _Glyphs, _Sheet

    sheet = _Sheet(GLYPHS)
    lines = sheet.wrap(text, 10, measure)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing dropped, nothing reordered
    for line in lines:
        assert GLYPHS.width(line.rstrip(" "), 10) <= measure or len(line.strip()) <= 1
    assert _Glyphs  # the class under test


def _glyphs():
    from fpdf import FPDF

    from tui.services.pdf_export import _font_path, _Glyphs

    pdf = FPDF()
    pdf.add_font("noto", "", _font_path())
    return _Glyphs(pdf.fonts["noto"].cmap, pdf.fonts["noto"].cw)


GLYPHS = _glyphs()
