"""The clinician's signing key: made at init, wrapped like the data keys (so the recovery
code alone brings it back), anchored in the wraps rather than in any public copy."""

from __future__ import annotations

import base64
import json

from tui.domain import signature as sig
from tui.services import access
from tui.storage import keys as keymod

from .conftest import PASSPHRASE, cli


def fingerprint_of(profile) -> str:
    return sig.fingerprint(sig.public_raw(profile.signing_seed()))


def test_init_wraps_the_signing_key_under_every_kind(template_profile, tmp_path):
    root = tmp_path / "fresh"
    code, out, _ = cli(root, "init", "--passphrase", "--non-interactive")
    recovery_code = out.strip()
    keyfile = keymod.KeyFile.load(root / "keys.json")
    assert keymod.signing_kinds(keyfile) == {"passphrase", "recovery"} == keyfile.kinds()
    assert {w.store for w in keyfile.key_wraps} == {"signing", "exchange"}
    from tui.config import Config

    config = Config(profile_dir=root, config_path=root / "config.toml")
    with_pass = access.unlock(config, passphrase=PASSPHRASE)
    try:
        fp = fingerprint_of(with_pass)
        assert base64.b64decode(keyfile.public_keys["ed25519"]) == sig.public_raw(with_pass.signing_seed())
    finally:
        with_pass.close()
    from tui.storage import profile as profilemod

    with_code = profilemod.unlock(config.paths, recovery_code=recovery_code)
    try:
        assert fingerprint_of(with_code) == fp  # the recovery code alone brings the same key back
    finally:
        with_code.close()
    code, out, _ = cli(root, "keys", "show")
    assert code == 0 and f"fingerprint: {fp}" in out and "Wrapped for: passphrase, recovery" in out


def test_a_replaced_public_key_in_keys_json_is_reported_and_not_trusted(clinic):
    note = clinic.sign_note("AB12")
    path = clinic.root / "keys.json"
    doc = json.loads(path.read_text())
    doc["public_keys"]["ed25519"] = base64.b64encode(b"\x01" * 32).decode()
    path.write_text(json.dumps(doc))
    _, out, _ = cli(clinic.root, "doctor")
    assert "FAIL  signing key: the public key in keys.json is not this profile's signing key" in out
    assert "ok    signatures: 1 signed notes: 1 verified" in out  # checked against the wrapped key
    code, out, _ = cli(clinic.root, "export", "note", str(note))
    assert code == 0 and "SIGNATURE INVALID" not in out


def test_a_swapped_signing_wrap_does_not_open(clinic):
    """An attacker with the data key but not the KEK cannot wrap a key of their own."""
    path = clinic.root / "keys.json"
    doc = json.loads(path.read_text())
    for w in doc["key_wraps"]:
        if w["store"] == "signing":
            w["ciphertext"] = base64.b64encode(b"\x00" * 48).decode()
    path.write_text(json.dumps(doc))
    code, _, err = cli(clinic.root, "keys", "show")
    assert code == 1 and "Traceback" not in err
