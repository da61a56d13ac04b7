"""Signed notes: the canonical signed payload, Ed25519 signatures, and the ONE verify.

A signed note is a JSON payload (sorted keys, no spaces, UTF-8, no floats, a version
field) holding the canonical text, the layout blocks every rendering is drawn from,
and the structured facts other screens and exports read (session facts, CPT,
measures with items, risk statement). The Ed25519 signature is over exactly those
payload bytes, so a third party can check it with openssl alone:

    openssl pkeyutl -verify -pubin -inkey signer.pem -rawin -in note.payload -sigfile note.sig

An addendum is a payload of its own, over the hash of what it amends (the note's
payload hash, or the previous addendum's). A countersignature is a payload over the
note's payload hash. Pure logic: no I/O, no storage.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


PAYLOAD_FORMAT = "hushpad-signed"
PAYLOAD_VERSION = 1
ALGORITHM = "Ed25519"

KEY_LINE = "Signer key (Ed25519)"  # the line of the signed text that names the key
VERIFIED = "verified"
HASH_ONLY = "sealed (hash only)"
INVALID = "SIGNATURE INVALID"
UNSIGNED = "draft"


class PayloadError(ValueError):
    """A payload that is not canonical, or not a Hushpad payload."""


# -- canonical bytes ----------------------------------------------------------------
def _check(value: Any, where: str = "payload") -> None:
    if isinstance(value, float):
        raise PayloadError(f"{where}: floats are not allowed in a signed payload")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise PayloadError(f"{where}: keys must be strings")
            _check(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")
    elif not (value is None or isinstance(value, (str, int, bool))):
        raise PayloadError(f"{where}: {type(value).__name__} is not allowed in a signed payload")


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    """The one byte form of a payload: sorted keys, no whitespace, UTF-8, no floats."""
    _check(payload)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _no_float(value: str) -> Any:
    raise PayloadError("floats are not allowed in a signed payload")


def parse_payload(data: bytes) -> dict[str, Any]:
    """Read payload bytes; refuses anything that is not exactly canonical."""
    try:
        payload = json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PayloadError("the signed payload is not UTF-8 JSON") from None
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        raise PayloadError("not a Hushpad signed payload")
    if payload.get("version") != PAYLOAD_VERSION:
        raise PayloadError(f"signed payload version {payload.get('version')!r} is not one this Hushpad reads")
    # No float can be in it (refused while parsing), so the plain dump is the canonical form.
    if json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") != data:
        raise PayloadError("the signed payload is not in canonical form")
    return payload


def payload_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- keys -----------------------------------------------------------------------------
def fingerprint(public_raw: bytes) -> str:
    """A short, read-aloud fingerprint: 80 bits of SHA-256 in base32, four groups of four."""
    digest = base64.b32encode(hashlib.sha256(b"hushpad-key-v1:" + public_raw).digest()[:10]).decode()
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def public_raw(private_seed: bytes) -> bytes:
    key = Ed25519PrivateKey.from_private_bytes(bytes(private_seed))
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign_bytes(private_seed: bytes, data: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes(private_seed)).sign(data)


def signature_ok(public: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_pem(public: bytes) -> str:
    return Ed25519PublicKey.from_public_bytes(public).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise PayloadError("a signature field is not valid base64") from None


# -- payloads -------------------------------------------------------------------------
def note_payload(*, note_id: int, client_code: str, text: str, blocks: list[Any], template: dict[str, str],
                 facts: dict[str, Any], measures: list[dict[str, Any]], risk: dict[str, Any] | None,
                 signer: str, credentials: str, signed_at: str, late_entry: bool, key_fingerprint: str,
                 previous_note_hash: str | None, audit_head: dict[str, Any] | None,
                 sections: list[list[str]] | None = None) -> dict[str, Any]:
    """``sections`` are the note_sections rows as [key, title, body]: signed, so a per-section
    reader (a PDF or FHIR export) can take them from note_sections once verify has passed."""
    return {
        "sections": [list(s) for s in sections or []],
        "format": PAYLOAD_FORMAT, "version": PAYLOAD_VERSION, "kind": "note",
        "note_id": note_id, "client_code": client_code, "text": text, "blocks": _jsonable(blocks),
        "template": template, "facts": facts, "measures": measures, "risk": risk,
        "signer": signer, "credentials": credentials, "signed_at": signed_at, "late_entry": bool(late_entry),
        "key_fingerprint": key_fingerprint, "previous_note_hash": previous_note_hash, "audit_head": audit_head,
    }


def addendum_payload(*, note_id: int, amends: str, amends_signed: str | None, body: str, signer: str,
                     credentials: str, signed_at: str, key_fingerprint: str) -> dict[str, Any]:
    """``amends`` is the hash seal of what it amends; ``amends_signed`` the hash of that
    one's signed payload (so the chain covers the note's structured facts too)."""
    return {
        "format": PAYLOAD_FORMAT, "version": PAYLOAD_VERSION, "kind": "addendum", "note_id": note_id,
        "amends": amends, "amends_signed": amends_signed, "body": body, "signer": signer, "credentials": credentials, "signed_at": signed_at,
        "key_fingerprint": key_fingerprint,
    }


def cosign_payload(*, note_hash: str, decision: str, comment: str, supervisor: str, credentials: str,
                   signed_at: str, key_fingerprint: str, signer_fingerprint: str) -> dict[str, Any]:
    if decision not in ("cosigned", "returned"):
        raise PayloadError("a review decision is cosigned or returned")
    return {
        "format": PAYLOAD_FORMAT, "version": PAYLOAD_VERSION, "kind": "cosignature", "note_hash": note_hash,
        "decision": decision, "comment": comment, "supervisor": supervisor, "credentials": credentials,
        "signed_at": signed_at, "key_fingerprint": key_fingerprint, "signer_fingerprint": signer_fingerprint,
    }


def audit_head_payload(*, audit_id: int, row_hash: str, signed_at: str, key_fingerprint: str) -> dict[str, Any]:
    return {"format": PAYLOAD_FORMAT, "version": PAYLOAD_VERSION, "kind": "audit-head", "audit_id": audit_id,
            "row_hash": row_hash, "signed_at": signed_at, "key_fingerprint": key_fingerprint}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Signed:
    """One payload and its signature, as stored and exported."""

    payload: bytes
    signature: bytes
    public: bytes

    @property
    def hash(self) -> str:
        return payload_hash(self.payload)

    @property
    def signature_b64(self) -> str:
        return b64(self.signature)

    @property
    def public_b64(self) -> str:
        return b64(self.public)

    def to_json(self) -> dict[str, str]:
        return {"algorithm": ALGORITHM, "payload": b64(self.payload), "signature": b64(self.signature),
                "public_key": b64(self.public), "public_key_pem": public_pem(self.public) if self.public else "",
                "fingerprint": fingerprint(self.public) if self.public else "",
                "payload_sha256": self.hash}

    @classmethod
    def from_json(cls, doc: Any) -> "Signed":
        if not isinstance(doc, dict) or doc.get("algorithm") != ALGORITHM:
            raise PayloadError("a signature block is missing or not Ed25519")
        return cls(unb64(doc.get("payload")), unb64(doc.get("signature")), unb64(doc.get("public_key")))


def sign_payload(private_seed: bytes, payload: dict[str, Any]) -> Signed:
    data = canonical_bytes(payload)
    return Signed(data, sign_bytes(private_seed, data), public_raw(private_seed))


# -- the one verify -------------------------------------------------------------------
@dataclass
class Verdict:
    """What a note's seal says. ``status`` is VERIFIED, HASH_ONLY, INVALID or UNSIGNED."""

    status: str
    problems: list[str] = field(default_factory=list)
    fingerprint: str = ""
    note_hash: str = ""
    cosign: list[str] = field(default_factory=list)  # "co-signed by … on …" / "returned: …"
    awaiting_cosign: bool = False

    @property
    def ok(self) -> bool:
        return self.status in (VERIFIED, HASH_ONLY, UNSIGNED)

    @property
    def note_ok(self) -> bool:
        """No problem with the note itself (its text, facts, signature, countersignature)."""
        return not [p for p in self.problems if not p.startswith("addendum")]

    @property
    def addenda_ok(self) -> bool:
        return not [p for p in self.problems if p.startswith("addendum")]

    @property
    def label(self) -> str:
        if self.status == VERIFIED:
            return f"Signature verified (Ed25519, key {self.fingerprint})"
        if self.status == HASH_ONLY:
            return "Sealed (hash only): signed before Ed25519 signatures; the text matches its SHA-256 seal"
        if self.status == UNSIGNED:
            return "Draft (not signed)"
        return "SIGNATURE INVALID: " + "; ".join(self.problems)


