"""Exports: one signed note (txt for pasting into an EHR, md, json or PDF), and a client's
clinical record for a records request (md, json or PDF; psychotherapy notes only when asked).
Every export is audited. Every rendering comes from what was signed, never from the draft.

What a person reads goes *around* the signed text, never into it: the practice and
clinician header, the client's name, code and date of birth, the session number, and how to
check the signature. The signed text itself is printed exactly as it was signed (in Markdown,
in a fenced block, so nothing in it is read as Markdown and nothing needs escaping)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain import clock
from ..domain import signature as sig
from ..domain.canonical import escape_markdown, fenced, line_kinds
from ..domain.letterhead import Letterhead, client_identity
from ..domain.measures import (
    CUSTOM_PREFIX, MeasureError, MeasureScore, display_name, score_from_stored, stored_band,
)
from ..domain.session_facts import display_time
from ..domain.visible import make_visible
from ..storage import queries
from .chart import ClientChart
from .reading import RecordReader, day
from .signing import Signatures
from .writeup import NoteRecords

if TYPE_CHECKING:
    from .workspace import Workspace

RULE = "=" * 72
INVALID_BANNER = "SIGNATURE INVALID: this note does not match what was signed. Do not rely on it."


def _banner(verdict: sig.Verdict) -> list[str]:
    if verdict.ok:
        return []
    return ["!" * 72, INVALID_BANNER, *("  - " + p for p in verdict.problems), "!" * 72, ""]


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


def signature_status(verdict: sig.Verdict) -> str:
    """One line for the signature block of a txt, md or PDF export."""
    if verdict.status == sig.VERIFIED:
        return f"Signature: verified (Ed25519, signer key {verdict.fingerprint})"
    if verdict.status == sig.HASH_ONLY:
        return "Signature: sealed (hash only); signed before Ed25519 signatures"
    return f"Signature: {sig.INVALID}" + (f" (signer key {verdict.fingerprint})" if verdict.fingerprint else "")


def how_to_verify(json_command: str) -> str:
    """The one line that says how anyone can check a printed note offline."""
    return (f"To verify: `{json_command} -o record.json`, then `hushpad verify record.json --key clinician.pem` "
            "with the clinician's public key (`hushpad keys show --pem`).")


def measure_text(instrument: str, total: Any, items_json: str | None = None) -> str:
    """"PHQ-9 12 (moderate)", with a PHQ-9 item 9 above 0 named: the one risk item."""
    if str(instrument).startswith(CUSTOM_PREFIX):
        return " ".join(custom_measure_parts(instrument, total, items_json))
    try:
        name = display_name(instrument)
    except MeasureError:
        name = str(instrument).upper()
    items = json.loads(items_json) if items_json else None
    if instrument == "cssrs":  # the total is the risk level the answers imply: say it in words
        try:
            return MeasureScore("cssrs", total, tuple(items) if items else None).describe()
        except (MeasureError, ValueError, TypeError):
            return f"{name} screen ({stored_band(instrument, total)})"
    text = f"{name} {total} ({stored_band(instrument, total)})"
    if instrument == "phq9" and items and len(items) == 9 and items[8]:
        text += f", item 9 = {items[8]}"
    return text


def custom_measure_parts(instrument: str, total: Any, items_json: str | None) -> tuple[str, str]:
    """A custom scale's score as (name, "8 (fair)"), read with the definition stored with the
    score (its name and bands then), never the config's current one."""
    try:
        score = score_from_stored(instrument, total, items_json)
    except (MeasureError, ValueError, TypeError, KeyError):
        return str(instrument).removeprefix(CUSTOM_PREFIX), f"{total} (custom scale, definition unreadable)"
    return make_visible(score.name), f"{score.total} ({make_visible(score.band)})"


# -- what an export prints, gathered once ---------------------------------------------------
@dataclass
class AddendumView:
    heading: str  # "ADDENDUM 2025-01-07 10:00 (UTC+00:00) by Dana Reyes, LCSW"
    body: str
    seals: str  # "Amends: … Seal: …"


