"""Signing and verifying notes over an unlocked workspace.

Every view, export, ``doctor`` and ``hushpad verify`` reaches the one verify function
(``tui.domain.signature.verify_note``) through here or through the export file. This
module gathers the rows a note owns and decides which keys are trusted:

- this clinician's key, derived from the private key that the key-file wraps
  authenticate (never from a public key stored next to the data);
- registered supervisors, whose registration this clinician signed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain import signature as sig
from ..errors import HushpadError

if TYPE_CHECKING:
    from .workspace import Workspace


class SigningError(HushpadError):
    pass


class Signatures:
    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    @property
    def record(self):  # noqa: ANN201
        return self.workspace.record

    # -- keys ---------------------------------------------------------------------------
    def public_key(self) -> bytes:
        """This clinician's Ed25519 public key, derived from the unwrapped private key."""
        profile = self.workspace.profile
        if profile.can_sign:
            return sig.public_raw(profile.signing_seed())
        public = (profile.keyfile.public_keys or {}).get("ed25519")
        if not public:
            raise SigningError("This profile has no signing key yet; unlock it once with the keyring or passphrase.")
        return sig.unb64(public)

    def fingerprint(self) -> str:
        return sig.fingerprint(self.public_key())

    def exchange_public(self) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        key = X25519PrivateKey.from_private_bytes(self.workspace.profile.exchange_key())
        return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def pem_bundle(self) -> str:
        """The public keys to hand out: Ed25519 first (openssl reads the first block), then X25519."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

        out = sig.public_pem(self.public_key())
        try:
            x = X25519PublicKey.from_public_bytes(self.exchange_public())
            out += x.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        except HushpadError:
            pass
        return out

    def trusted(self) -> set[str]:
        return {self.fingerprint()}

    def seed(self) -> bytes:
        try:
            return self.workspace.profile.signing_seed()
        except HushpadError as exc:
            raise SigningError(str(exc)) from None

    # -- payloads -----------------------------------------------------------------------
    def note_payload(self, *, note_id: int, client: dict[str, Any], session: dict[str, Any], blocks: list[Any],
                     text: str, template: Any, facts: dict[str, Any], measures: list[dict[str, Any]],
                     risk: dict[str, Any] | None, signer: str, credentials: str, signed_at: str,
                     late_entry: bool, sections: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
        from ..storage.signing import audit_head

        previous = self.record.query_one(
            """SELECT n.content_hash FROM progress_notes n JOIN sessions s ON s.id = n.session_id
                WHERE s.client_id = ? AND n.status = 'signed' ORDER BY n.signed_at DESC, n.id DESC LIMIT 1""",
            (client["id"],))
        with self.record.lock:
            head = audit_head(self.record.conn)
        return sig.note_payload(
            note_id=note_id, client_code=client["code"], text=text, blocks=blocks,
            template={"key": template.key, "name": template.name},
            facts={**facts, "session": sig.session_fact(session)}, measures=measures, risk=risk,
            signer=signer, credentials=credentials, signed_at=signed_at, late_entry=late_entry,
            key_fingerprint=self.fingerprint(), previous_note_hash=previous["content_hash"] if previous else None,
            audit_head=head, sections=[list(s) for s in sections or []])

    def sign(self, payload: dict[str, Any]) -> sig.Signed:
        return sig.sign_payload(self.seed(), payload)

    def add_addendum(self, note_id: int, body: str, created: str) -> int:
        from ..domain.canonical import addendum_hash

        note = self.record.note(note_id)
        assert note is not None
        addenda = self.record.addenda(note_id)
        last = addenda[-1] if addenda else note
        amends = last["content_hash"]
        last_signed = sig.stored_signed(last)
        config = self.workspace.config
        signed = self.sign(sig.addendum_payload(
            note_id=note_id, amends=amends, amends_signed=last_signed.hash if last_signed else None, body=body,
            signer=config.signer, credentials=config.credentials, signed_at=created,
            key_fingerprint=self.fingerprint()))
        return self.record.add_addendum(
            note_id, body, config.signer, config.credentials, created, amends,
            addendum_hash(amends, body, created, config.signer), actor=config.signer,
            signed=(signed.payload.decode("utf-8"), signed.signature_b64, signed.public_b64),
            signing_seed=self.seed())

    # -- verify -------------------------------------------------------------------------
    def supervisor_keys(self) -> dict[str, dict[str, Any]]:
        """Registered supervisors whose registration this clinician signed, by fingerprint."""
        return supervisor_keys_of(self.record, self.public_key())

    def cosign_rows(self, note_id: int) -> list[dict[str, Any]]:
        return cosign_rows_of(self.record, note_id)

    def verify(self, note_id: int) -> sig.Verdict:
        note = self.record.note(note_id)
        if note is None:
            raise SigningError(f"No progress note with id {note_id}.")
        return self.verify_row(note)

    def verify_row(self, note: dict[str, Any], *, trusted: set[str] | None = None) -> sig.Verdict:
        return verify_stored(self.record, note, trusted if trusted is not None else self.trusted(),
                             set(self.supervisor_keys()))

    def export_block(self, note: dict[str, Any]) -> dict[str, Any]:
        """What an export carries so anyone can check it offline: every payload and signature."""
        out: dict[str, Any] = {"status": "", "note": None, "addenda": [], "cosignatures": []}
        signed = sig.stored_signed(note)
        if signed is not None:
            out["note"] = signed.to_json()
        else:
            out["note"] = {"algorithm": "sha256-only", "canonical_text": note["canonical_text"],
                           "content_hash": note["content_hash"]}
        for addendum in self.record.addenda(note["id"]):
            a = sig.stored_signed(addendum)
            out["addenda"].append(a.to_json() if a is not None else {
                "algorithm": "sha256-only", "body": addendum["body"], "created_at": addendum["created_at"],
                "signer": addendum["signer"], "amends_hash": addendum["amends_hash"],
                "content_hash": addendum["content_hash"]})
        for row in self.cosign_rows(note["id"]):
            if row["status"] != "awaiting":
                out["cosignatures"].append({"status": row["status"], **sig.Signed(
                    row["signed_payload"].encode("utf-8"), sig.unb64(row["signature"]),
                    sig.unb64(row["signer_key"])).to_json()})
        return out


# -- over a record store (the app's, or doctor's read-only one) ---------------------------
def supervisor_keys_of(record: Any, own_public: bytes) -> dict[str, dict[str, Any]]:
    out = {}
    for row in record.query("SELECT * FROM supervisors ORDER BY id"):
        try:
            reg = sig.Signed(row["registration"].encode("utf-8"), sig.unb64(row["registration_signature"]), own_public)
        except sig.PayloadError:
            continue
        if not sig.signature_ok(reg.public, reg.payload, reg.signature):
            continue  # not registered by this clinician: a substituted key is not trusted
        payload = json.loads(reg.payload)
        if payload.get("ed25519") != row["ed25519"] or payload.get("x25519") != row["x25519"]:
            continue
        out[sig.fingerprint(sig.unb64(row["ed25519"]))] = row
    return out


def cosign_rows_of(record: Any, note_id: int) -> list[dict[str, Any]]:
    rows = record.query("SELECT * FROM cosignatures WHERE note_id = ? ORDER BY id", (note_id,))
    responses = [r for r in rows if r["status"] != "awaiting"]
    if rows and rows[-1]["status"] == "awaiting":
        responses.append(rows[-1])
    return responses


def _legacy_signed(record: Any) -> set[str]:
    """Notes signed before the audit chain began ('note:N'). Those rows are bound into the
    chain (its first row carries their digest), so this set cannot grow unnoticed."""
    return {r["subject"] for r in record.query(
        "SELECT subject FROM audit_log WHERE row_hash IS NULL AND action = 'note signed'")}


def _hash_only_check(verdict: sig.Verdict, note: dict[str, Any], legacy: set[str]) -> sig.Verdict:
    """A note with only a hash seal is genuine only if it was signed before signatures began;
    otherwise it is a forgery by someone who could write the record but not sign."""
    if verdict.status == sig.HASH_ONLY and f"note:{note['id']}" not in legacy:
        return sig.Verdict(sig.INVALID, verdict.problems + [
            "the note has only a hash seal but was not signed before signatures began (it was inserted later)"])
    return verdict


def verify_stored(record: Any, note: dict[str, Any], trusted: set[str], supervisors: set[str]) -> sig.Verdict:
    """The one verify over a stored note and every row it owns."""
    if note.get("status") == "signed" and not note.get("signed_payload"):
        return _hash_only_check(_verify_stored(record, note, trusted, supervisors), note, _legacy_signed(record))
    return _verify_stored(record, note, trusted, supervisors)


def _verify_stored(record: Any, note: dict[str, Any], trusted: set[str], supervisors: set[str]) -> sig.Verdict:
    sid = note["session_id"]
    return sig.verify_note(
        note, record.addenda(note["id"]), trusted=trusted,
        measures=record.query("SELECT * FROM measure_scores WHERE session_id = ? ORDER BY id", (sid,)),
        risk=record.query("SELECT * FROM risk_assessments WHERE session_id = ? ORDER BY id", (sid,)),
        session=record.session(sid) or {}, cosignatures=cosign_rows_of(record, note["id"]), supervisors=supervisors,
        sections=record.query("SELECT key, title, body FROM note_sections WHERE note_id = ? ORDER BY ordinal",
                              (note["id"],)))


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


def verify_many(record: Any, notes: list[dict[str, Any]], trusted: set[str],
                supervisors: set[str]) -> dict[int, sig.Verdict]:
    """verify_stored for many notes with one query per table (doctor, a records request)."""
    ids = json.dumps([n["id"] for n in notes])
    sids = json.dumps([n["session_id"] for n in notes])
    in_ids, in_sids = "(SELECT value FROM json_each(?))", "(SELECT value FROM json_each(?))"
    addenda = _by(record.query(f"SELECT * FROM addenda WHERE note_id IN {in_ids} ORDER BY id", (ids,)), "note_id")
    measures = _by(record.query(f"SELECT * FROM measure_scores WHERE session_id IN {in_sids} ORDER BY id", (sids,)),
                   "session_id")
    risk = _by(record.query(f"SELECT * FROM risk_assessments WHERE session_id IN {in_sids} ORDER BY id", (sids,)),
               "session_id")
    sessions = {r["id"]: r for r in record.query(f"SELECT * FROM sessions WHERE id IN {in_sids}", (sids,))}
    sections = _by(record.query(f"SELECT note_id, key, title, body FROM note_sections WHERE note_id IN {in_ids} "
                                "ORDER BY note_id, ordinal", (ids,)), "note_id")
    cosigns = _by(record.query(f"SELECT * FROM cosignatures WHERE note_id IN {in_ids} ORDER BY id", (ids,)), "note_id")
    legacy = _legacy_signed(record)
    out = {}
    for note in notes:
        rows = cosigns.get(note["id"], [])
        responses = [r for r in rows if r["status"] != "awaiting"] + (
            [rows[-1]] if rows and rows[-1]["status"] == "awaiting" else [])
        sid = note["session_id"]
        out[note["id"]] = sig.verify_note(
            note, addenda.get(note["id"], []), trusted=trusted, measures=measures.get(sid, []),
            risk=risk.get(sid, []), session=sessions.get(sid) or {}, cosignatures=responses, supervisors=supervisors,
            sections=sections.get(note["id"], []))
        out[note["id"]] = _hash_only_check(out[note["id"]], note, legacy)
    return out


def check_record(record: Any, keyfile: Any, private: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """Doctor's signature checks: (level 'ok'|'FAIL'|'note', what, detail) lines.

    The trusted key is the one derived from the unwrapped private key; the public key in
    keys.json is only compared with it (a replaced one is reported)."""
    from ..storage import keys as keymod
    from ..storage.signing import verify_audit

    out: list[tuple[str, str, str]] = []
    listed = (keyfile.public_keys or {}).get("ed25519")
    seed = private.get(keymod.SIGNING)
    if seed is not None:
        public = sig.public_raw(bytes(seed))
        if listed and sig.unb64(listed) != public:
            out.append(("FAIL", "signing key", "the public key in keys.json is not this profile's signing key "
                        "(keys.json was edited); notes are checked against the wrapped key"))
        kinds = keymod.signing_kinds(keyfile)
        missing = {"device", "recovery", "passphrase"} & keyfile.kinds() - kinds
        out.append(("ok", "signing key", f"Ed25519 {sig.fingerprint(public)}, wrapped for {', '.join(sorted(kinds))}"))
        if missing:
            out.append(("note", "signing key", f"not yet wrapped for {', '.join(sorted(missing))}: run "
                        "`hushpad keys rotate --new-recovery-code` so a lost keyring does not lose it"))
    elif listed:
        public = sig.unb64(listed)
        out.append(("note", "signing key", f"Ed25519 {sig.fingerprint(public)} (as listed in keys.json; the private "
                    "key is not wrapped for this way of unlocking)"))
    else:
        out.append(("note", "signing key", "none yet (made on the next unlock)"))
        return out
    trusted = {sig.fingerprint(public)}
    supervisors = set(supervisor_keys_of(record, public))
    notes = record.query("SELECT * FROM progress_notes WHERE status = 'signed' ORDER BY id")
    counts = {sig.VERIFIED: 0, sig.HASH_ONLY: 0, sig.INVALID: 0}
    bad: list[str] = []
    by_client: dict[int, list[tuple[str, str | None]]] = {}
    verdicts = verify_many(record, notes, trusted, supervisors)
    clients = {r["id"]: r["client_id"] for r in record.query("SELECT id, client_id FROM sessions")}
    for note in notes:
        verdict = verdicts[note["id"]]
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
        if not verdict.ok:
            bad.append(f"note {note['id']}: {'; '.join(verdict.problems)}")
        by_client.setdefault(clients.get(note["session_id"], -1), []).append(
            (note["content_hash"], _previous_note_hash(note)))
    summary = (f"{len(notes)} signed notes: {counts[sig.VERIFIED]} verified, "
               f"{counts[sig.HASH_ONLY]} sealed (hash only), {counts[sig.INVALID]} SIGNATURE INVALID")
    out.append(("FAIL" if bad else "ok", "signatures", summary))
    out += [("FAIL", "signatures", line) for line in bad]
    chain = [p for entries in by_client.values() for p in sig.check_note_chain(entries)]
    # A note named in the audit log as signed must still be there.
    chain += _signed_notes_missing(record, {n["id"] for n in notes})
    out += [("FAIL", "note chain", p) for p in chain] or [("ok", "note chain", "no signed note is missing")]
    plans = _plan_version_problems(record, trusted)
    out += [("FAIL", "treatment plans", p) for p in plans] or [
        ("ok", "treatment plans", "every signed plan version verified")]
    rows, problems = verify_audit(record, trusted)
    problems += _audit_heads_missing(record, notes)
    out += [("FAIL", "audit log", p) for p in problems] or [("ok", "audit log", f"{rows} rows, hash chain and signed "
                                                                                 "heads intact")]
    index = _search_index_problems(record, notes)
    out += [("FAIL", "search index", p) for p in index] or [("ok", "search index", "matches the signed text")]
    return out


def _plan_version_problems(record: Any, trusted: set[str], client_id: int | None = None) -> list[str]:
    """Every client's signed plan versions through the one plan verify; a version the audit
    log says was signed must still be there."""
    from ..domain.treatment_plan import verify_plan_versions

    where = "WHERE id = ?" if client_id is not None else ""
    out: list[str] = []
    for client in record.query(f"SELECT id, code FROM clients {where}", (client_id,) if client_id is not None else ()):
        rows = record.plan_versions(client["id"])
        out += [f"{client['code']}: {p}" for v in verify_plan_versions(rows, client_code=client["code"], trusted=trusted)
                for p in v.problems]
        signed = record.query_one("SELECT count(*) AS n FROM audit_log WHERE action = 'plan signed' AND subject = ?",
                                  (f"client:{client['id']}",))["n"]
        if signed > len(rows):
            out.append(f"{client['code']}: the audit log records {signed} signed plan versions, "
                       f"but {len(rows)} are in the record")
    return out


# Notes per query of the chart's check. The record store has one lock, held for each whole query:
# for a 10,000-note client one query over all of them held it ~0.6 s, and a chart opened
# meanwhile (or any screen's query) waited for it.
INTEGRITY_CHUNK = 250


class CheckStopped(HushpadError):
    """The chart's check was stopped (its screen closed) before it finished; nothing is reported."""


