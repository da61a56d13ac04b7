"""Every note carries the plan's diagnoses (issue 13 item 1): the write-up reads them when it is
opened, keeps them in the draft, and the signed text states them in its header; a later change
to the plan never changes a signed note, and a note from before there were any reads as before."""

from __future__ import annotations

from tui.services.writeup import NoteRecords, WriteupService

from .conftest import complete, sign

MDD = "F33.1 Major depressive disorder, recurrent, moderate"
LINE = f"Diagnoses: {MDD} (primary); F41.1 Generalized anxiety disorder"


def test_the_signed_note_states_the_diagnoses_as_they_were(env, client):
    record = env.ws.record
    gad = record.add_diagnosis(client, "F41.1", "Generalized anxiety disorder", primary=True)
    record.add_diagnosis(client, "F33.1", MDD.split(" ", 1)[1], primary=True, onset="2025-11-01")
    session = env.session(client, ["slept badly"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    assert w.draft.diagnoses == [f"{MDD} (primary)", "F41.1 Generalized anxiety disorder"]
    assert LINE + "\n" in svc.render(w)
    svc.save(w)
    svc.release(w)

    record.remove_diagnosis(gad)  # changed before the note is signed: reopening reads the plan afresh
    w = svc.open(session.id)
    assert w.draft.diagnoses == [f"{MDD} (primary)"]
    record.add_diagnosis(client, "F41.1", "Generalized anxiety disorder")
    svc.save(w)
    svc.release(w)
    w = svc.open(session.id)
    note_id = sign(svc, complete(w)).note_id
    text = record.note(note_id)["canonical_text"]
    assert LINE + "\n" in text
    header = text.split("\n\n")[1]
    assert LINE in header  # with the session facts, before the sections

    record.remove_diagnosis(record.diagnoses(client)[0]["id"])  # the plan moves on; the note does not
    assert record.note(note_id)["canonical_text"] == text
    assert NoteRecords(env.ws).verdict(record.note(note_id)).ok


def test_no_diagnoses_no_line(env, client):
    session = env.session(client, ["slept badly"])
    svc = WriteupService(env.ws)
    w = svc.open(session.id)
    assert w.draft.diagnoses == []
    note_id = sign(svc, complete(w)).note_id
    assert "Diagnoses" not in env.ws.record.note(note_id)["canonical_text"]
