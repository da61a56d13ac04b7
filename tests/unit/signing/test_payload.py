"""The signed payload and the one verify, as pure functions: canonical bytes, the fingerprint,
and verify_note on rows built in the test (no storage)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tui.domain import signature as sig
from tui.domain.canonical import addendum_hash, content_hash


def seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                       serialization.NoEncryption())


def test_canonical_bytes_are_sorted_compact_utf8_and_refuse_floats():
    assert sig.canonical_bytes({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    for bad in ({"x": 1.5}, {"x": [1, float("nan")]}, {"x": object()}, {1: "x"}):
        with pytest.raises(sig.PayloadError):
            sig.canonical_bytes(bad)


def test_parse_refuses_a_payload_that_is_not_byte_for_byte_canonical():
    payload = {"format": sig.PAYLOAD_FORMAT, "version": sig.PAYLOAD_VERSION, "kind": "note"}
    data = sig.canonical_bytes(payload)
    assert sig.parse_payload(data) == payload
    for other in (json.dumps(payload).encode(), json.dumps({**payload, "version": 2}, sort_keys=True,
                                                          separators=(",", ":")).encode(), b"\xff"):
        with pytest.raises(sig.PayloadError):
            sig.parse_payload(other)


def test_fingerprint_is_short_stable_and_differs_between_keys():
    a, b = seed(), seed()
    fa = sig.fingerprint(sig.public_raw(a))
    assert fa == sig.fingerprint(sig.public_raw(a))
    assert fa != sig.fingerprint(sig.public_raw(b))
    groups = fa.split("-")
    assert len(groups) == 4 and all(len(g) == 4 and g.isalnum() and g.isupper() or g.isdigit() for g in groups)


def signed_note(key: bytes, text: str = "NOTE\nSigned text.\n", **facts):
    fp = sig.fingerprint(sig.public_raw(key))
    risk = {"suicidal_ideation": "denied", "homicidal_ideation": "denied", "self_harm": "denied", "detail": "",
            "level": "low", "protective_factors": "", "safety_plan_reviewed": 0}
    session = {"started_at": "2026-01-05T10:00:00+00:00", "ended_at": "2026-01-05T10:50:00+00:00",
               "duration_min": 50, "modality": "individual", "setting": "in person"}
    payload = sig.note_payload(
        note_id=7, client_code="AB12", text=text, blocks=[["text", text]], template={"key": "soap", "name": "SOAP"},
        facts={"session": session, "cpt_code": "90834"}, measures=[{"instrument": "phq9", "total": 9, "items": None}],
        risk=risk, signer="Dana", credentials="LCSW", signed_at="2026-01-05T11:00:00+00:00", late_entry=False,
        key_fingerprint=fp, previous_note_hash=None, audit_head=None)
    s = sig.sign_payload(key, payload)
    note = {"id": 7, "status": "signed", "canonical_text": text, "content_hash": content_hash(text), "signer": "Dana",
            "signed_at": "2026-01-05T11:00:00+00:00", "signed_payload": s.payload.decode(),
            "signature": s.signature_b64, "signer_key": s.public_b64}
    rows = {"measures": [{"instrument": "phq9", "total": 9, "items_json": None}],
            "risk": [dict(risk)], "session": dict(session)}
    return note, rows, fp


def test_verify_accepts_the_signed_note_and_rejects_every_change():
    key = seed()
    note, rows, fp = signed_note(key)
    ok = sig.verify_note(note, [], trusted={fp}, **rows)
    assert ok.status == sig.VERIFIED and ok.fingerprint == fp and ok.ok
    changes = {
        "text": lambda n, r: n.update(canonical_text="NOTE\nOther.\n", content_hash=content_hash("NOTE\nOther.\n")),
        "measure": lambda n, r: r["measures"][0].update(total=27),
        "risk": lambda n, r: r["risk"][0].update(level="high"),
        "extra risk": lambda n, r: r["risk"].append(dict(r["risk"][0])),
        "session": lambda n, r: r["session"].update(duration_min=90),
        "signer": lambda n, r: n.update(signer="Someone"),
        "signature": lambda n, r: n.update(signature=sig.b64(b"\x00" * 64)),
        "note id": lambda n, r: n.update(id=8),
    }
    for what, change in changes.items():
        n, r = json.loads(json.dumps(note)), json.loads(json.dumps(rows))
        change(n, r)
        verdict = sig.verify_note(n, [], trusted={fp}, **r)
        assert verdict.status == sig.INVALID and verdict.problems, what
        assert "verified" not in verdict.label.lower().replace("signature invalid", ""), what


def test_an_untrusted_key_is_invalid_and_offline_checks_report_the_key():
    key = seed()
    note, rows, fp = signed_note(key)
    assert sig.verify_note(note, [], trusted={"AAAA-AAAA-AAAA-AAAA"}, **rows).status == sig.INVALID
    offline = sig.verify_note(note, [], trusted=None, **rows)
    assert offline.status == sig.VERIFIED and offline.fingerprint == fp


def test_addenda_chain_over_the_hash_seal_and_the_signed_payload():
    key = seed()
    note, rows, fp = signed_note(key)
    note_signed = sig.stored_signed(note)
    body, at = "Correction.", "2026-01-06T09:00:00+00:00"
    a_payload = sig.addendum_payload(note_id=7, amends=note["content_hash"], amends_signed=note_signed.hash, body=body,
                                     signer="Dana", credentials="LCSW", signed_at=at, key_fingerprint=fp)
    a = sig.sign_payload(key, a_payload)
    addendum = {"body": body, "signer": "Dana", "created_at": at, "amends_hash": note["content_hash"],
                "content_hash": addendum_hash(note["content_hash"], body, at, "Dana"),
                "signed_payload": a.payload.decode(), "signature": a.signature_b64, "signer_key": a.public_b64}
    assert sig.verify_note(note, [addendum], trusted={fp}, **rows).status == sig.VERIFIED
    forged = {**addendum, "signed_payload": None, "signature": None, "signer_key": None}
    v = sig.verify_note(note, [addendum, {**forged, "amends_hash": addendum["content_hash"], "content_hash": addendum_hash(
        addendum["content_hash"], body, at, "Dana")}], trusted={fp}, **rows)
    assert v.status == sig.INVALID and any("addendum 2 is not signed" in p for p in v.problems)
    assert not v.addenda_ok and v.note_ok


def test_hash_only_notes_are_labelled_and_still_checked():
    text = "OLD NOTE\n"
    note = {"id": 1, "status": "signed", "canonical_text": text, "content_hash": content_hash(text)}
    v = sig.verify_note(note, [], trusted=set())
    assert v.status == sig.HASH_ONLY and "hash only" in v.label.lower()
    assert sig.verify_note({**note, "canonical_text": "EDITED\n"}, [], trusted=set()).status == sig.INVALID


def test_the_note_chain_finds_a_missing_note():
    assert sig.check_note_chain([("h1", None), ("h2", "h1"), ("h3", "h2")]) == []
    assert sig.check_note_chain([("h2", "h1"), ("h3", "h2")])  # the first note was deleted