def client_integrity(record: Any, client_id: int, trusted: set[str], supervisors: set[str],
                     stop: Callable[[], bool] = lambda: False) -> tuple[dict[int, list[str]], list[str]]:
    """What the chart shows of doctor's checks: ({note id: problems} for this client's notes
    that fail the one verify, record problems: a deleted note, the audit log, the search index).

    Reads the notes and verifies them INTEGRITY_CHUNK at a time, so the store's lock is free
    between queries; `stop` is asked between them, and a True (the chart's worker cancelled)
    ends the check with CheckStopped rather than reading on for seconds with no one to tell."""
    from ..storage.signing import verify_audit

    def go_on() -> None:
        if stop():
            raise CheckStopped("the check stopped: its chart was closed")

    notes = _client_signed_notes(record, client_id, go_on)
    invalid: dict[int, list[str]] = {}
    for start in range(0, len(notes), INTEGRITY_CHUNK):
        go_on()
        verdicts = verify_many(record, notes[start:start + INTEGRITY_CHUNK], trusted, supervisors)
        invalid.update({nid: v.problems for nid, v in verdicts.items() if not v.ok})
    go_on()
    problems = list(sig.check_note_chain([(n["content_hash"], _previous_note_hash(n)) for n in notes]))
    signed_ids = {r["id"] for r in record.query("SELECT id FROM progress_notes WHERE status = 'signed'")}
    problems += _signed_notes_missing(record, signed_ids)
    go_on()
    _, audit = verify_audit(record, trusted)
    go_on()
    audit += _audit_heads_missing(record, notes)
    problems += [f"audit log: {p}" for p in audit]
    go_on()
    problems += _search_index_problems(record, notes)
    go_on()
    problems += [f"treatment plan {p}" for p in _plan_version_problems(record, trusted, client_id)]
    return invalid, problems


