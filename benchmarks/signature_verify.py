"""Signing and verifying notes: Ed25519 verify of the full note (payload, owned rows,
addenda) against the old hash-only seal check, on the same notes in the same run; and
the cost of signing a payload. Ratios, not absolute goals.

    .venv/bin/python benchmarks/signature_verify.py [--notes 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from tui.domain import signature as sig  # noqa: E402
from tui.domain.canonical import content_hash  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=2000)
    n = parser.parse_args().notes
    seed = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                       serialization.NoEncryption())
    fp = sig.fingerprint(sig.public_raw(seed))
    text = ("SUBJECTIVE\n" + "Reports poor sleep since the move; work stress rising. " * 30 + "\n") * 4
    session = {"started_at": "2026-01-05T10:00:00+00:00", "ended_at": "2026-01-05T10:50:00+00:00",
               "duration_min": 50, "modality": "individual", "setting": "in person"}
    notes = []
    t0 = time.perf_counter()
    for i in range(n):
        payload = sig.note_payload(
            note_id=i, client_code="AB12", text=text, blocks=[["text", text]], template={"key": "soap", "name": "SOAP"},
            facts={"session": session}, measures=[{"instrument": "phq9", "total": 9, "items": [1] * 9}], risk=None,
            signer="Dana", credentials="LCSW", signed_at="x", late_entry=False, key_fingerprint=fp,
            previous_note_hash=None, audit_head=None)
        s = sig.sign_payload(seed, payload)
        notes.append({"id": i, "status": "signed", "canonical_text": text, "content_hash": content_hash(text),
                      "signer": "Dana", "signed_at": "x", "signed_payload": s.payload.decode(),
                      "signature": s.signature_b64, "signer_key": s.public_b64})
    sign_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for note in notes:
        assert content_hash(note["canonical_text"]) == note["content_hash"]
    hash_s = time.perf_counter() - t0
    rows = {"measures": [{"instrument": "phq9", "total": 9, "items_json": "[1, 1, 1, 1, 1, 1, 1, 1, 1]"}],
            "risk": [], "session": session}
    t0 = time.perf_counter()
    for note in notes:
        assert sig.verify_note(note, [], trusted={fp}, **rows).status == sig.VERIFIED
    verify_s = time.perf_counter() - t0
    print(f"{n} notes of {len(text)} characters")
    print(f"sign (payload + Ed25519):   {sign_s / n * 1e6:8.1f} us/note")
    print(f"hash-only seal check:       {hash_s / n * 1e6:8.1f} us/note")
    print(f"full verify (the one):      {verify_s / n * 1e6:8.1f} us/note  = {verify_s / hash_s:.1f}x the hash check")


if __name__ == "__main__":
    main()