def _fail(problems: list[str], what: str) -> None:
    if what not in problems:
        problems.append(what)


def _check_signed(signed: Signed, what: str, trusted: set[str] | None, problems: list[str]) -> dict[str, Any] | None:
    """Signature, canonical form and key trust of one payload; None when it cannot be read."""
    if not signature_ok(signed.public, signed.payload, signed.signature):
        _fail(problems, f"{what}: the Ed25519 signature does not match")
        return None
    try:
        payload = parse_payload(signed.payload)
    except PayloadError as exc:
        _fail(problems, f"{what}: {exc}")
        return None
    fp = fingerprint(signed.public)
    if payload.get("key_fingerprint") != fp:
        _fail(problems, f"{what}: signed by key {fp} but names key {payload.get('key_fingerprint')}")
    if trusted is not None and fp not in trusted:
        _fail(problems, f"{what}: signed by key {fp}, which is not this clinician's key")
    return payload


check_signed = _check_signed  # public name for the other signed kinds (treatment plans)


def stored_signed(row: dict[str, Any]) -> Signed | None:
    """The signature columns of a note or addendum row (None for hash-only rows)."""
    if not row.get("signed_payload"):
        return None
    try:
        return Signed(row["signed_payload"].encode("utf-8"), unb64(row.get("signature") or ""),
                      unb64(row.get("signer_key") or ""))
    except (PayloadError, AttributeError):
        return Signed(b"", b"", b"")


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def verify_note(note: dict[str, Any], addenda: list[dict[str, Any]], *, trusted: set[str] | None,
                measures: list[dict[str, Any]] | None = None, risk: list[dict[str, Any]] | None = None,
                session: dict[str, Any] | None = None, cosignatures: list[dict[str, Any]] | None = None,
                supervisors: set[str] | None = None, sections: list[dict[str, Any]] | None = None) -> Verdict:
    """Check a note, everything it owns, its addenda and countersignatures.

    ``note`` and ``addenda`` are rows as stored (or as carried in an export). ``trusted``
    is the set of key fingerprints that may sign (None: any key, reported by
    fingerprint, for offline checks of an export that carries its key). The structured
    rows (``measures``, ``risk``, ``session``) are compared with what was signed when
    given. Never raises on bad data: every problem lands in the verdict.
    """
    # Here, not at the top: canonical pulls in models, lint, templates and billing, and the
    # audit chain (canonical_bytes, on every audited save) needs none of them (issue 14).
    from .canonical import addendum_hash, content_hash

    problems: list[str] = []
    if note.get("status") != "signed":
        return Verdict(UNSIGNED)
    text = note.get("canonical_text") or ""
    if content_hash(text) != (note.get("content_hash") or ""):
        _fail(problems, "the note text no longer matches its SHA-256 seal")
    signed = stored_signed(note)
    fp = ""
    head = ""  # the signed payload's hash: what a countersignature is over
    if signed is None:
        status = HASH_ONLY
    else:
        status = VERIFIED
        head = signed.hash
        fp = fingerprint(signed.public) if signed.public else ""
        payload = _check_signed(signed, "the note", trusted, problems)
        if payload is not None:
            if payload.get("kind") != "note" or payload.get("note_id") != note.get("id"):
                _fail(problems, "the signed payload belongs to another note")
            if payload.get("text") != text:
                _fail(problems, "the note text differs from what was signed")
            named = [line.split(":", 1)[1].strip() for line in text.splitlines()
                     if line.startswith(KEY_LINE + ":")]
            if named and named[-1] != fp:
                _fail(problems, f"the note names signer key {named[-1]} but was signed by key {fp}")
            for column in ("signer", "signed_at"):
                if payload.get(column) != note.get(column):
                    _fail(problems, f"the note's {column.replace('_', ' ')} differs from what was signed")
            if measures is not None and not _same(payload.get("measures"), [measure_fact(m) for m in measures]):
                _fail(problems, "the measure scores differ from what was signed")
            if risk is not None:
                stored_risk = risk_fact(risk[0]) if len(risk) == 1 else (None if not risk else "several")
                if not _same(payload.get("risk"), stored_risk):
                    _fail(problems, "the risk assessment differs from what was signed")
            if session is not None and not _same((payload.get("facts") or {}).get("session"), session_fact(session)):
                _fail(problems, "the session's date, times or setting differ from what was signed")
            if sections is not None and "sections" in payload and not _same(
                    payload["sections"], [[r["key"], r["title"], r["body"]] for r in sections]):
                _fail(problems, "the note's sections differ from what was signed")
    previous = note.get("content_hash") or ""
    previous_signed = head or None
    for index, addendum in enumerate(addenda, start=1):
        what = f"addendum {index}"
        if addendum.get("amends_hash") != previous:
            _fail(problems, f"{what} does not amend what precedes it (an addendum was removed, reordered or forged)")
        expected = addendum_hash(addendum.get("amends_hash") or "", addendum.get("body") or "",
                                 addendum.get("created_at") or "", addendum.get("signer") or "")
        if addendum.get("content_hash") != expected:
            _fail(problems, f"{what} no longer matches its seal")
        a_signed = stored_signed(addendum)
        if a_signed is None:
            if signed is not None:
                _fail(problems, f"{what} is not signed (a signed note's addenda are always signed)")
            previous_signed = None
        else:
            payload = _check_signed(a_signed, what, trusted, problems)
            if payload is not None:
                if payload.get("kind") != "addendum" or payload.get("note_id") != note.get("id"):
                    _fail(problems, f"{what} was signed for another note")
                if payload.get("amends") != addendum.get("amends_hash") or payload.get("amends_signed") != previous_signed:
                    _fail(problems, f"{what} was signed over a different chain")
                if payload.get("body") != addendum.get("body"):
                    _fail(problems, f"{what}'s text differs from what was signed")
                for column, key in (("signer", "signer"), ("created_at", "signed_at")):
                    if payload.get(key) != addendum.get(column):
                        _fail(problems, f"{what}'s {column.replace('_', ' ')} differs from what was signed")
            previous_signed = a_signed.hash
        previous = addendum.get("content_hash") or ""
    verdict = Verdict(INVALID if problems else status, problems, fp, head)
    for row in cosignatures or []:
        _verify_cosign(row, head, fp, supervisors, verdict)
    if verdict.problems:
        verdict.status = INVALID
    return verdict