def _client_signed_notes(record: Any, client_id: int, go_on: Callable[[], None]) -> list[dict[str, Any]]:
    """The client's signed notes, as one `ORDER BY n.id` query gives them, a page at a time.

    Paged on rowid (no lower bound on the first page: rowids may be negative). With the schema's
    INTEGER PRIMARY KEY, rowid is id, so the pages come in id order and a count shows none lost a
    row. Anything else (a table rebuilt by someone with the data key, with repeated or NULL ids
    or a "rowid" column of its own; a note signed meanwhile) is read in the one query, as before."""
    where = "FROM progress_notes n JOIN sessions s ON s.id = n.session_id WHERE n.status = 'signed' AND s.client_id = ?"
    query = f"SELECT n.rowid AS _page_rowid, n.* {where} {{after}}ORDER BY n.rowid LIMIT ?"
    go_on()
    page = record.query(query.format(after=""), (client_id, INTEGRITY_CHUNK))
    notes = list(page)
    while len(page) == INTEGRITY_CHUNK:
        go_on()
        page = record.query(query.format(after="AND n.rowid > ? "), (client_id, page[-1]["_page_rowid"],
                                                                      INTEGRITY_CHUNK))
        notes += page
    go_on()
    count = record.query(f"SELECT count(*) AS n {where}", (client_id,))[0]["n"]
    if count != len(notes) or not all(note.pop("_page_rowid") == note["id"] for note in notes):
        return record.query(f"SELECT n.* {where} ORDER BY n.id", (client_id,))
    return notes



