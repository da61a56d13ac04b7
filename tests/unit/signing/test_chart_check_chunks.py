"""The chart's integrity check reads and verifies a client's notes a page at a time (so the
record store's lock is free between queries, and a chart opened meanwhile does not wait seconds
for it), and stops when its chart closes. Paged, it must find exactly what one pass finds:
every tampering case, a forged note on the last page, and one inserted with a negative id."""

from __future__ import annotations

import pytest

from tui.services import signing
from tui.services.chart import ClientChart

from . import tamper


@pytest.fixture
def three_notes(clinic):
    ids = [clinic.sign_note("AB12", f"Visit {i}: low mood, improving.") for i in range(3)]
    return clinic, ids


def integrity(clinic, **kwargs):
    with clinic.workspace() as ws:
        return ClientChart(ws).integrity(ws.record.client_by_code("AB12")["id"], **kwargs)


def forge(conn, clinic_id: int, *, negative: bool) -> int:
    forged = tamper.forge_hash_only_note(conn, clinic_id, "2026-01-05T10:00:00+00:00", "AB12")
    if negative:  # rowids may be negative: a lower bound of 0 on the first page would skip it
        triggers = tamper.drop_triggers(conn)
        conn.execute("UPDATE progress_notes SET id = -7 WHERE id = ?", (forged,))
        tamper.recreate(conn, triggers)
        return -7
    return forged


EDITS = {
    "text": lambda conn, ids, _cid: tamper.rewrite_text(conn, ids[1], "Visit 1: low mood, improving.",
                                                          "Visit 1: no concerns.") or ids[1],
    "section": lambda conn, ids, _cid: tamper.edit_section(conn, ids[1]) or ids[1],
    "search index": lambda conn, ids, _cid: tamper.edit_search_index(conn, ids[2]) or None,
    "forged note": lambda conn, _ids, cid: forge(conn, cid, negative=False),
    "forged note, negative id": lambda conn, _ids, cid: forge(conn, cid, negative=True),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_one_note_a_page_finds_what_one_pass_finds(three_notes, monkeypatch, edit) -> None:
    clinic, ids = three_notes
    with clinic.workspace() as ws:
        client_id = ws.record.client_by_code("AB12")["id"]
    with clinic.raw() as conn:
        flagged = EDITS[edit](conn, ids, client_id)
    whole = integrity(clinic)
    assert len(ids) < signing.INTEGRITY_CHUNK  # one page, one verify_many: the reference
    monkeypatch.setattr(signing, "INTEGRITY_CHUNK", 1)
    paged = integrity(clinic)
    assert paged == whole
    invalid, problems = whole
    if flagged is None:
        assert any("search index" in p for p in problems), problems
    else:
        assert set(invalid) == {flagged}, invalid


def test_an_untouched_record_is_clean_however_it_is_paged(three_notes, monkeypatch) -> None:
    clinic, _ids = three_notes
    for chunk in (1, 2, 3, 250):
        monkeypatch.setattr(signing, "INTEGRITY_CHUNK", chunk)
        assert integrity(clinic) == ({}, [])


def test_the_check_stops_between_queries_once_asked(three_notes, monkeypatch) -> None:
    clinic, _ids = three_notes
    monkeypatch.setattr(signing, "INTEGRITY_CHUNK", 1)
    with pytest.raises(signing.CheckStopped):
        integrity(clinic, stop=lambda: True)
    # Asked at every step: with one note a page, a stop after the 4th question comes before the end.
    asked = []

    def stop_at_four() -> bool:
        asked.append(1)
        return len(asked) >= 4

    with pytest.raises(signing.CheckStopped):
        integrity(clinic, stop=stop_at_four)
    assert len(asked) == 4
    # Never asked to stop: the whole check, and it asks at least once per page and step.
    asked.clear()
    assert integrity(clinic, stop=lambda: asked.append(1) or False) == ({}, [])
    assert len(asked) >= 3 + 3 + 4


def rebuild_notes_table(conn, extra: str = "") -> None:
    """What the data key allows: progress_notes rebuilt without INTEGER PRIMARY KEY (`id INT`),
    optionally with a column of its own named rowid, which then hides the real rowid."""
    triggers = tamper.drop_triggers(conn)
    conn.execute("PRAGMA legacy_alter_table = ON")  # the other tables' references keep the name
    conn.execute("ALTER TABLE progress_notes RENAME TO notes_before")
    conn.execute(f"CREATE TABLE progress_notes AS SELECT *{extra} FROM notes_before")
    conn.execute("DROP TABLE notes_before")
    tamper.recreate(conn, [t for t in triggers if "progress_notes" not in t])


@pytest.mark.parametrize("extra", ["", ", 1 AS rowid"], ids=["id INT", "id INT and a rowid column"])
def test_a_rebuilt_notes_table_with_repeated_ids_is_read_whole(three_notes, monkeypatch, extra) -> None:
    clinic, ids = three_notes
    with clinic.raw() as conn:
        rebuild_notes_table(conn, extra)
        # A second row with the id of a genuine note, carrying other text: one pass reads both.
        conn.execute("INSERT INTO progress_notes SELECT * FROM progress_notes WHERE id = ?", (ids[1],))
        conn.execute("UPDATE progress_notes SET canonical_text = 'Rewritten.' "
                     "WHERE rowid = (SELECT max(rowid) FROM progress_notes)" if not extra else
                     "UPDATE progress_notes SET canonical_text = 'Rewritten.' WHERE _rowid_ = "
                     "(SELECT max(_rowid_) FROM progress_notes)")
    whole = integrity(clinic)
    monkeypatch.setattr(signing, "INTEGRITY_CHUNK", 1)
    assert integrity(clinic) == whole
    invalid, problems = whole
    assert ids[1] in invalid or any("search index" in p for p in problems), whole