def _verify_cosign(row: dict[str, Any], note_hash: str, signer_fp: str, supervisors: set[str] | None,
                   verdict: Verdict) -> None:
    if row.get("status") == "awaiting":
        verdict.awaiting_cosign = True
        return
    try:
        cosigned = Signed(str(row.get("signed_payload") or "").encode("utf-8"), unb64(row.get("signature") or ""),
                          unb64(row.get("signer_key") or ""))
    except PayloadError:
        _fail(verdict.problems, "a countersignature is damaged")
        return
    payload = _check_signed(cosigned, "the countersignature", supervisors, verdict.problems)
    if payload is None:
        return
    if payload.get("kind") != "cosignature" or payload.get("note_hash") != note_hash:
        _fail(verdict.problems, "the countersignature is for a different version of this note")
        return
    if signer_fp and payload.get("signer_fingerprint") != signer_fp:
        _fail(verdict.problems, "the countersignature names another signer's key")
    who = payload.get("supervisor", "") + (f", {payload['credentials']}" if payload.get("credentials") else "")
    if payload.get("decision") == "cosigned":
        verdict.cosign.append(f"co-signed by {who} on {payload.get('signed_at', '')} "
                              f"(key {fingerprint(cosigned.public)})")
    else:
        verdict.cosign.append(f"returned by {who} on {payload.get('signed_at', '')}: {payload.get('comment', '')}")


# -- structured facts as signed -------------------------------------------------------
def measure_fact(row: dict[str, Any]) -> dict[str, Any]:
    items = row.get("items_json")
    if isinstance(items, str):
        items = json.loads(items) if items else None
    return {"instrument": row["instrument"], "total": int(row["total"]), "items": items}


def risk_fact(row: dict[str, Any]) -> dict[str, Any]:
    keys = {"suicidal_ideation": "si", "homicidal_ideation": "hi"}
    out = {}
    for column in ("suicidal_ideation", "homicidal_ideation", "self_harm", "detail", "level", "protective_factors",
                   "safety_plan_reviewed"):
        value = row.get(column, row.get(keys.get(column, column)))
        out[column] = int(value) if column == "safety_plan_reviewed" else str(value or "")
    return out


def session_fact(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("started_at", "ended_at", "duration_min", "modality", "setting")}


def check_note_chain(entries: list[tuple[str, str | None]]) -> list[str]:
    """A client's notes as (hash, previous_note_hash): every link must point at a note present."""
    present = {h for h, _ in entries}
    problems = []
    for index, (_, previous) in enumerate(entries, start=1):
        if previous is not None and previous not in present:
            problems.append(f"note {index} follows a signed note that is missing (a note was deleted)")
    return problems
