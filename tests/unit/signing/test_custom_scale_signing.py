"""A custom scale (config.toml [measures.custom.KEY]) end to end on a real profile: typed in
session, scored with its reverse item, signed with the definition it was scored by, verified;
and after the config changes the scale, the old note still verifies, reads as signed, and the
chart and records request read its score by the stored definition, not the new one."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Iterator

from tui.config import load_config
from tui.services import access
from tui.services.chart import ClientChart
from tui.services.records_export import RecordsExport, measure_text
from tui.services.signing import Signatures
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService, finding_id
from tui.storage.vault import JottingLine

from .conftest import PASSPHRASE
from .tamper import drop_triggers, recreate

SLEEP = """
[clinician]
name = "Dana Reyes"
credentials = "LCSW"

[measures.custom.sleep]
name = "Sleep quality"
items = 5
item_range = [0, 4]
reverse = [2, 5]
bands = [[0, "good"], [8, "fair"], [14, "poor"]]
"""

# The same key, redefined later: other name, other bands, no reverse item.
SLEEP_CHANGED = """
[clinician]
name = "Dana Reyes"
credentials = "LCSW"

[measures.custom.sleep]
name = "Sleep index"
items = 5
item_range = [0, 4]
bands = [[0, "settled"], [5, "disturbed"]]
"""

# Answers 3 1 2 0 4: items 2 and 5 reverse (4 − a): 3 + 3 + 2 + 0 + 0 = 8, "fair".
STATED = ("Sleep quality: 8 (fair); first administration; answers 3 1 2 0 4; custom scale: 5 items 0–4, "
          "items 2, 5 reverse-scored; bands 0–7 good, 8–13 fair, 14–20 poor")


@contextmanager
def workspace(clinic, toml: str) -> Iterator[Workspace]:
    path = clinic.root / "config.toml"
    path.write_text(toml, encoding="utf-8")
    config = load_config(clinic.root, path)
    ws = Workspace(access.unlock(config, passphrase=PASSPHRASE), config)
    try:
        yield ws
    finally:
        ws.close()


def sign(ws: Workspace, code: str, line: str) -> tuple[int, int]:
    client = ws.record.client_by_code(code)
    cid = client["id"] if client else ws.add_client(code, "", "", ["Sleep 7 hours"])
    s = ws.start_session(cid)
    ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(["! denies SI/HI/SH", line, "o tired", "> CR"])])
    ws.end_session(s)
    svc = WriteupService(ws)
    w = svc.open(s.id)
    for spec in w.template.sections:
        target = w.draft.group_part if spec.part == "group" else w.draft.sections
        if spec.required and not target.get(spec.key, "").strip():
            target[spec.key] = f"Written for {spec.title}."
    w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low")
    svc.sign(w, {finding_id(f) for f in svc.lint(w) if f.level == "warning"})
    return w.note_id, s.id


def rows(ws: Workspace, session_id: int) -> list[dict[str, Any]]:
    return ws.record.query("SELECT instrument, total, items_json FROM measure_scores WHERE session_id = ?",
                           (session_id,))


def test_a_custom_score_is_signed_with_its_definition_and_verifies(clinic):
    with workspace(clinic, SLEEP) as ws:
        note_id, sid = sign(ws, "C-1", "sleep 3 1 2 0 4 woke twice")
        note = ws.record.note(note_id)
        assert STATED in note["canonical_text"]
        [row] = rows(ws, sid)
        assert (row["instrument"], row["total"]) == ("custom:sleep", 8)
        stored = json.loads(row["items_json"])
        assert stored["answers"] == [3, 1, 2, 0, 4]
        assert stored["scale"] == {"name": "Sleep quality", "items": 5, "item_range": [0, 4], "reverse": [2, 5],
                                   "bands": [[0, "good"], [8, "fair"], [14, "poor"]]}
        signed = json.loads(note["signed_payload"])
        assert signed["measures"] == [{"instrument": "custom:sleep", "total": 8, "items": stored}]
        assert Signatures(ws).verify(note_id).status == "verified"


def test_changing_the_scale_in_config_leaves_the_signed_note_as_it_was(clinic):
    with workspace(clinic, SLEEP) as ws:
        note_id, sid = sign(ws, "C-1", "sleep 3 1 2 0 4")
        text = ws.record.note(note_id)["canonical_text"]
        client_id = ws.record.client_by_code("C-1")["id"]
    with workspace(clinic, SLEEP_CHANGED) as ws:
        assert ws.config.custom_scales["sleep"].name == "Sleep index"
        verdict = Signatures(ws).verify(note_id)
        assert verdict.status == "verified", verdict.problems
        assert ws.record.note(note_id)["canonical_text"] == text
        [row] = rows(ws, sid)
        # Read by the definition stored with the score: the old name and band, not "disturbed".
        assert measure_text(row["instrument"], row["total"], row["items_json"]) == "Sleep quality 8 (fair)"
        # A new score under the new definition: no reverse item, so the same answers give 10.
        note2, sid2 = sign(ws, "C-1", "sleep 3 1 2 0 4")
        text2 = ws.record.note(note2)["canonical_text"]
        assert "- Sleep index: 10 (disturbed); " in text2  # (the change since last: tests/unit/measures)
        assert "; answers 3 1 2 0 4; custom scale: 5 items 0–4; bands 0–4 settled, 5–20 disturbed" in text2
        [trend] = ClientChart(ws).chart(client_id).custom
        assert trend.points[0][1:] == (8, "fair") and trend.points[1][1:] == (10, "disturbed")
        assert trend.changed and "definition changed" in trend.words
        assert any(line.startswith("Sleep index 10 (disturbed)")
                   for line in ClientChart(ws).before_session(client_id).more_scores)
        names, table = RecordsExport(ws).records_request("C-1").measure_trend
        assert names == ["Sleep quality", "Sleep index"]
        assert [cells[1:] for cells in table] == [["8 (fair)", "10 (disturbed)"]]  # both sessions today
        assert "| Sleep quality | Sleep index |" in RecordsExport(ws).client("C-1", "md")
        assert Signatures(ws).verify(note_id).status == "verified"


def test_a_rewritten_definition_in_a_signed_row_fails_the_verify(clinic):
    with workspace(clinic, SLEEP) as ws:
        note_id, sid = sign(ws, "C-1", "sleep 3 1 2 0 4")
    with clinic.raw() as conn:
        [(items,)] = conn.execute("SELECT items_json FROM measure_scores WHERE session_id = ?", (sid,)).fetchall()
        forged = json.loads(items)
        forged["scale"]["bands"] = [[0, "good"], [10, "fair"], [14, "poor"]]  # 8 would now read "good"
        triggers = drop_triggers(conn)
        conn.execute("UPDATE measure_scores SET items_json = ? WHERE session_id = ?", (json.dumps(forged), sid))
        recreate(conn, triggers)
    with workspace(clinic, SLEEP) as ws:
        assert not Signatures(ws).verify(note_id).ok


def test_the_exported_note_and_records_request_verify_offline_with_the_custom_score(clinic):
    from tui.services.signing import verify_document

    with workspace(clinic, SLEEP) as ws:
        note_id, _ = sign(ws, "C-1", "sleep 3 1 2 0 4")
        note_doc = RecordsExport(ws).note_document(note_id)
        record_doc = json.loads(RecordsExport(ws).client("C-1", "json"))
    assert verify_document(note_doc, None)[0]
    ok, lines = verify_document(record_doc, None)
    assert ok, lines
    [measure] = record_doc["measures"]
    assert (measure["instrument"], measure["band"], measure["display"]) == ("custom:sleep", "fair", "Sleep quality 8 (fair)")
    assert measure["items"]["scale"]["name"] == "Sleep quality"
    # The stored definition edited in the export: the offline verify catches it.
    [stated] = note_doc["measures"]
    stated["items"]["scale"]["bands"][1][0] = 9  # 8 would read "good"
    assert not verify_document(note_doc, None)[0]
