"""The FHIR R4 export of a 10,000-note client (issue 12 item 3), against the Markdown export
of the same client in the same run.

    .venv/bin/python benchmarks/fhir_export.py [--notes 10000] [--profile DIR] [--runs 2]

Without --profile it builds a throw-away profile with one client, BIG-01, through
make_profile (--big-sessions NOTES+1: every session but the latest has a signed note), and
removes it at the end. With --profile it reuses one made by make_profile.py (run_all.sh
passes its 10,000-session profile).

Each run opens the profile afresh and times, for BIG-01:
- ``md``: ``RecordsExport.client(code, "md")`` (the baseline: same reads, same verify);
- ``fhir``: ``FhirExport.client(code)``, the whole transaction Bundle as JSON text;
- ``build``: ``FhirExport.client_bundle`` alone (read + verify + resources, no JSON text).
The bulk notes of make_profile are sealed by hash only (inserted, not signed one by one), and
a FHIR export refuses a record whose verify fails (the md export prints it under a banner).
So before timing, BIG-01's hash-only notes are signed in place with the profile's own key,
over the payload WriteupService.sign builds from the same rows (text, facts and session,
measures, risk, sections, the chain of previous note hashes): the one verify then passes for
every note, as for a real caseload. That happens in a copy of a --profile folder, never the
folder itself. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import make_profile  # noqa: E402


def sign_in_place(out: Path, code: str = "BIG-01") -> int:
    """Sign the client's hash-only notes (benchmark data only; see the module's docstring)."""
    import json

    from tui.domain import signature as sig
    from tui.domain.templates import BUILTIN_TEMPLATES
    from tui.services.signing import Signatures

    ws = make_profile.open_workspace(out)
    try:
        record, signatures = ws.record, Signatures(ws)
        seed, fingerprint = signatures.seed(), signatures.fingerprint()
        client = ws.client_by_code(code)
        notes = record.query(
            """SELECT n.* FROM progress_notes n JOIN sessions s ON s.id = n.session_id
                WHERE s.client_id = ? AND n.status = 'signed' ORDER BY n.signed_at, n.id""", (client["id"],))
        by = {}
        for table in ("measure_scores", "risk_assessments"):
            for row in record.query(f"SELECT * FROM {table} WHERE client_id = ? ORDER BY id", (client["id"],)):
                by.setdefault((table, row["session_id"]), []).append(row)
        sessions = {r["id"]: r for r in record.query("SELECT * FROM sessions WHERE client_id = ?", (client["id"],))}
        sections: dict[int, list] = {}
        for row in record.query("""SELECT note_id, key, title, body FROM note_sections WHERE note_id IN
                                   (SELECT n.id FROM progress_notes n JOIN sessions s ON s.id = n.session_id
                                     WHERE s.client_id = ?) ORDER BY note_id, ordinal""", (client["id"],)):
            sections.setdefault(row["note_id"], []).append([row["key"], row["title"], row["body"]])
        updates, previous = [], None
        for note in notes:
            if not note["signed_payload"]:
                draft = json.loads(note["draft_json"])
                template = BUILTIN_TEMPLATES[note["template"]]
                risk = by.get(("risk_assessments", note["session_id"]), [])
                payload = sig.note_payload(
                    note_id=note["id"], client_code=code, text=note["canonical_text"], blocks=[],
                    template={"key": template.key, "name": template.name},
                    facts={**draft["facts"], "session": sig.session_fact(sessions[note["session_id"]])},
                    measures=[sig.measure_fact(m) for m in by.get(("measure_scores", note["session_id"]), [])],
                    risk=sig.risk_fact(risk[0]) if risk else None, signer=note["signer"],
                    credentials=note["credentials"], signed_at=note["signed_at"], late_entry=bool(note["late_entry"]),
                    key_fingerprint=fingerprint, previous_note_hash=previous, audit_head=None,
                    sections=sections.get(note["id"], []))
                signed = sig.sign_payload(seed, payload)
                updates.append((signed.payload.decode("utf-8"), signed.signature_b64, signed.public_b64, note["id"]))
            previous = note["content_hash"]
        with record.transaction() as conn:  # a signed note's row refuses an UPDATE: lift its triggers meanwhile
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                    "AND tbl_name = 'progress_notes'").fetchall()
            for name, _sql in triggers:
                conn.execute(f"DROP TRIGGER {name}")
            conn.executemany("UPDATE progress_notes SET signed_payload = ?, signature = ?, signer_key = ? WHERE id = ?",
                             updates)
            for _name, sql in triggers:
                conn.execute(sql)
        return len(updates)
    finally:
        ws.close()


def run_once(out: Path) -> dict[str, float | str]:
    from tui.services.fhir_export import FhirExport, FhirExportError
    from tui.services.records_export import RecordsExport

    figures: dict[str, float | str] = {}
    ws = make_profile.open_workspace(out)
    try:
        started = time.perf_counter()
        md = RecordsExport(ws).client("BIG-01", "md")
        figures["md"] = time.perf_counter() - started
        figures["md_mb"] = len(md.encode()) / 1e6
        started = time.perf_counter()
        try:
            builder = FhirExport(ws).client_bundle("BIG-01")
            figures["build"] = time.perf_counter() - started
            figures["entries"] = len(builder.entries)
            started = time.perf_counter()
            text = FhirExport(ws).client("BIG-01")
            figures["fhir"] = time.perf_counter() - started
            figures["fhir_mb"] = len(text.encode()) / 1e6
            figures["notes"] = text.count('"resourceType": "DocumentReference"')
        except FhirExportError as exc:
            figures["refused"] = str(exc)[:200]
            figures["fhir"] = figures["build"] = time.perf_counter() - started
            figures["entries"] = figures["notes"] = figures["fhir_mb"] = 0
    finally:
        ws.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--profile", type=Path, help="a make_profile.py --out folder holding BIG-01")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    made = None
    out = args.profile
    if out is None:
        made = Path(tempfile.mkdtemp(prefix="hushpad-bench-fhir-"))
        out = made / "p"
        started = time.perf_counter()
        make_profile.make(out, clients=1, big_sessions=args.notes + 1, mid_sessions=0)
        print(f"made BIG-01 with {args.notes} signed notes in {time.perf_counter() - started:.0f} s")
    else:
        if (out / "profile").is_dir() is False and (out.parent / make_profile.KEYRING_FILE).exists():
            out = out.parent  # run_all.sh passes DIR/profile
        made = Path(tempfile.mkdtemp(prefix="hushpad-bench-fhir-"))
        shutil.copytree(out, made / "p")  # signed in place below: never the caller's profile
        out = made / "p"
    try:
        started = time.perf_counter()
        print(f"signed {sign_in_place(out)} hash-only notes of BIG-01 in {time.perf_counter() - started:.0f} s")
        runs = [run_once(out) for _ in range(args.runs)]
    finally:
        shutil.rmtree(made, ignore_errors=True)
    print(f"{'run':>4} {'notes':>6} {'entries':>8} {'md s':>7} {'build s':>8} {'fhir s':>7} {'fhir MB':>8} "
          f"{'md MB':>6} {'fhir/md':>8}")
    for i, r in enumerate(runs, 1):
        print(f"{i:>4} {int(r['notes']):>6} {int(r['entries']):>8} {r['md']:>7.1f} {r['build']:>8.1f} "
              f"{r['fhir']:>7.1f} {r['fhir_mb']:>8.1f} {r['md_mb']:>6.1f} {r['fhir'] / r['md']:>7.1f}x")
    best = min(runs, key=lambda r: r["fhir"])
    if "refused" in best:
        print(f"refused: {best['refused']}")
    print(f"SUMMARY FHIR export of {int(best['notes'])} notes ({int(best['entries'])} entries): {best['fhir']:.1f} s "
          f"({best['fhir'] / best['md']:.1f}x the md export of the same client, {best['md']:.1f} s)"
          + (" REFUSED (a note failed its verify)" if "refused" in best else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