@dataclass
class NoteView:
    """One signed note as every export prints it: the signed text as stored, and around it
    what a reader needs (session number, date, addenda, the verdict)."""

    note_id: int
    day: str
    session_number: int | None
    title: str
    verdict: sig.Verdict
    text: str  # the signed text, exactly as stored (already visible: controls shown)
    kinds: list[str] | None  # per line of ``text``: the layout block it came from (PDF headings)
    addenda: list[AddendumView]
    seal: str

    @property
    def label(self) -> str:
        number = f"Session {self.session_number}" if self.session_number else "Session"
        return f"{number} · {self.day}"

    @property
    def signature_lines(self) -> list[str]:
        """The status line (with the key) first, then co-signature lines."""
        rest = _signature_lines(self.verdict)
        if self.verdict.status != sig.VERIFIED:
            rest = rest[1:]  # _signature_lines' own status line, said again by signature_status
        return [signature_status(self.verdict), *rest]


@dataclass(frozen=True)
class PlanVersionView:
    version: int
    signed_at: str
    text: str  # the signed plan text, exactly as stored
    ok: bool
    label: str  # "Plan version 2: signature verified (Ed25519, key …)" or what failed
    problems: tuple[str, ...] = ()


def objective_lines(goal: dict[str, Any]) -> list[tuple[int, str]]:
    """A goal's objectives and planned interventions as (depth, line): "Objective 1.2 (met,
    target 2027-01-31): …" with its interventions under it; goal-level interventions last."""
    out: list[tuple[int, str]] = []
    interventions = goal.get("interventions") or []
    for objective in goal.get("objectives") or []:
        target = f", target {objective['target_date']}" if objective.get("target_date") else ""
        number = f" {goal['ordinal']}.{objective['ordinal']}" if objective.get("ordinal") else ""
        out.append((1, f"Objective{number} ({objective.get('status') or 'active'}{target}): {objective['description']}"))
        out += [(2, f"Planned intervention: {i['description']}") for i in objective.get("interventions") or []]
    out += [(1, f"Intervention: {i['description']}") for i in interventions if i.get("objective_id") is None]
    return out


@dataclass
class RecordsRequest:
    """A client's whole record for a records request, verified, ready to lay out."""

    letterhead: Letterhead
    client: dict[str, Any]
    exported_at: str
    notes: list[NoteView]
    plan: dict[str, Any]
    measures: list[dict[str, Any]]
    risk: list[dict[str, Any]]
    private: list[tuple[int, str, list[tuple[int, str]]]]  # (session id, "Session 3 · date", [(minute, line)])
    include_private: bool
    problems: list[str] = field(default_factory=list)
    # Every signed version of the treatment plan, oldest first, each with its verify result.
    plan_versions: list["PlanVersionView"] = field(default_factory=list)

    @property
    def date_range(self) -> str:
        if not self.notes:
            return "no signed notes"
        return f"{self.notes[0].day} to {self.notes[-1].day}"

    @property
    def contents(self) -> list[str]:
        count = len(self.notes)
        addenda = sum(len(n.addenda) for n in self.notes)
        out = [f"{count} signed progress note{'s' if count != 1 else ''}"
               + (f" with {addenda} addend{'a' if addenda != 1 else 'um'}" if addenda else ""),
               "the treatment plan", f"{len(self.measures)} measure score{'s' if len(self.measures) != 1 else ''}",
               f"{len(self.risk)} risk assessment{'s' if len(self.risk) != 1 else ''}"]
        if self.include_private:
            out.append(f"psychotherapy notes of {len(self.private)} session{'s' if len(self.private) != 1 else ''} "
                       "(private; included on explicit request)")
        else:
            out.append("psychotherapy notes withheld (kept separately, not part of the clinical record)")
        return out

    @property
    def measure_trend(self) -> tuple[list[str], list[list[str]]]:
        """(instruments, rows): one row per day, one column per instrument, "12 (moderate)"."""
        names: list[str] = []
        by_day: dict[str, dict[str, list[str]]] = {}
        for m in self.measures:
            if str(m["instrument"]).startswith(CUSTOM_PREFIX):  # a custom scale's name may hold spaces
                name, score = custom_measure_parts(m["instrument"], m["total"], m["items_json"])
            else:
                text = measure_text(m["instrument"], m["total"], m["items_json"])
                name, _, score = text.partition(" ")
            if name not in names:
                names.append(name)
            by_day.setdefault(day(m["administered_at"]), {}).setdefault(name, []).append(score)
        rows = [[d, *("; ".join(cells.get(n, [])) or "—" for n in names)] for d, cells in by_day.items()]
        return names, rows

    @property
    def verified(self) -> bool:
        return not self.problems


