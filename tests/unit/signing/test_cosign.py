"""Supervisor co-signature between two real profiles, through the real CLI: register the
supervisor's key, send a note for review (encrypted to them), the supervisor countersigns
or returns it, the associate imports the answer, and the countersignature is verified
wherever the note's signature is."""

from __future__ import annotations

import json

import pytest

from .conftest import Clinic, cli, load


def named(root, name: str, credentials: str) -> None:
    (root / "config.toml").write_text(f'[clinician]\nname = "{name}"\ncredentials = "{credentials}"\n')


@pytest.fixture
def pair(clinic, tmp_path):
    """The associate (Dana, from the template) and a supervisor with a profile and key of her own."""
    sup_root = tmp_path / "supervisor"
    code, _, err = cli(sup_root, "init", "--passphrase", "--non-interactive")
    assert code == 0, err
    named(sup_root, "Sam Okafor", "PhD, LP")
    named(clinic.root, "Dana Reyes", "LCSW")
    supervisor = Clinic(sup_root, "Sam Okafor", "PhD, LP")
    code, pem, _ = cli(sup_root, "keys", "show", "--pem")
    assert code == 0 and pem.count("BEGIN PUBLIC KEY") == 2  # Ed25519 and X25519
    (tmp_path / "sam.pem").write_text(pem)
    code, out, err = cli(clinic.root, "supervisor", "add", "Sam Okafor", "--key", str(tmp_path / "sam.pem"))
    assert code == 0, err
    return clinic, supervisor, tmp_path


def send(clinic, note, tmp_path) -> object:
    review = tmp_path / "review.json"
    code, _, err = cli(clinic.root, "export", "review", str(note), "--to", "Sam Okafor", "-o", str(review))
    assert code == 0, err
    return review


def test_countersigned_round_trip(pair):
    clinic, supervisor, tmp_path = pair
    note = clinic.sign_note("AB12", "Low mood, improving.")
    review = send(clinic, note, tmp_path)
    assert b"Low mood" not in review.read_bytes()  # encrypted, not just encoded
    code, out, _ = cli(clinic.root, "supervisor", "list")
    assert f"awaiting co-signature: note {note}" in out
    code, out, err = cli(clinic.root, "export", "note", str(note))
    assert code == 0 and "Awaiting supervisor co-signature." in out

    response = tmp_path / "answer.json"
    code, out, err = cli(supervisor.root, "review", str(review), "--cosign", "-o", str(response))
    assert code == 0, err
    assert "Low mood, improving." in out and "Signature verified: signed by Dana Reyes" in out

    code, out, err = cli(clinic.root, "review", "import", str(response))
    assert code == 0, err
    assert "co-signed by Sam Okafor, PhD, LP on" in out
    code, out, _ = cli(clinic.root, "supervisor", "list")
    assert "awaiting co-signature" not in out
    for fmt in ("txt", "md"):
        code, out, _ = cli(clinic.root, "export", "note", str(note), "--format", fmt)
        assert code == 0 and "o-signed by Sam Okafor" in out.replace("\\", "")
    target = tmp_path / "note.json"
    cli(clinic.root, "export", "note", str(note), "--format", "json", "-o", str(target))
    code, out, _ = cli(clinic.root, "verify", str(target))
    assert code == 0 and "co-signed by Sam Okafor" in out
    _, out, _ = cli(clinic.root, "doctor")
    assert "ok    signatures: 1 signed notes: 1 verified" in out

    # The countersignature is checked like the signature: an edited one is invalid everywhere.
    doc = load(target)
    import base64

    cosig = doc["signatures"]["cosignatures"][0]
    cosig["payload"] = base64.b64encode(base64.b64decode(cosig["payload"]).replace(b"cosigned", b"returned")).decode()
    target.write_text(json.dumps(doc))
    assert cli(clinic.root, "verify", str(target))[0] == 1
    with clinic.raw() as conn:
        conn.execute("DROP TRIGGER cosignatures_no_update")
        conn.execute("UPDATE cosignatures SET signed_payload = replace(signed_payload, 'PhD, LP', 'MD') "
                     "WHERE status = 'cosigned'")
    code, out, _ = cli(clinic.root, "export", "note", str(note))
    assert code == 1 and "SIGNATURE INVALID" in out and "countersignature" in out


def test_returned_with_a_comment(pair):
    clinic, supervisor, tmp_path = pair
    note = clinic.sign_note("AB12")
    review = send(clinic, note, tmp_path)
    response = tmp_path / "answer.json"
    code, _, err = cli(supervisor.root, "review", str(review), "--return", "Add the safety plan review.",
                       "-o", str(response))
    assert code == 0, err
    code, out, err = cli(clinic.root, "review", "import", str(response))
    assert code == 0 and "returned by Sam Okafor, PhD, LP on" in out and "Add the safety plan review." in out
    code, out, _ = cli(clinic.root, "export", "note", str(note))
    assert "Returned by Sam Okafor" in out and "Add the safety plan review." in out


def test_a_review_file_opens_only_for_its_supervisor_and_refuses_tampering(pair, template_profile):
    clinic, supervisor, tmp_path = pair
    note = clinic.sign_note("AB12")
    review = send(clinic, note, tmp_path)
    # Someone else's profile cannot open it.
    code, _, err = cli(clinic.root, "review", str(review), "--cosign")
    assert code == 1 and "encrypted to someone else's key" in err
    doc = load(review)
    doc["note_id"] = note + 1  # the header is bound to the ciphertext
    review.write_text(json.dumps(doc))
    code, _, err = cli(supervisor.root, "review", str(review), "--cosign")
    assert code == 1 and "damaged or was altered" in err


def test_a_response_from_an_unregistered_key_is_refused(pair, tmp_path):
    clinic, supervisor, tmp_path = pair
    note = clinic.sign_note("AB12")
    review = send(clinic, note, tmp_path)
    response = tmp_path / "answer.json"
    assert cli(supervisor.root, "review", str(review), "--cosign", "-o", str(response))[0] == 0
    # The associate's record loses the registration (an attacker swapping the supervisor's key
    # cannot re-sign the registration without the associate's signing key).
    with clinic.raw() as conn:
        conn.execute("UPDATE supervisors SET ed25519 = x25519")
    code, _, err = cli(clinic.root, "review", "import", str(response))
    assert code == 1 and "does not verify" in err
