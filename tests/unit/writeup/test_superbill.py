"""The superbill (issue 13 item 3): a date range of a client's signed sessions with CPT and
modifiers, add-ons, place of service, ICD-10-CM codes and fees from config, under the provider
and NPI, as text and as PDF; drafts never billed; a note that fails its verify is left off."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace

import pytest

from tui.services.diagnoses import Diagnoses
from tui.services.superbill import Superbill, SuperbillError, superbill_pdf, superbill_text
from tui.services.writeup import WriteupService

from .conftest import build_env, complete, sign

NPI = "1234567893"  # a valid check digit


@pytest.fixture
def billed(tmp_path):
    env = build_env(tmp_path, npi=NPI, licence_number="LCSW 12345 (OH)", practice_name="Quiet Harbor Counseling",
                    fees={"90837": 160.0, "90834": 130.0, "90785": 15.0})
    client = env.ws.add_client("SB-01", "Sam [bold]Bill[/]", "1990-05-17", ["Sleep 7 hours"])
    Diagnoses(env.ws).add(client, "F33.1", primary=True, onset="2025-11")
    Diagnoses(env.ws).add(client, "F41.1", primary=False)

    def session(started: str, minutes: int, **facts):
        s = env.session(client, ["phq9 9"], started=started, ended=started.replace("T10:00", f"T10:{minutes:02d}")
                        if minutes < 60 else started.replace("T10:00", "T11:00"), duration=minutes)
        svc = WriteupService(env.ws)
        w = complete(svc.open(s.id))
        w.draft.facts = replace(w.draft.facts, **facts)
        return s, w, sign(svc, w)

    notes = [
        session("2026-02-02T10:00:00+00:00", 55, cpt_code="90837", setting="telehealth", place_of_service="10",
                telehealth="video", client_location="home, Ohio", cpt_modifier="95", interactive_complexity=True),
        session("2026-02-09T10:00:00+00:00", 45, cpt_code="90834", setting="in person", place_of_service="11",
                telehealth="none"),
        session("2026-04-06T10:00:00+00:00", 45, cpt_code="90834", setting="in person", place_of_service="11",
                telehealth="none"),  # outside the range
    ]
    yield env, client, notes
    env.ws.close()


def test_the_bill_lists_each_signed_session_in_range(billed):
    env, client, notes = billed
    bill = Superbill(env.ws).build("SB-01", "2026-02-01", "2026-02-28")
    assert [(l.service_date, l.place_of_service, l.cpt, l.add_ons, l.diagnoses) for l in bill.lines] == [
        ("2026-02-02", "10", "90837-95", ("90785-95",), ("F33.1", "F41.1")),
        ("2026-02-09", "11", "90834", (), ("F33.1", "F41.1")),
    ]
    assert bill.total == 160.0 + 15.0 + 130.0 and not bill.fees_missing
    text = superbill_text(bill)
    for fragment in ("SUPERBILL", "Quiet Harbor Counseling", f"NPI {NPI}", "Client code: SB-01",
                     "Sam [bold]Bill[/]", "1990-05-17", "Dates of service: 2026-02-01 to 2026-02-28",
                     "F33.1 Major depressive disorder, recurrent, moderate", "90837-95, +90785-95", "Total: 305.00"):
        assert fragment in text, fragment
    assert "2026-04-06" not in text
    actions = [r["action"] for r in env.ws.record.query("SELECT action FROM audit_log ORDER BY id")]
    assert "superbill exported" in actions


def test_the_pdf_carries_the_same_lines(billed, tmp_path):
    env, _client, _notes = billed
    pdf = superbill_pdf(Superbill(env.ws).build("SB-01", "2026-02-01", "2026-02-28"))
    assert pdf.startswith(b"%PDF-")
    from io import BytesIO

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    for fragment in ("Superbill", f"NPI {NPI}", "SB-01", "Sam [bold]Bill[/]", "90837-95, +90785-95", "F33.1, F41.1",
                     "175.00", "130.00", "305.00", "page 1 of 1"):
        assert fragment in text, fragment


def test_fees_not_in_config_are_said_not_guessed(tmp_path):
    env = build_env(tmp_path)
    client = env.ws.add_client("SB-02", "", "", [])
    s = env.session(client, [], started="2026-02-02T10:00:00+00:00", ended="2026-02-02T10:45:00+00:00", duration=45)
    svc = WriteupService(env.ws)
    w = complete(svc.open(s.id))
    w.draft.facts = replace(w.draft.facts, cpt_code="90834")
    sign(svc, w)
    bill = Superbill(env.ws).build("SB-02", "2026-02-01", "2026-02-28")
    assert bill.fees_missing == ["90834"] and "fee not set" in superbill_text(bill)
    env.ws.close()


def test_a_draft_is_never_billed_and_a_tampered_note_is_left_off(billed):
    env, client, notes = billed
    draft = env.session(client, ["phq9 3"], started="2026-02-16T10:00:00+00:00",
                        ended="2026-02-16T10:50:00+00:00", duration=50)
    WriteupService(env.ws).open(draft.id)  # a draft exists for it, never signed
    _s, w, _signed = notes[1]
    with env.ws.record.transaction() as conn:  # an attacker with the key edits the signed facts
        conn.execute("DROP TRIGGER IF EXISTS signed_notes_no_update")
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'progress_notes'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        payload = json.loads(conn.execute("SELECT signed_payload FROM progress_notes WHERE id = ?",
                                          (w.note_id,)).fetchone()[0])
        payload["facts"]["cpt_code"] = "90837"
        conn.execute("UPDATE progress_notes SET signed_payload = ? WHERE id = ?", (json.dumps(payload), w.note_id))
    bill = Superbill(env.ws).build("SB-01", "2026-02-01", "2026-02-28")
    assert [l.service_date for l in bill.lines] == ["2026-02-02"]
    assert any("2026-02-09" in r and "signature" in r for r in bill.left_off)


@pytest.mark.parametrize("start,end,message", [("2026-13-01", "2026-02-01", "must be a date"),
                                               ("2026-03-01", "2026-02-01", "before it starts")])
def test_bad_ranges_are_refused_clearly(billed, start, end, message):
    env, _c, _n = billed
    with pytest.raises(SuperbillError, match=message):
        Superbill(env.ws).build("SB-01", start, end)


def test_a_crisis_session_bills_90839_and_each_further_90840(tmp_path):
    """110 minutes of psychotherapy for crisis: 90839 (30-74 min) and +90840 twice (75-104,
    105-134), each a line item with its fee, as the signed note states it."""
    env = build_env(tmp_path, fees={"90839": 200.0, "90840": 90.0})
    try:
        client = env.ws.add_client("SB-03", "", "", [])
        s = env.session(client, [], started="2026-02-02T10:00:00+00:00", ended="2026-02-02T11:50:00+00:00",
                        duration=110)
        svc = WriteupService(env.ws)
        w = complete(svc.open(s.id))
        w.draft.facts = replace(w.draft.facts, crisis=True, cpt_code="90839")
        signed = sign(svc, w)
        assert "CPT: 90839, +90840 x2 psychotherapy for crisis" in signed.text
        bill = Superbill(env.ws).build("SB-03", "2026-02-01", "2026-02-28")
        (line,) = bill.lines
        assert (line.cpt, line.add_ons) == ("90839", ("90840", "90840"))
        assert bill.total == 200.0 + 2 * 90.0
    finally:
        env.ws.close()