def _previous_note_hash(note: dict[str, Any]) -> str | None:
    """The hash of the note before this one, as its signed payload names it (None if unsigned or unreadable)."""
    signed = sig.stored_signed(note)
    if signed is None:
        return None
    try:
        return json.loads(signed.payload).get("previous_note_hash")
    except json.JSONDecodeError:
        return None


def _signed_notes_missing(record: Any, signed_ids: set[int]) -> list[str]:
    """A note named in the audit log as signed must still be there."""
    present = {f"note:{i}" for i in signed_ids}
    return [f"{row['subject'].replace(':', ' ')} was signed (audit log) but is no longer in the record"
            for row in record.query("SELECT DISTINCT subject FROM audit_log WHERE action = 'note signed'")
            if row["subject"] not in present]


def _audit_heads_missing(record: Any, notes: list[dict[str, Any]]) -> list[str]:
    """Each signed note names the audit row it saw as the head: that row must be there, unchanged."""
    from ..storage.signing import note_audit_heads

    by_id = {r["id"]: r["row_hash"] for r in record.query("SELECT id, row_hash FROM audit_log")}
    return [f"note {head['note_id']} names audit row {head['audit_id']}, which is gone or changed "
            "(the log was truncated or edited)"
            for head in note_audit_heads(notes) if by_id.get(head["audit_id"]) != head["row_hash"]]