def risk_text(row: dict[str, Any]) -> str:
    text = (f"risk level {row['level'] or 'not stated'}; SI {row['suicidal_ideation']}, "
            f"HI {row['homicidal_ideation']}, self-harm {row['self_harm']}")
    if row.get("protective_factors"):
        text += f"; protective factors: {row['protective_factors']}"
    if row.get("safety_plan_reviewed"):
        text += "; safety plan reviewed"
    return text + (f"; {row['detail']}" if row["detail"] else "")


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

    @property
    def letterhead(self) -> Letterhead:
        return self.workspace.config.letterhead

    # -- one note ---------------------------------------------------------------------
    def note(self, note_id: int, fmt: str) -> str:
        """txt, md or json (a PDF is bytes: ``note_pdf``)."""
        if fmt not in ("txt", "md", "json"):
            raise ValueError(f"note export format {fmt!r}: txt, md or json (note_pdf for a PDF)")
        if fmt == "json":
            text = make_visible(json.dumps(self.note_document(note_id), ensure_ascii=False, indent=2), keep="\n") + "\n"
        elif fmt == "txt":
            text = self.note_text(note_id)
        else:
            text = self.markdown(note_id)
        self.record.audit(self.actor, "note exported", subject=f"note:{note_id}", detail=fmt)
        return text

    def note_pdf(self, note_id: int) -> bytes:
        from .pdf_export import note_pdf

        view, client = self._one_note(note_id)
        data = note_pdf(self.letterhead, client, view, exported_at=display_time(clock.now_iso(), zone=True))
        self.record.audit(self.actor, "note exported", subject=f"note:{note_id}", detail="pdf")
        return data

    def plain_text(self, note_id: int, *, banner: bool = True) -> str:
        """Plain text laid out for pasting into an EHR: the signed text, then any addenda.
        ``banner=False`` is for the note view, which shows the verdict in its own bar: the
        SIGNATURE INVALID banner then comes only at the end (a copy still carries it)."""
        note = NoteRecords(self.workspace).signed(note_id)
        return self._plain_text(note, self.record.addenda(note_id), banner=banner)

    def _plain_text(self, note: dict[str, Any], addenda: list[dict[str, Any]], *, banner: bool = True) -> str:
        verdict = self.verdict(note)
        out = (_banner(verdict) if banner else []) + [note["canonical_text"].rstrip("\n")]
        for addendum in (_addendum_view(a) for a in addenda):
            out += ["", addendum.heading, addendum.body, addendum.seals]
        out += ["", *_signature_lines(verdict), f"Seal (SHA-256): {note['content_hash']}", "", *_banner(verdict)]
        return make_visible("\n".join(out).rstrip("\n")) + "\n"

    def _header_lines(self, client: dict[str, Any], subtitle: str) -> list[str]:
        """Practice and clinician, then the client, then what this is: above the rule."""
        lines = self.letterhead.lines()
        lines += [""] if lines else []
        lines.append(" · ".join(f"{label}: {value}" for label, value in client_identity(client)))
        lines.append(f"{subtitle} · exported {display_time(clock.now_iso(), zone=True)}")
        return lines

    def note_text(self, note_id: int) -> str:
        """The txt export: header, a rule, the note as plain_text prints it, the check."""
        view, client = self._one_note(note_id)
        note = self.record.note(note_id) or {}
        out = self._header_lines(client, f"Progress note {note_id} · {view.label}") + [RULE]
        out.append(self._plain_text(note, self.record.addenda(note_id)).rstrip("\n"))
        out += [RULE, signature_status(view.verdict),
                how_to_verify(f"hushpad export note {note_id} --format json")]
        return make_visible("\n".join(out)) + "\n"

    def markdown(self, note_id: int) -> str:
        """Markdown: the header as Markdown, the signed text verbatim in a fenced block (what
        was signed, byte for byte: copy it out and its SHA-256 is the seal)."""
        view, client = self._one_note(note_id)
        esc = escape_markdown
        out = [f"# Progress note {note_id}: {esc(client['display_name'] or client['code'])}, {esc(view.label)}", ""]
        out += _markdown_lines(self.letterhead.lines())
        out += [f"- {label}: {esc(value)}" for label, value in client_identity(client)]
        out += [f"- Exported: {display_time(clock.now_iso(), zone=True)}", ""]
        out += self._markdown_note(view, level=2)
        out += ["", how_to_verify(f"hushpad export note {note_id} --format json")]
        return make_visible("\n".join(out).rstrip("\n")) + "\n"

    def _markdown_note(self, view: NoteView, level: int) -> list[str]:
        h = "#" * level
        out: list[str] = []
        if not view.verdict.ok:
            out += [f"**{INVALID_BANNER}**", ""] + [f"- {escape_markdown(p)}" for p in view.verdict.problems] + [""]
        out += [fenced(view.text)]
        for addendum in view.addenda:
            out += ["", f"{h} Addendum {escape_markdown(addendum.heading.removeprefix('ADDENDUM '))}", "",
                    fenced(addendum.body), "", escape_markdown(addendum.seals)]
        out += ["", *(f"- {escape_markdown(line)}" for line in view.signature_lines),
                f"- Seal (SHA-256): `{view.seal}`"]
        if not view.verdict.ok:
            out += ["", f"**{INVALID_BANNER}**"]
        return out

    def note_document(self, note_id: int) -> dict[str, Any]:
        """One note as data, with every payload and signature, for ``hushpad verify``."""
        note = NoteRecords(self.workspace).signed(note_id)
        verdict = self.verdict(note)
        session = self.record.session(note["session_id"]) or {}
        sid = note["session_id"]
        client = self.record.client(session.get("client_id")) or {}
        return {
            "format": "hushpad-note", "version": 1, "note_id": note["id"],
            "verification": {"status": verdict.status, "problems": verdict.problems,
                             "key_fingerprint": verdict.fingerprint, "cosign": verdict.cosign,
                             "awaiting_cosign": verdict.awaiting_cosign},
            "practice": _letterhead_json(self.letterhead),
            "client": {k: client.get(k) for k in ("code", "display_name", "date_of_birth")},
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

    def _one_note(self, note_id: int) -> tuple[NoteView, dict[str, Any]]:
        note = NoteRecords(self.workspace).signed(note_id)
        session = self.record.session(note["session_id"]) or {}
        client = self.record.client(session.get("client_id")) or {"code": "", "display_name": "", "date_of_birth": ""}
        number = self.record.session_number(session) if session else None
        return self._note_view(note, self.record.addenda(note_id), session.get("started_at"), number), client

    def _note_view(self, note: dict[str, Any], addenda: list[dict[str, Any]], started_at: str | None,
                   ordinal: int | None) -> NoteView:
        verdict = self.verdict(note)
        signed = sig.stored_signed(note)
        payload: dict[str, Any] = {}
        if signed is not None and verdict.ok:
            try:
                payload = json.loads(signed.payload)
            except ValueError:
                payload = {}
        text = make_visible(note["canonical_text"] or "")
        facts = payload.get("facts") or {}
        # The note's own numbering (as signed) wins; a hash-only note gets the session's place.
        number = facts.get("session_number") if isinstance(facts.get("session_number"), int) else ordinal
        template = (payload.get("template") or {}).get("name") or str(note.get("template") or "").upper()
        return NoteView(
            note_id=note["id"], day=day(started_at), session_number=number or None,
            title=f"Progress note ({template})" if template else "Progress note", verdict=verdict, text=text,
            kinds=line_kinds(payload["blocks"], text) if payload.get("blocks") else None,
            addenda=[_addendum_view(a) for a in addenda], seal=note["content_hash"] or "")

    # -- a client's record ----------------------------------------------------------------
    def client(self, code: str, fmt: str, *, include_private: bool = False) -> str:
        """The clinical record for a records request, md or json (``client_pdf`` for a PDF).
        Psychotherapy notes only when asked."""
        if fmt not in ("md", "json"):
            raise ValueError(f"records request format {fmt!r}: md or json (client_pdf for a PDF)")
        if fmt == "json":
            return self._client_json(code, include_private)
        request = self.records_request(code, include_private=include_private, fmt=fmt)
        return self._client_markdown(request)

    def client_pdf(self, code: str, *, include_private: bool = False) -> bytes:
        from .pdf_export import records_request_pdf

        return records_request_pdf(self.records_request(code, include_private=include_private, fmt="pdf"))

    def records_request(self, code: str, *, include_private: bool = False, fmt: str = "") -> RecordsRequest:
        """Everything a records request prints, read once and verified in bulk."""
        client = self.workspace.client_by_code(code)
        plan = ClientChart(self.workspace).treatment_plan(client["id"])
        plan["diagnoses"] = self.record.diagnoses(client["id"], current_only=False)  # history too
        rows = queries.signed_notes(self.record, client["id"])
        verification = self._record_verification(rows)  # every note verified once, in bulk, before anything is rendered
        sessions = queries.sessions_of(self.record, client["id"])
        ordinals = {s["id"]: n for n, s in enumerate(sorted(sessions, key=lambda s: (s["started_at"], s["id"])), 1)}
        full = self._notes_by_id([r["id"] for r in rows])
        addenda = self._addenda_of([r["id"] for r in rows])
        notes, numbers = [], {}
        for row in rows:
            if row["id"] in full:
                view = self._note_view(full[row["id"]], addenda.get(row["id"], []), row["started_at"],
                                       ordinals.get(row["session_id"]))
                notes.append(view)
                numbers[row["session_id"]] = view.session_number
        private: list[tuple[int, str, list[tuple[int, str]]]] = []
        if include_private:
            from ..storage.vault import doc_key_for

            for session in sessions:
                lines = self.workspace.vault.load_jottings(doc_key_for(session))
                if session["group_session_id"]:
                    lines = self._own_group_lines(lines, session["group_session_id"], client["code"])
                if lines:
                    number = numbers.get(session["id"]) or ordinals.get(session["id"])
                    label = f"Session {number} · {day(session['started_at'])}"
                    private.append((session["id"], label, [(line.minute, make_visible(line.text)) for line in lines]))
        plan_versions = self._plan_versions(client)
        plan_problems = [f"treatment {p}" for v in plan_versions for p in v.problems]
        self.failures += [p for p in plan_problems if p not in self.failures]
        self.record.audit(self.actor, "client record exported", subject=f"client:{client['id']}",
                          detail=f"{fmt}{' with private jottings' if include_private else ''}")
        return RecordsRequest(
            letterhead=self.letterhead, client=dict(client), exported_at=display_time(clock.now_iso(), zone=True),
            notes=notes, plan=plan, measures=queries.measures_of(self.record, client["id"]),
            risk=queries.risk_assessments_of(self.record, client["id"]), private=private,
            include_private=include_private,
            problems=list(verification["problems"]) + [p for p in plan_problems if p not in verification["problems"]],
            plan_versions=plan_versions)

    def _plan_versions(self, client: dict[str, Any]) -> list[PlanVersionView]:
        from ..domain.treatment_plan import verify_plan_versions

        rows = self.record.plan_versions(client["id"])
        verdicts = verify_plan_versions(rows, client_code=client["code"], trusted=self._signatures.trusted())
        return [PlanVersionView(int(r["version"]), r["signed_at"], make_visible(r["canonical_text"]), v.ok, v.label,
                                tuple(v.problems)) for r, v in zip(rows, verdicts)]

    def _notes_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        rows = self.record.query("SELECT * FROM progress_notes WHERE id IN (SELECT value FROM json_each(?))",
                                 (json.dumps(ids),))
        return {r["id"]: r for r in rows}

    def _addenda_of(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for row in self.record.query("SELECT * FROM addenda WHERE note_id IN (SELECT value FROM json_each(?)) "
                                     "ORDER BY id", (json.dumps(ids),)):
            out.setdefault(row["note_id"], []).append(row)
        return out

    def _client_json(self, code: str, include_private: bool) -> str:
        request = self.records_request(code, include_private=include_private, fmt="json")
        client, plan = request.client, request.plan
        notes = queries.signed_notes(self.record, client["id"])
        full = self._notes_by_id([n["id"] for n in notes])
        addenda = self._addenda_of([n["id"] for n in notes])
        # dumps escapes C0 controls itself; bidi and C1 controls it leaves raw
        return make_visible(json.dumps({
            "format": "hushpad-client-record", "version": 1, "exported_at": clock.now_iso(),
            "practice": _letterhead_json(request.letterhead),
            "client": {k: client[k] for k in ("code", "display_name", "date_of_birth")},
            "treatment_plan": {
                "diagnoses": [{"system": "ICD-10-CM", "code": d["code"], "title": d["title"],
                               "primary": bool(d["is_primary"]), "onset": d["onset"] or None,
                               "added": day(d["added_at"]), "removed": day(d["removed_at"]) or None}
                              for d in plan.get("diagnoses", [])],
                "problems": [{"description": p["description"], "status": p["status"]} for p in plan["problems"]],
                "review_due": self.record.plan_review_due(client["id"]),
                "goals": [{"number": g["ordinal"], "description": g["description"], "status": g["status"],
                           "objectives": [{"number": f"{g['ordinal']}.{o.get('ordinal')}", "description": o["description"],
                                           "status": o.get("status") or "active", "target_date": o.get("target_date"),
                                           "planned_interventions": [i["description"] for i in o["interventions"]]}
                                          for o in g["objectives"]],
                           "interventions": [i["description"] for i in g["interventions"] if i.get("objective_id") is None],
                           "progress": [{"date": d, "status": s, "evidence": e} for d, s, e in g["history"]]}
                          for g in plan["goals"]],
            },
            # Each signed version with its payload and signature: `hushpad verify FILE` checks them offline.
            "treatment_plan_versions": [
                {"version": v.version, "signed_at": v.signed_at, "text": v.text, "verified": v.ok,
                 "signature": (sig.stored_signed(row) or sig.Signed(b"", b"", b"")).to_json()}
                for v, row in zip(request.plan_versions, self.record.plan_versions(client["id"]))],
            "progress_notes": [{"note_id": n["id"], "date": day(n["started_at"]),
                                "session_number": view.session_number,
                                "text": self._plain_text(full[n["id"]], addenda.get(n["id"], [])),
                                "signed": self.note_document(n["id"])}
                               for n, view in zip(notes, request.notes)],
            "verification": {"status": sig.INVALID if self.failures else sig.VERIFIED,
                             "problems": list(self.failures), "notes": len(notes)},
            "measures": [{"date": day(m["administered_at"]), "instrument": m["instrument"], "total": m["total"],
                          "band": stored_band(m["instrument"], m["total"], m["items_json"]),  # custom: its stored bands
                          "display": measure_text(m["instrument"], m["total"], m["items_json"]),
                          "items": json.loads(m["items_json"]) if m["items_json"] else None}
                         for m in request.measures],
            "risk_assessments": [dict(r) for r in request.risk],
            **({"psychotherapy_notes": [{"session_id": sid, "session": label,
                                         "jottings": [{"minute": m, "text": t} for m, t in lines]}
                                        for sid, label, lines in request.private]} if include_private else {}),
        }, ensure_ascii=False, indent=2), keep="\n") + "\n"

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

        full = self._notes_by_id([row["id"] for row in notes])
        self._verdicts.update(verify_many(self.record, [n for n in full.values() if n["id"] not in self._verdicts],
                                          self._signatures.trusted(), set(self._signatures.supervisor_keys())))
        entries = []
        for row in notes:
            note = full.get(row["id"]) or {"id": row["id"]}
            if "canonical_text" in note:
                self.verdict(note)
            signed = sig.stored_signed(note)
            previous = json.loads(signed.payload).get("previous_note_hash") if signed else None
            entries.append((note.get("content_hash"), previous))
        self.failures += [p for p in sig.check_note_chain(entries) if p not in self.failures]
        return {"status": sig.INVALID if self.failures else sig.VERIFIED, "problems": list(self.failures),
                "notes": len(notes)}

    def _client_markdown(self, request: RecordsRequest) -> str:
        esc = escape_markdown
        client, plan = request.client, request.plan
        out = [f"# Records request: {esc(client['display_name'] or client['code'])}", ""]
        out += _markdown_lines(request.letterhead.lines())
        out += [f"- {label}: {esc(value)}" for label, value in client_identity(client)]
        out += [f"- Records: {request.date_range}", f"- Exported: {request.exported_at}",
                "- Included: " + "; ".join(request.contents),
                f"- Signatures: {'every note verified' if request.verified else sig.INVALID}", ""]
        out += ["## Treatment plan", ""]
        from .diagnoses import record_label

        out += [f"- Diagnosis (ICD-10-CM): {esc(record_label(d))}" for d in plan.get("diagnoses", [])]
        for problem in plan["problems"]:
            out.append(f"- Problem: {esc(problem['description'])} ({esc(problem['status'])})")
        for goal in plan["goals"]:
            out.append(f"- Goal {goal['ordinal']} ({goal['status']}): {esc(goal['description'])}")
            out += [f"{'  ' * depth}- {esc(line)}" for depth, line in objective_lines(goal)]
            out += [f"  - {d}: {s}{' (' + esc(e, indent='    ') + ')' if e else ''}" for d, s, e in goal["history"]]
        if not plan["problems"] and not plan["goals"] and not plan.get("diagnoses"):
            out.append("No treatment plan recorded.")
        out += ["", "### Signed treatment plan versions", ""]
        for version in request.plan_versions:
            out += [f"#### Version {version.version} · signed {day(version.signed_at)}", "",
                    ("" if version.ok else "**") + esc(version.label) + ("" if version.ok else "**"), "",
                    fenced(version.text.rstrip("\n")), ""]
        if not request.plan_versions:
            out += ["The treatment plan has not been signed.", ""]
        out += ["", "## Measures", ""]
        names, rows = request.measure_trend
        if rows:  # a table only when there is something in it
            out += ["| Date | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
            out += ["| " + " | ".join(row) + " |" for row in rows]
        else:
            out.append("No measures recorded.")
        out += ["", "## Risk assessments", ""]
        out += [f"- {day(r['assessed_at'])}: {esc(risk_text(r), indent='  ')}" for r in request.risk]
        if not request.risk:
            out.append("No risk assessments recorded.")
        out += ["", "## Progress notes", ""]
        if request.problems:
            out += [f"**{sig.INVALID}: this record does not match what was signed.**", ""]
            out += [f"- {esc(p)}" for p in request.problems] + [""]
        if not request.notes:
            out += ["No signed progress notes.", ""]
        for index, note in enumerate(request.notes, 1):
            out += [f"### Note {index} of {len(request.notes)}: {esc(note.label)} (note id {note.note_id})", ""]
            out += self._markdown_note(note, level=4) + [""]
        if request.include_private:
            out += ["## Psychotherapy notes (private; included on explicit request)", ""]
            for _sid, label, lines in request.private:
                out += [f"### {esc(label)}", "", fenced("\n".join(f"{m:>3}' {t}" for m, t in lines)), ""]
            if not request.private:
                out += ["No private jottings.", ""]
        out += [how_to_verify(f"hushpad export client {client['code']} --format json")]
        return make_visible("\n".join(out).rstrip("\n")) + "\n"


def _addendum_view(addendum: dict[str, Any]) -> AddendumView:
    who = addendum["signer"] + (f", {addendum['credentials']}" if addendum["credentials"] else "")
    return AddendumView(
        heading=f"ADDENDUM {display_time(addendum['created_at'], zone=True)} by {who}",
        body=make_visible(addendum["body"].rstrip()),
        seals=f"Amends: {addendum['amends_hash'][:16]}  Seal: {addendum['content_hash'][:16]}")


def _markdown_lines(lines: list[str]) -> list[str]:
    """Lines of one paragraph, each kept on its own line (hard breaks), then a blank line."""
    if not lines:
        return []
    escaped = [escape_markdown(line) for line in lines]
    return [line + "\\" for line in escaped[:-1]] + [escaped[-1], ""]


def _letterhead_json(letterhead: Letterhead) -> dict[str, str]:
    return {"name": letterhead.practice, "address": letterhead.address, "phone": letterhead.phone,
            "clinician": letterhead.clinician, "credentials": letterhead.credentials,
            "licence_number": letterhead.licence, "npi": letterhead.npi}
