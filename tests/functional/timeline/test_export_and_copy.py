"""Issue 12 item 1 and item 5, through keys on a real profile:

- the chart and the note view show the note id `hushpad export note ID` takes;
- x exports from both: one note from the note view (txt, md, json, pdf), the records request
  from the chart (md, json, pdf, fhir); a path prefilled in the home folder, the file written
  0600 by the CLI's writer, the status line saying where it went; export only reads;
- Copy for EHR says what it did ("sent to the terminal's clipboard; your terminal may not
  support it"), warns once per run that clipboard managers keep copies, sends only the signed
  note (never a ~ line) and keeps nothing in the app;
- hostile text (Rich markup, ANSI) in a note shows literally on every screen that shows it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from datetime import date
from pathlib import Path

import pypdf
from textual.widgets import Input, Static

from tui.screens.chart import ChartScreen, timeline_row
from tui.screens.export import ExportForm
from tui.screens.note_view import NoteViewScreen
from tui.widgets.choice import ChoiceField
from tui.widgets.clipboard import CLIPBOARD_MANAGER_WARNING

from ..helpers import SIZE, screen_text, settle, wait_for_screen, wait_until
from .conftest import TILDE_CANARY, sign_sessions
from .test_navigation import open_chart, rows

HOSTILE = "[bold red]ALARM[/bold red] \x1b[31mred\x1b[0m [link=http://x]click[/link]"


def record_state(app) -> dict:
    """Everything but the audit log: an export must leave it as it was."""
    record = app.workspace.record
    return {table: record.query(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - fixed names
            for table in ("clients", "sessions", "progress_notes", "note_sections", "addenda", "measure_scores",
                          "risk_assessments")}


def patient(path: Path) -> dict:
    bundle = json.loads(path.read_text())
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def palette(app) -> dict[str, str]:
    """The command palette's commands on the current screen: {title: help}."""
    return {command.title: command.help for command in app.get_system_commands(app.screen)}


async def open_note(pilot, chart: ChartScreen, index: int) -> NoteViewScreen:
    await pilot.press(*(["down"] * (index - rows(chart).cursor)))
    await settle(pilot)
    await pilot.press("enter")
    note = await wait_for_screen(pilot, NoteViewScreen)
    await wait_until(pilot, lambda: bool(note.plain), "the note to load")
    await settle(pilot)
    return note


async def export_to(pilot, form: ExportForm, fmt: str, target: Path) -> str:
    choice = form.query_one("#export-format", ChoiceField)
    choice.focus()
    await settle(pilot)
    for _ in range(len(choice.options)):
        if choice.value == fmt:
            break
        await pilot.press("right")
    assert choice.value == fmt
    path = form.query_one("#export-path", Input)
    assert path.value.endswith(target.suffix), (path.value, fmt)  # the extension follows the format
    path.value = str(target)
    await pilot.press("ctrl+s")
    result = form.query_one("#export-result", Static)
    # A generous bound: a records-request PDF on a loaded two-core machine.
    await wait_until(pilot, lambda: f"Wrote {target} " in str(result.render()), f"the {fmt} export", timeout=60)
    return str(result.render())


async def test_the_chart_and_the_note_view_show_the_note_id(timeline_profile):
    made, notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        listed = rows(chart).rows
        text = screen_text(app)
        assert re.search(r"Date\s+#\s+Note\s+Template", text)
        for row in listed:
            line = str(timeline_row(row))
            if row.status == "no note":
                assert re.match(r"\S+\s+\d+\s+—\s", line), line
            else:
                assert re.match(rf"\S+\s+{row.number}\s+{row.note_id}\s", line), line
                assert line.split("  ")[0] in text
        third = notes[made.session_ids[2]]
        assert listed[1].note_id == third
        assert palette(app)["Export"] == "Export the clinical record (records request: md, json, pdf, fhir) (x)"
        note = await open_note(pilot, chart, 1)
        assert note.note_id == third
        assert f"Note {third}  ·  RB-07" in screen_text(app)
        assert palette(app)["Export"] == "Export this note (txt, md, json, pdf) (x)"
        assert palette(app)["Copy for EHR"] == "Copy for EHR (^o)"


async def test_a_note_exports_from_the_note_view(timeline_profile, tmp_path):
    made, notes = timeline_profile
    app = made.app()
    third = notes[made.session_ids[2]]
    async with app.run_test(size=SIZE) as pilot:
        note = await open_note(pilot, await open_chart(pilot), 1)
        before = record_state(app)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        assert form.note_id == third and form.code == "RB-07"
        assert form.query_one("#export-format", ChoiceField).options == ["txt", "md", "json", "pdf"]
        assert not form.query("#export-private")  # a note is one note: no private-notes choice
        default = form.query_one("#export-path", Input).value
        assert default == str(Path.home() / f"hushpad-note-{third}-RB-07-{date.today().isoformat()}.txt")
        assert f"Export note {third} (RB-07)" in screen_text(app)

        pdf = tmp_path / "note.pdf"
        said = await export_to(pilot, form, "pdf", pdf)
        assert str(pdf) in said and "0600" in said
        assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
        extracted = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        assert "Mood improving; sleep steadier." in extracted and f"RB-07" in extracted

        txt = tmp_path / "note.txt"
        await export_to(pilot, form, "txt", txt)
        assert stat.S_IMODE(os.stat(txt).st_mode) == 0o600
        signed = app.workspace.record.note(third)["canonical_text"].rstrip("\n")
        assert signed in txt.read_text() and TILDE_CANARY not in txt.read_text()

        exported = [(e["action"], e["detail"]) for e in app.workspace.record.audit_entries(2)]
        assert sorted(exported) == [("note exported", "pdf"), ("note exported", "txt")]
        assert record_state(app) == before  # export only reads
        await pilot.press("escape")
        assert await wait_for_screen(pilot, NoteViewScreen) is note