def _search_index_problems(record: Any, notes: list[dict[str, Any]]) -> list[str]:
    """FTS5 tables take no triggers, so the index is compared with the signed text here."""
    problems = []
    indexed = _by(record.query("SELECT note_id, body, kind FROM note_search"), "note_id")
    addenda = _by(record.query("SELECT note_id, body FROM addenda"), "note_id")
    for note in notes:
        rows = indexed.get(note["id"], []) if isinstance(note["id"], int) else []
        rows = rows or indexed.get(str(note["id"]), [])
        expected = sorted([("note", note["canonical_text"])] + [("addendum", a["body"]) for a in addenda.get(note["id"], [])])
        if sorted((r["kind"], r["body"]) for r in rows) != expected:
            problems.append(f"the search index for note {note['id']} differs from what was signed")
    return problems


# -- offline: checking an exported file ------------------------------------------------
def _rows_from_note_document(doc: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Rebuild the rows verify_note compares, from what the export SHOWS (text, facts,
    addenda) plus the signatures it carries: an edit to either side is found."""
    sigs = doc.get("signatures") or {}

    def signed_columns(block: Any) -> dict[str, Any]:
        if not isinstance(block, dict) or block.get("algorithm") != sig.ALGORITHM:
            return {}
        try:
            signed = sig.Signed.from_json(block)
            return {"signed_payload": signed.payload.decode("utf-8"), "signature": signed.signature_b64,
                    "signer_key": signed.public_b64}
        except (sig.PayloadError, UnicodeDecodeError):
            return {"signed_payload": "\x00", "signature": "", "signer_key": ""}

    note = {"id": doc.get("note_id"), "status": "signed", "canonical_text": doc.get("text"),
            "content_hash": doc.get("content_hash"), "signer": doc.get("signer"), "signed_at": doc.get("signed_at"),
            **signed_columns(sigs.get("note"))}
    addenda = []
    blocks = sigs.get("addenda") or []
    for index, shown in enumerate(doc.get("addenda") or []):
        addenda.append({**shown, **signed_columns(blocks[index] if index < len(blocks) else None)})
    if len(blocks) != len(doc.get("addenda") or []):
        addenda.append({"amends_hash": "(an addendum's signature has no addendum, or one is missing)"})
    owned = {
        "measures": [{"instrument": m.get("instrument"), "total": m.get("total"),
                      "items_json": json.dumps(m["items"]) if m.get("items") else None} for m in doc.get("measures") or []],
        "risk": list(doc.get("risk") or []),
        "session": doc.get("session") or {},
        "cosignatures": [{"status": c.get("status"), "signed_payload": sig.unb64(c.get("payload")).decode("utf-8"),
                          "signature": c.get("signature"), "signer_key": c.get("public_key")}
                         for c in sigs.get("cosignatures") or []],
    }
    return note, addenda, owned


def verify_note_document(doc: dict[str, Any], trusted: set[str] | None) -> sig.Verdict:
    try:
        note, addenda, owned = _rows_from_note_document(doc)
        return sig.verify_note(note, addenda, trusted=trusted, measures=owned["measures"], risk=owned["risk"],
                               session=owned["session"], cosignatures=owned["cosignatures"], supervisors=None)
    except (sig.PayloadError, KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError) as exc:
        return sig.Verdict(sig.INVALID, [f"the export is damaged ({type(exc).__name__})"])


def verify_document(doc: Any, trusted: set[str] | None) -> tuple[bool, list[str]]:
    """Check an exported note (``hushpad-note``) or records request (``hushpad-client-record``).

    Returns (ok, lines to print). Offline: needs no profile. With ``trusted`` (fingerprints
    of the keys given with --key) any other signer fails; without it the signer's
    fingerprint is printed, to be compared with the one the clinician published.
    """
    if not isinstance(doc, dict):
        return False, ["SIGNATURE INVALID: not a Hushpad export"]
    if doc.get("format") == "hushpad-note":
        notes = [doc]
    elif doc.get("format") == "hushpad-client-record":
        notes = [entry.get("signed") for entry in doc.get("progress_notes") or []]
        if any(not isinstance(n, dict) for n in notes):
            return False, ["SIGNATURE INVALID: a progress note in this record carries no signature"]
    else:
        return False, ["SIGNATURE INVALID: not a Hushpad note or records export (use the JSON export)"]
    lines: list[str] = []
    ok = True
    keys: set[str] = set()
    chain: list[tuple[str, str | None]] = []
    signed_measures: list[Any] = []
    signed_risk: list[Any] = []
    for note_doc in notes:
        verdict = verify_note_document(note_doc, trusted)
        reported = (note_doc.get("verification") or {}).get("status")
        if reported == sig.INVALID and verdict.ok:  # the exporting Hushpad already saw a problem
            verdict = sig.Verdict(sig.INVALID, ["the Hushpad that exported it found: "
                                                + "; ".join((note_doc.get("verification") or {}).get("problems") or [])],
                                  verdict.fingerprint)
        label = f"note {note_doc.get('note_id')} ({str(note_doc.get('signed_at') or '')[:10]})"
        if verdict.ok:
            lines.append(f"ok    {label}: {verdict.label}")
        else:
            ok = False
            lines.append(f"FAIL  {label}: {verdict.label}")
        lines += [f"      {c}" for c in verdict.cosign]
        if verdict.fingerprint:
            keys.add(verdict.fingerprint)
        block = (note_doc.get("signatures") or {}).get("note") or {}
        previous = None
        if block.get("algorithm") == sig.ALGORITHM:
            try:
                payload = json.loads(sig.unb64(block.get("payload")))
                previous = payload.get("previous_note_hash")
                signed_measures += [json.dumps(m, sort_keys=True) for m in payload.get("measures") or []]
                if payload.get("risk"):
                    signed_risk.append(json.dumps(payload["risk"], sort_keys=True))
            except (sig.PayloadError, ValueError, AttributeError):
                pass
        chain.append((str(note_doc.get("content_hash")), previous))
    problems = sig.check_note_chain(chain)
    if doc.get("format") == "hushpad-client-record":
        for m in doc.get("measures") or []:
            fact = json.dumps({"instrument": m.get("instrument"), "total": m.get("total"), "items": m.get("items")},
                              sort_keys=True)
            if fact in signed_measures:
                signed_measures.remove(fact)
            else:
                problems.append(f"a measure score ({m.get('date')}) is not what any signed note recorded")
        for r in doc.get("risk_assessments") or []:
            fact = json.dumps(sig.risk_fact(r), sort_keys=True)
            if fact in signed_risk:
                signed_risk.remove(fact)
            else:
                problems.append(f"a risk assessment ({str(r.get('assessed_at'))[:10]}) is not what any signed note recorded")
    if doc.get("format") == "hushpad-client-record":
        from ..domain.treatment_plan import rows_from_export, verify_plan_versions

        blocks = [b for b in doc.get("treatment_plan_versions") or [] if isinstance(b, dict)]
        code = str((doc.get("client") or {}).get("code") or "")
        for verdict in verify_plan_versions(rows_from_export(blocks), client_code=code, trusted=trusted):
            if verdict.ok:
                lines.append(f"ok    {verdict.label}")
                keys.add(verdict.fingerprint)
            else:
                ok = False
                lines.append(f"FAIL  {verdict.label}")
    for problem in problems:
        ok = False
        lines.append(f"FAIL  record: SIGNATURE INVALID: {problem}")
    if keys:
        lines.append("Signer key fingerprint(s): " + ", ".join(sorted(keys))
                     + ("" if trusted else "  (compare with the fingerprint the clinician published)"))
    lines.append(f"{len(notes)} note(s) checked: " + ("all verify." if ok else "SIGNATURE INVALID."))
    return ok, lines


def load_public_keys(pem: bytes) -> tuple[bytes, bytes | None]:
    """(Ed25519, X25519 or None) raw public keys from a PEM bundle."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    ed = x = None
    text = pem.decode("ascii", "replace")
    for part in text.split("-----END PUBLIC KEY-----")[:-1]:
        block = part[part.find("-----BEGIN PUBLIC KEY-----"):] + "-----END PUBLIC KEY-----\n"
        try:
            key = serialization.load_pem_public_key(block.encode("ascii"))
        except ValueError:
            raise SigningError("The key file holds a PEM block that is not a public key.") from None
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if isinstance(key, Ed25519PublicKey) and ed is None:
            ed = raw
        elif isinstance(key, X25519PublicKey) and x is None:
            x = raw
    if ed is None:
        raise SigningError("The key file holds no Ed25519 public key (expected `hushpad keys show --pem` output).")
    return ed, x


# -- review files: X25519 + HKDF-SHA256 + AES-256-GCM ---------------------------------
REVIEW_FORMAT = "hushpad-review"
RESPONSE_FORMAT = "hushpad-review-response"


def seal_to(recipient_x25519: bytes, plaintext: bytes, header: dict[str, Any]) -> dict[str, Any]:
    """Encrypt to a recipient's X25519 key with a fresh ephemeral key; the header is bound as AAD."""
    import secrets

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_x25519))
    key = HKDF(hashes.SHA256(), 32, salt=eph_pub + recipient_x25519, info=b"hushpad review v1").derive(shared)
    nonce = secrets.token_bytes(12)
    head = {**header, "ephemeral": sig.b64(eph_pub), "recipient": sig.b64(recipient_x25519)}
    ct = AESGCM(key).encrypt(nonce, plaintext, sig.canonical_bytes(head))
    return {**head, "nonce": sig.b64(nonce), "ciphertext": sig.b64(ct)}


