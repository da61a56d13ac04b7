"""Exports: one signed note (txt for pasting into an EHR, or md), and a client's clinical
record for a records request (md or json; psychotherapy notes only when asked). Every
export is audited. Every rendering comes from what was signed, never from the draft."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..domain import signature as sig
from ..domain.canonical import escape_markdown, markdown_from_blocks
from ..domain import clock
from ..domain.measures import band_for
from ..domain.session_facts import display_time
from ..domain.visible import make_visible
from ..storage import queries
from .chart import ClientChart
from .reading import RecordReader, day
from .signing import Signatures
from .writeup import NoteRecords

if TYPE_CHECKING:
    from .workspace import Workspace


def _banner(verdict: sig.Verdict) -> list[str]:
    if verdict.ok:
        return []
    return ["!" * 72, "SIGNATURE INVALID: this note does not match what was signed. Do not rely on it.",
            *("  - " + p for p in verdict.problems), "!" * 72, ""]


def _signature_lines(verdict: sig.Verdict) -> list[str]:
    """The signature block printed on every export: status, key fingerprint, how to check."""
    if verdict.status == sig.HASH_ONLY:
        lines = ["Signature: sealed (hash only); signed before Ed25519 signatures"]
    elif verdict.status == sig.VERIFIED:
        lines = []  # the signed text names the key; the JSON export carries the signature
    else:
        lines = [f"Signature: {sig.INVALID}" + (f" (signer key {verdict.fingerprint})" if verdict.fingerprint else "")]
    lines += [c[0].upper() + c[1:] for c in verdict.cosign]
    if verdict.awaiting_cosign:
        lines.append("Awaiting supervisor co-signature.")
    return lines


class RecordsExport(RecordReader):
    """Every export checks each note's signature first (the one verify). A note that fails
    is still exported, as stored, under a SIGNATURE INVALID banner, and is listed in
    ``failures`` so the command line can exit non-zero."""

    def __init__(self, workspace: "Workspace") -> None:
        super().__init__(workspace)
        self.failures: list[str] = []
        self._signatures = Signatures(workspace)
        self._verdicts: dict[int, sig.Verdict] = {}  # one export reads one snapshot: verify each note once

    def verdict(self, note: dict[str, Any]) -> sig.Verdict:
        verdict = self._verdicts.get(note["id"])
        if verdict is None:
            verdict = self._verdicts[note["id"]] = self._signatures.verify_row(note)
        failure = f"note {note['id']}: {'; '.join(verdict.problems)}"
        if not verdict.ok and failure not in self.failures:
            self.failures.append(failure)
        return verdict

    # -- one note ---------------------------------------------------------------------
    def note(self, note_id: int, fmt: str) -> str:
        if fmt == "json":
            text = make_visible(json.dumps(self.note_document(note_id), ensure_ascii=False, indent=2), keep="\n") + "\n"
        else:
            text = self.plain_text(note_id) if fmt == "txt" else self.markdown(note_id)
        self.record.audit(self.actor, "note exported", subject=f"note:{note_id}", detail=fmt)
        return text

    def plain_text(self, note_id: int, *, banner: bool = True) -> str:
        """Plain text laid out for pasting into an EHR: the signed text, then any addenda.
        ``banner=False`` is for the note view, which shows the verdict in its own bar: the
        SIGNATURE INVALID banner then comes only at the end (a copy still carries it)."""
        note = NoteRecords(self.workspace).signed(note_id)
        verdict = self.verdict(note)
        out = (_banner(verdict) if banner else []) + [note["canonical_text"].rstrip("\n")]
        for addendum in self.record.addenda(note_id):
            who = addendum["signer"] + (f", {addendum['credentials']}" if addendum["credentials"] else "")
            out += ["", f"ADDENDUM {display_time(addendum['created_at'], zone=True)} by {who}", addendum["body"].rstrip(),
                    f"Amends: {addendum['amends_hash'][:16]}  Seal: {addendum['content_hash'][:16]}"]
        out += ["", *_signature_lines(verdict), f"Seal (SHA-256): {note['content_hash']}", "", *_banner(verdict)]
        return make_visible("\n".join(out).rstrip("\n")) + "\n"

    def markdown(self, note_id: int) -> str:
        """Markdown drawn from the signed payload's layout, never from the draft or today's
        templates. A note sealed before signatures shows its sealed text verbatim."""
        note = NoteRecords(self.workspace).signed(note_id)
        verdict = self.verdict(note)
        signed = sig.stored_signed(note)
        payload = None
        if signed is not None and verdict.ok:
            payload = json.loads(signed.payload)
        if payload is not None:
            text = markdown_from_blocks(payload["blocks"]).rstrip("\n")
        else:
            text = "```text\n" + (note["canonical_text"] or "").replace("```", "`\u200b``").rstrip("\n") + "\n```"
        out = [f"**{line}**" if line else "" for line in _banner(verdict)] + [text]
        for addendum in self.record.addenda(note_id):
            out += ["", f"## Addendum {escape_markdown(display_time(addendum['created_at'], zone=True))}", "", escape_markdown(addendum["body"])]
        out += [""] + [f"- {escape_markdown(line)}" for line in _signature_lines(verdict)]
        out += ["", f"Seal (SHA-256): `{note['content_hash']}`", ""]
        out += [f"**{escape_markdown(line)}**" if line else "" for line in _banner(verdict)]
        return make_visible("\n".join(out).rstrip("\n")) + "\n"

    def note_document(self, note_id: int) -> dict[str, Any]:
        """One note as data, with every payload and signature, for ``hushpad verify``."""
        note = NoteRecords(self.workspace).signed(note_id)
        verdict = self.verdict(note)
        session = self.record.session(note["session_id"]) or {}
        sid = note["session_id"]
        return {
            "format": "hushpad-note", "version": 1, "note_id": note["id"],
            "verification": {"status": verdict.status, "problems": verdict.problems,
                             "key_fingerprint": verdict.fingerprint, "cosign": verdict.cosign,
                             "awaiting_cosign": verdict.awaiting_cosign},
            "text": note["canonical_text"], "signer": note["signer"], "credentials": note["credentials"],
            "signed_at": note["signed_at"], "content_hash": note["content_hash"],
            "session": sig.session_fact(session),
            "measures": [sig.measure_fact(m) for m in self.record.query(
                "SELECT * FROM measure_scores WHERE session_id = ? ORDER BY id", (sid,))],
            "risk": [sig.risk_fact(r) for r in self.record.query(
                "SELECT * FROM risk_assessments WHERE session_id = ? ORDER BY id", (sid,))],
            "addenda": [{k: a[k] for k in ("body", "signer", "credentials", "created_at", "amends_hash", "content_hash")}
                        for a in self.record.addenda(note_id)],
            "signatures": self._signatures.export_block(note),
        }

    # -- a client's record ----------------------------------------------------------------
    def client(self, code: str, fmt: str, *, include_private: bool = False) -> str:
        """The clinical record for a records request. Psychotherapy notes only when asked."""
        client = self.workspace.client_by_code(code)
        plan = ClientChart(self.workspace).treatment_plan(client["id"])
        notes = queries.signed_notes(self.record, client["id"])
        self._record_verification(notes)  # every note verified once, in bulk, before anything is rendered
        measures = queries.measures_of(self.record, client["id"])
        risk = queries.risk_assessments_of(self.record, client["id"])
        private: dict[int, list[tuple[int, str]]] = {}
        if include_private:
            from ..storage.vault import doc_key_for

            for session in queries.sessions_of(self.record, client["id"]):
                lines = self.workspace.vault.load_jottings(doc_key_for(session))
                if session["group_session_id"]:
                    lines = self._own_group_lines(lines, session["group_session_id"], client["code"])
                if lines:
                    private[session["id"]] = [(line.minute, line.text) for line in lines]
        self.record.audit(self.actor, "client record exported", subject=f"client:{client['id']}",
                          detail=f"{fmt}{' with private jottings' if include_private else ''}")
        if fmt == "json":  # dumps escapes C0 controls itself; bidi and C1 controls it leaves raw
            return make_visible(json.dumps({
                "format": "hushpad-client-record", "version": 1, "exported_at": clock.now_iso(),
                "client": {k: client[k] for k in ("code", "display_name", "date_of_birth")},
                "treatment_plan": {
                    "problems": [{"description": p["description"], "status": p["status"]} for p in plan["problems"]],
                    "goals": [{"number": g["ordinal"], "description": g["description"], "status": g["status"],
                               "objectives": [o["description"] for o in g["objectives"]],
                               "interventions": [i["description"] for i in g["interventions"]],
                               "progress": [{"date": d, "status": s, "evidence": e} for d, s, e in g["history"]]}
                              for g in plan["goals"]],
                },
                "progress_notes": [{"note_id": n["id"], "date": day(n["started_at"]),
                                    "text": self.plain_text(n["id"]), "signed": self.note_document(n["id"])}
                                   for n in notes],
                "verification": self._record_verification(notes),
                "measures": [{"date": day(m["administered_at"]), "instrument": m["instrument"], "total": m["total"],
                              "band": band_for(m["instrument"], m["total"]),
                              "items": json.loads(m["items_json"]) if m["items_json"] else None} for m in measures],
                "risk_assessments": [dict(r) for r in risk],
                **({"psychotherapy_notes": [{"session_id": sid, "jottings": [{"minute": m, "text": t} for m, t in lines]}
                                            for sid, lines in private.items()]} if include_private else {}),
            }, ensure_ascii=False, indent=2), keep="\n") + "\n"
        return self._client_markdown(client, plan, notes, measures, risk, private)

    def _own_group_lines(self, lines: list[Any], group_session_id: int, code: str) -> list[Any]:
        """A group scratchpad holds every member's lines: a client's request gets only the lines
        attributed to them (``@CODE``/``@initials`` or naming only them), never another member's
        nor the group's lines about no one."""
        from ..domain.group import MemberIdentity, member_of
        from ..domain.shorthand import parse_jotting

        members = [MemberIdentity(m["code"], m["display_name"] or "")
                   for m in self.workspace.group_members(group_session_id)]
        return [line for line in lines
                if member_of(parse_jotting(line.text, self.workspace.rules), members) == code]

    def _record_verification(self, notes: list[dict[str, Any]]) -> dict[str, Any]:
        """The whole request: every note verified, and the notes' chain has no gap."""
        from .signing import verify_many

        full = [n for n in (self.record.note(row["id"]) for row in notes) if n]
        self._verdicts.update(verify_many(self.record, [n for n in full if n["id"] not in self._verdicts],
                                          self._signatures.trusted(), set(self._signatures.supervisor_keys())))
        entries = []
        for row in notes:
            note = self.record.note(row["id"]) or {}
            self.verdict(note)
            signed = sig.stored_signed(note)
            previous = json.loads(signed.payload).get("previous_note_hash") if signed else None
            entries.append((note.get("content_hash"), previous))
        self.failures += [p for p in sig.check_note_chain(entries) if p not in self.failures]
        return {"status": sig.INVALID if self.failures else sig.VERIFIED, "problems": list(self.failures),
                "notes": len(notes)}

    def _client_markdown(self, client: dict[str, Any], plan: dict[str, Any], notes: list[dict[str, Any]],
                         measures: list[dict[str, Any]], risk: list[dict[str, Any]],
                         private: dict[int, list[tuple[int, str]]]) -> str:
        esc = escape_markdown
        out = [f"# Clinical record: {esc(client['code'])}", ""]
        if client["display_name"]:
            out.append(f"- Name: {esc(client['display_name'])}")
        if client["date_of_birth"]:
            out.append(f"- Date of birth: {esc(client['date_of_birth'])}")
        out += ["", "## Treatment plan", ""]
        for problem in plan["problems"]:
            out.append(f"- Problem: {esc(problem['description'])} ({esc(problem['status'])})")
        for goal in plan["goals"]:
            out.append(f"- Goal {goal['ordinal']} ({goal['status']}): {esc(goal['description'])}")
            out += [f"  - Objective: {esc(o['description'])}" for o in goal["objectives"]]
            out += [f"  - Intervention: {esc(i['description'])}" for i in goal["interventions"]]
            out += [f"  - {d}: {s}{' (' + esc(e) + ')' if e else ''}" for d, s, e in goal["history"]]
        out += ["", "## Measures", "", "| Date | Measure | Total | Band |", "|---|---|---|---|"]
        out += [f"| {day(m['administered_at'])} | {'PHQ-9' if m['instrument'] == 'phq9' else 'GAD-7'} | {m['total']} | "
                f"{band_for(m['instrument'], m['total'])} |" for m in measures]
        out += ["", "## Risk assessments", ""]
        out += [f"- {day(r['assessed_at'])}: level {esc(r['level'] or 'not stated')}; SI {r['suicidal_ideation']}, "
                f"HI {r['homicidal_ideation']}, self-harm {r['self_harm']}"
                + (f"; {esc(r['detail'])}" if r["detail"] else "") for r in risk]
        out += ["", "## Progress notes", ""]
        verification = self._record_verification(notes) if notes else {"problems": []}
        if verification["problems"]:
            out += ["**SIGNATURE INVALID: this record does not match what was signed.**", ""]
            out += [f"- {escape_markdown(p)}" for p in verification["problems"]] + [""]
        for note in notes:
            out += [f"### {day(note['started_at'])} (note {note['id']})", "", "```text",
                    self.plain_text(note["id"]).replace("```", "`\u200b``").rstrip("\n"), "```", ""]
        if private:
            out += ["## Psychotherapy notes (private; included on explicit request)", ""]
            for session_id, lines in private.items():
                out.append(f"### Session {session_id}")
                out += [f"- {m}' {esc(t)}" for m, t in lines]
                out.append("")
        return make_visible("\n".join(out).rstrip("\n")) + "\n"