async def test_the_records_request_exports_from_the_chart(timeline_profile, tmp_path):
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await open_chart(pilot)
        before = record_state(app)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        assert form.note_id is None
        assert form.query_one("#export-format", ChoiceField).options == ["md", "json", "pdf", "fhir"]
        assert form.query_one("#export-path", Input).value.startswith(str(Path.home() / "hushpad-record-RB-07-"))
        pdf = tmp_path / "record.pdf"
        said = await export_to(pilot, form, "pdf", pdf)
        assert str(pdf) in said
        assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
        extracted = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        assert "Records request" in extracted and "zebrafinch" in extracted and TILDE_CANARY not in extracted

        identity = form.query_one("#export-identity", ChoiceField)
        assert not identity.display  # asked for fhir only
        fhir = tmp_path / "record.fhir.json"
        await export_to(pilot, form, "fhir", fhir)
        assert identity.display and identity.value == "no"
        assert stat.S_IMODE(os.stat(fhir).st_mode) == 0o600
        assert '"resourceType": "Bundle"' in fhir.read_text() and TILDE_CANARY not in fhir.read_text()
        assert patient(fhir).get("name") is None and "RB-07" in json.dumps(patient(fhir)["identifier"])
        identity.value = "yes"
        named = tmp_path / "named.fhir.json"
        await export_to(pilot, form, "fhir", named)
        assert "Robin" in json.dumps(patient(named)["name"])
        assert record_state(app) == before
        await pilot.press("escape")
        assert await wait_for_screen(pilot, ChartScreen) is chart


async def test_a_path_that_cannot_take_the_file_is_said_and_nothing_is_written(timeline_profile, tmp_path):
    made, _notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_chart(pilot)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        form.query_one("#export-path", Input).value = str(tmp_path / "missing" / "r.md")
        await pilot.press("ctrl+s")
        result = form.query_one("#export-result", Static)
        await wait_until(pilot, lambda: "No folder" in str(result.render()), "the refusal")
        assert not (tmp_path / "missing").exists()
        form.query_one("#export-path", Input).value = str(tmp_path)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "is a folder" in str(result.render()), "the refusal")


async def test_copy_for_ehr_says_sent_warns_once_and_keeps_nothing(timeline_profile, monkeypatch):
    monkeypatch.delenv("TMUX", raising=False)  # outside tmux (the tmux case is tests/e2e/test_clipboard_e2e.py)
    made, notes = timeline_profile
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        note = await open_note(pilot, await open_chart(pilot), 3)  # the first session: it had a ~ line
        assert note.note_id == notes[made.session_ids[0]]
        sent: list[str] = []
        driver = app._driver
        real_write = driver.write
        monkeypatch.setattr(driver, "write", lambda data: (sent.append(data), real_write(data)))
        status = note.query_one("#note-status", Static)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: "clipboard" in str(status.render()), "the copy status")
        first = str(status.render())
        assert "Sent the signed note to the terminal's clipboard; your terminal may not support it." in first
        assert CLIPBOARD_MANAGER_WARNING in first
        assert "to the terminal's clipboard; your terminal may not support it" in screen_text(app)
        copies = [s for s in sent if s.startswith("\x1b]52;c;")]
        assert len(copies) == 1 and copies[0].endswith("\a")
        text = base64.b64decode(copies[0][len("\x1b]52;c;"):-1]).decode("utf-8")
        assert text == note.plain
        signed = app.workspace.record.note(note.note_id)["canonical_text"].rstrip("\n")
        assert text.startswith(signed) and TILDE_CANARY not in text
        assert app.clipboard == ""  # nothing kept in the app for an in-app paste

        note._say("")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: "clipboard" in str(status.render()), "the second copy status")
        assert CLIPBOARD_MANAGER_WARNING not in str(status.render())  # once per run
        assert len([s for s in sent if s.startswith("\x1b]52;c;")]) == 2


async def test_hostile_text_in_a_note_shows_literally(timeline_profile, tmp_path):
    made, _notes = timeline_profile
    kt = made.session_ids[4]
    hostile_note = sign_sessions(made, [(kt, "2025-01-29T17:00:00+00:00", HOSTILE, "low")])[kt]
    app = made.app()
    literal = "[bold red]ALARM[/bold red] \u241b[31mred\u241b[0m [link=http://x]click[/link]"
    async with app.run_test(size=(140, 40)) as pilot:
        chart = await open_chart(pilot, "KT-12")
        await wait_until(pilot, lambda: rows(chart).rows and rows(chart).rows[0].status == "signed", "the row")
        assert "[bold red]ALARM[/bold red] \u241b[31mred" in screen_text(app)
        note = await open_note(pilot, chart, 0)
        assert note.note_id == hostile_note
        assert f"Note {hostile_note}  ·  KT-12" in screen_text(app)
        assert literal in screen_text(app) and "\x1b" not in screen_text(app)
        await pilot.press("x")
        form = await wait_for_screen(pilot, ExportForm)
        txt = tmp_path / "hostile.txt"
        await export_to(pilot, form, "txt", txt)
        assert literal in txt.read_text() and "\x1b" not in txt.read_text()