def open_sealed(private_x25519: bytes, doc: dict[str, Any]) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    me = X25519PrivateKey.from_private_bytes(private_x25519)
    my_pub = me.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        head = {k: v for k, v in doc.items() if k not in ("nonce", "ciphertext")}
        if sig.unb64(head.get("recipient")) != my_pub:
            raise SigningError("This file was encrypted to someone else's key, not to this profile.")
        eph = sig.unb64(head["ephemeral"])
        shared = me.exchange(X25519PublicKey.from_public_bytes(eph))
        key = HKDF(hashes.SHA256(), 32, salt=eph + my_pub, info=b"hushpad review v1").derive(shared)
        return AESGCM(key).decrypt(sig.unb64(doc["nonce"]), sig.unb64(doc["ciphertext"]), sig.canonical_bytes(head))
    except (InvalidTag, KeyError, ValueError, sig.PayloadError):
        raise SigningError("The review file is damaged or was altered; it does not decrypt.") from None


class Reviews:
    """Supervisor co-signature without a server: encrypted review files both ways."""

    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.signatures = Signatures(workspace)

    @property
    def record(self):  # noqa: ANN201
        return self.workspace.record

    def _now(self) -> str:
        from datetime import datetime

        return datetime.now().astimezone().isoformat(timespec="seconds")

    # -- the associate's side -------------------------------------------------------------
    def add_supervisor(self, name: str, pem: bytes) -> str:
        from .workspace import clean_text

        name = clean_text(name, 120, "supervisor's name")
        if not name:
            raise SigningError("A supervisor needs a name.")
        ed, x = load_public_keys(pem)
        if x is None:
            raise SigningError("The key file has no X25519 key, so review files cannot be encrypted to it. "
                               "Ask for the output of `hushpad keys show --pem`.")
        fp = sig.fingerprint(ed)
        if fp == self.signatures.fingerprint():
            raise SigningError("That is your own key; a supervisor's key comes from their own Hushpad.")
        added = self._now()
        registration = sig.sign_payload(self.signatures.seed(), {
            "format": sig.PAYLOAD_FORMAT, "version": sig.PAYLOAD_VERSION, "kind": "supervisor", "name": name,
            "ed25519": sig.b64(ed), "x25519": sig.b64(x), "added_at": added,
            "key_fingerprint": self.signatures.fingerprint()})
        with self.record.transaction() as conn:
            if conn.execute("SELECT 1 FROM supervisors WHERE name = ?", (name,)).fetchone():
                raise SigningError(f"A supervisor called {name!r} is already registered.")
            conn.execute(
                """INSERT INTO supervisors (name, ed25519, x25519, fingerprint, added_at, registration,
                                            registration_signature) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (name, sig.b64(ed), sig.b64(x), fp, added, registration.payload.decode("utf-8"),
                 registration.signature_b64))
            self.record.audit_in(conn, self.workspace.config.signer, "supervisor registered", subject=f"key:{fp}")
        return fp

    def supervisor(self, name: str) -> dict[str, Any]:
        for row in self.signatures.supervisor_keys().values():
            if row["name"].lower() == name.strip().lower():
                return row
        raise SigningError(f"No registered supervisor called {name!r}. Add one with `hushpad supervisor add`.")

    def export_review(self, note_id: int, supervisor_name: str) -> bytes:
        sup = self.supervisor(supervisor_name)
        note = self.record.note(note_id)
        if note is None or note["status"] != "signed":
            raise SigningError(f"Note {note_id} is not a signed note.")
        verdict = self.signatures.verify_row(note)
        if verdict.status != sig.VERIFIED:
            raise SigningError(f"Only a note with a verified Ed25519 signature can go for co-signature ({verdict.label}).")
        signed = sig.stored_signed(note)
        assert signed is not None
        config = self.workspace.config
        inner = sig.canonical_bytes({
            "note": signed.to_json(), "associate": {"name": config.signer, "credentials": config.credentials,
                                                    "x25519": sig.b64(self.signatures.exchange_public())}})
        header = {"format": REVIEW_FORMAT, "version": 1, "note_id": note_id, "from": self.signatures.fingerprint(),
                  "to": sup["fingerprint"]}
        doc = seal_to(sig.unb64(sup["x25519"]), inner, header)
        with self.record.transaction() as conn:
            conn.execute("INSERT INTO cosignatures (note_id, supervisor, status, at) VALUES (?, ?, 'awaiting', ?)",
                         (note_id, sup["name"], self._now()))
            self.record.audit_in(conn, config.signer, "note sent for co-signature", subject=f"note:{note_id}")
        return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")

    def import_response(self, data: bytes) -> str:
        doc = _json_file(data, RESPONSE_FORMAT)
        inner = json.loads(open_sealed(self.workspace.profile.exchange_key(), doc))
        cosigned = sig.Signed.from_json(inner.get("cosignature"))
        supervisors = self.signatures.supervisor_keys()
        problems: list[str] = []
        payload = sig._check_signed(cosigned, "the countersignature", set(supervisors), problems)
        if payload is None or problems:
            raise SigningError("The response does not verify: " + "; ".join(problems))
        note_id = doc.get("note_id")
        note = self.record.note(int(note_id)) if isinstance(note_id, int) else None
        signed = sig.stored_signed(note) if note else None
        if signed is None or payload.get("kind") != "cosignature" or payload.get("note_hash") != signed.hash:
            raise SigningError("The response is for a note, or a version of one, that is not in this record.")
        status = payload["decision"]
        with self.record.transaction() as conn:
            conn.execute(
                """INSERT INTO cosignatures (note_id, supervisor, status, at, signed_payload, signature, signer_key)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (note["id"], payload.get("supervisor", ""), status, self._now(), cosigned.payload.decode("utf-8"),
                 cosigned.signature_b64, cosigned.public_b64))
            self.record.audit_in(conn, self.workspace.config.signer, f"co-signature {status}", subject=f"note:{note['id']}")
        verdict = self.signatures.verify_row(note)
        return verdict.cosign[-1] if verdict.cosign else status

    def awaiting(self) -> list[dict[str, Any]]:
        """Notes sent for co-signature with no answer yet (the latest review row is 'awaiting')."""
        return self.record.query(
            """SELECT c.note_id, c.supervisor, c.at AS sent_at, cl.code AS client_code, s.started_at
                 FROM cosignatures c
                 JOIN progress_notes n ON n.id = c.note_id JOIN sessions s ON s.id = n.session_id
                 JOIN clients cl ON cl.id = s.client_id
                WHERE c.status = 'awaiting'
                  AND c.id = (SELECT max(c2.id) FROM cosignatures c2 WHERE c2.note_id = c.note_id)
                ORDER BY c.at""")

    # -- the supervisor's side ------------------------------------------------------------
    def open_review(self, data: bytes) -> dict[str, Any]:
        """Decrypt a review file sent to this profile and check the associate's signature."""
        doc = _json_file(data, REVIEW_FORMAT)
        inner = json.loads(open_sealed(self.workspace.profile.exchange_key(), doc))
        signed = sig.Signed.from_json(inner.get("note"))
        problems: list[str] = []
        payload = sig._check_signed(signed, "the note", None, problems)
        if payload is not None and payload.get("kind") != "note":
            problems.append("the file holds no progress note")
        if payload is not None and sig.fingerprint(signed.public) != doc.get("from"):
            problems.append("the note was signed by a key other than the sender's")
        return {"header": doc, "signed": signed, "payload": payload or {}, "problems": problems,
                "associate": inner.get("associate") or {}}

    def respond(self, review: dict[str, Any], decision: str, comment: str = "") -> bytes:
        if review["problems"]:
            raise SigningError("The associate's signature does not verify; it cannot be countersigned: "
                               + "; ".join(review["problems"]))
        if decision == "returned" and not comment.strip():
            raise SigningError("Say what needs changing when returning a note.")
        config = self.workspace.config
        signed: sig.Signed = review["signed"]
        cosign = self.signatures.sign(sig.cosign_payload(
            note_hash=signed.hash, decision=decision, comment=comment.strip(), supervisor=config.signer,
            credentials=config.credentials, signed_at=self._now(), key_fingerprint=self.signatures.fingerprint(),
            signer_fingerprint=sig.fingerprint(signed.public)))
        header = {"format": RESPONSE_FORMAT, "version": 1, "note_id": review["header"].get("note_id"),
                  "from": self.signatures.fingerprint(), "to": review["header"].get("from")}
        x = sig.unb64(review["associate"].get("x25519"))
        doc = seal_to(x, sig.canonical_bytes({"cosignature": cosign.to_json()}), header)
        self.record.audit(config.signer, f"review {decision}", subject=f"key:{review['header'].get('from')}")
        return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _json_file(data: bytes, fmt: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SigningError("That file is not a Hushpad review file (not JSON).") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt or doc.get("version") != 1:
        raise SigningError(f"That file is not a {fmt} file.")
    return doc
