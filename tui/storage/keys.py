"""Envelope keys: each store has a random data key, kept only wrapped in keys.json.

A wrap is AES-256-GCM under a key-encryption key (KEK). Its associated data names
the profile, the store and the wrap kind, so a wrap moved to another slot, another
store or another profile fails to authenticate instead of decrypting something else.

Kinds of KEK:
  device      random 256 bits in the OS keyring (service "hushpad", user = profile id)
  recovery    HKDF of the 256-bit recovery code, shown once at setup
  passphrase  Argon2id (64 MiB, t=3, p=1) over a passphrase
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import HushpadError
from . import recovery_code
from .errors import KeyFileError, KeyringError, UnwrapError
from .secure_memory import aesgcm_decrypt_into, from_base64, into_bytearray, new_key, wipe, wipe_immutable
from .files import atomic_write
from .keyring_access import FIXES, KeyStore, store_and_verify

FORMAT = "hushpad-keys"
VERSION = 1
STORES = ("vault", "record")
# The clinician's private keys are wrapped exactly like the data keys, as two more
# "stores": an Ed25519 signing seed and an X25519 key for review files sent to them.
SIGNING = "signing"
EXCHANGE = "exchange"
KEY_SLOTS = (SIGNING, EXCHANGE)
KEY_BYTES = 32
NONCE_BYTES = 12
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_ITERATIONS = 3
ARGON2_LANES = 1
ARGON2_MAX_MEMORY_KIB = 4 * 1024 * 1024  # 4 GiB
ARGON2_MAX_ITERATIONS = 64
ARGON2_MAX_LANES = 16
MIN_PASSPHRASE = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise KeyFileError(f"keys.json is damaged: {what} is not valid base64.") from None


def associated_data(profile_id: str, store: str, kind: str, kek_id: str) -> bytes:
    return json.dumps(
        {"format": FORMAT, "version": VERSION, "profile": profile_id, "store": store, "wrap": kind, "kek": kek_id},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


@dataclass
class Wrap:
    store: str
    kind: str
    kek_id: str
    nonce: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "store": self.store,
            "kind": self.kind,
            "kek_id": self.kek_id,
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }


@dataclass
class PassphraseParams:
    salt: bytes
    memory_kib: int = ARGON2_MEMORY_KIB
    iterations: int = ARGON2_ITERATIONS
    lanes: int = ARGON2_LANES

    def derive(self, passphrase: str) -> bytearray:
        """The passphrase KEK, in a bytearray the caller wipes."""
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        encoded = passphrase.encode("utf-8")
        try:
            return into_bytearray(Argon2id(
                salt=self.salt,
                length=KEY_BYTES,
                iterations=self.iterations,
                lanes=self.lanes,
                memory_cost=self.memory_kib,
            ).derive(encoded))
        finally:
            wipe_immutable(encoded)


@dataclass
class KeyFile:
    profile_id: str
    created_at: str
    wraps: list[Wrap] = field(default_factory=list)
    passphrase: PassphraseParams | None = None
    # Public halves of the signing and exchange keys, for display. Not trusted on their
    # own: doctor compares them with the keys derived from the (authenticated) wraps.
    public_keys: dict[str, str] | None = None
    # Wraps of the private keys (KEY_SLOTS), kept apart from the data-key wraps.
    key_wraps: list[Wrap] = field(default_factory=list)

    def __post_init__(self) -> None:
        # dataclasses.replace() hands over the same list: a candidate must not edit ours.
        self.key_wraps = list(self.key_wraps)

    # -- serialisation -----------------------------------------------------
    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "profile_id": self.profile_id,
            "created_at": self.created_at,
            "wraps": [w.to_json() for w in self.wraps],
        }
        if self.public_keys:
            doc["public_keys"] = dict(self.public_keys)
        if self.key_wraps:
            doc["key_wraps"] = [w.to_json() for w in self.key_wraps]
        if self.passphrase:
            doc["passphrase_kdf"] = {
                "algorithm": "argon2id",
                "salt": _b64(self.passphrase.salt),
                "memory_kib": self.passphrase.memory_kib,
                "iterations": self.passphrase.iterations,
                "lanes": self.passphrase.lanes,
            }
        return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "KeyFile":
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise KeyFileError(
                "keys.json is damaged (truncated or edited). Restore it from a backup, "
                "or run `hushpad keys recover` with your recovery code."
            ) from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileError("keys.json is not a Hushpad key file.")
        if doc.get("version") != VERSION:
            raise KeyFileError(f"keys.json has version {doc.get('version')!r}; this Hushpad reads version {VERSION}.")
        try:
            wraps, key_wraps = [
                Wrap(
                    store=str(w["store"]),
                    kind=str(w["kind"]),
                    kek_id=str(w["kek_id"]),
                    nonce=_unb64(w["nonce"], "a nonce"),
                    ciphertext=_unb64(w["ciphertext"], "a wrapped key"),
                )
                for w in doc["wraps"]
            ], []
            for w in doc.get("key_wraps") or []:
                key_wraps.append(Wrap(str(w["store"]), str(w["kind"]), str(w["kek_id"]),
                                      _unb64(w["nonce"], "a nonce"), _unb64(w["ciphertext"], "a wrapped key")))
            kdf = doc.get("passphrase_kdf")
            params = None
            if kdf is not None:
                params = PassphraseParams(
                    salt=_unb64(kdf["salt"], "the passphrase salt"),
                    memory_kib=int(kdf["memory_kib"]),
                    iterations=int(kdf["iterations"]),
                    lanes=int(kdf["lanes"]),
                )
                if params.memory_kib < ARGON2_MEMORY_KIB or params.iterations < ARGON2_ITERATIONS:
                    raise KeyFileError("keys.json asks for weaker passphrase settings than Hushpad allows.")
                # The settings are not authenticated: an edited file must not make unlock
                # try to allocate terabytes or spin for hours.
                if (params.memory_kib > ARGON2_MAX_MEMORY_KIB or params.iterations > ARGON2_MAX_ITERATIONS
                        or not 1 <= params.lanes <= ARGON2_MAX_LANES):
                    raise KeyFileError("keys.json asks for passphrase settings beyond what Hushpad allows.")
            public = doc.get("public_keys")
            if public is not None and not (isinstance(public, dict) and all(isinstance(v, str) for v in public.values())):
                raise KeyFileError("keys.json is damaged: the public keys are not readable.")
            return cls(profile_id=str(doc["profile_id"]), created_at=str(doc["created_at"]), wraps=wraps,
                       passphrase=params, public_keys=dict(public) if public else None, key_wraps=key_wraps)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, KeyFileError):
                raise
            raise KeyFileError("keys.json is damaged: a field is missing or has the wrong type.") from None

    @classmethod
    def load(cls, path: Path) -> "KeyFile":
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise KeyFileError(f"{path} is missing. Restore it from a backup (see README: Restoring).") from None
        return cls.from_bytes(data)

    def save(self, path: Path, *, recovery_changed: bool = False) -> None:
        """keys.json, then its copies (see write_recovery_copies), each written atomically."""
        atomic_write(path, self.to_bytes())
        write_recovery_copies(self, path, replace_recovery=recovery_changed)

    def recovery_only(self) -> "KeyFile":
        """What the per-store sidecars hold: the profile id and every recovery wrap
        (data keys and private keys), nothing that a device key or passphrase opens."""
        return KeyFile(profile_id=self.profile_id, created_at=self.created_at,
                       wraps=[w for w in self.wraps if w.kind == "recovery"],
                       public_keys=dict(self.public_keys) if self.public_keys else None,
                       key_wraps=[w for w in self.key_wraps if w.kind == "recovery"])

    # -- wraps -------------------------------------------------------------
    def kinds(self) -> set[str]:
        return {w.kind for w in self.wraps}

    def add_wrap(self, store: str, kind: str, kek_id: str, kek: bytes, dek: bytes) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        # The key goes in by buffer: a bytes() copy here would be an unwipeable copy of it.
        ct = AESGCM(kek).encrypt(nonce, dek, associated_data(self.profile_id, store, kind, kek_id))
        (self.key_wraps if store in KEY_SLOTS else self.wraps).append(Wrap(store, kind, kek_id, nonce, ct))

    def remove_wraps(self, kind: str, keep_kek_id: str | None = None) -> None:
        self.wraps = [w for w in self.wraps if w.kind != kind or w.kek_id == keep_kek_id]
        self.key_wraps = [w for w in self.key_wraps if w.kind != kind or w.kek_id == keep_kek_id]

    def unwrap(self, kind: str, kek: bytes, kek_id: str | None = None, *, with_keys: bool = False) -> dict[str, bytes]:
        """The data keys under this KEK; with_keys adds the private keys it wraps too.

        Each key is decrypted straight into a bytearray (the caller wipes them on lock);
        on any failure the ones already unwrapped are wiped before the error goes up.
        """
        deks: dict[str, bytearray] = {}
        for w in self.wraps + (self.key_wraps if with_keys else []):
            if w.kind != kind or (kek_id is not None and w.kek_id != kek_id):
                continue
            try:
                deks[w.store] = aesgcm_decrypt_into(
                    kek, w.nonce, w.ciphertext, associated_data(self.profile_id, w.store, w.kind, w.kek_id)
                )
            except InvalidTag:
                _wipe_values(deks)
                raise UnwrapError(_unwrap_message(kind)) from None
            except ValueError:
                _wipe_values(deks)
                raise KeyFileError("keys.json is damaged: a wrapped key has the wrong size.") from None
        missing = [s for s in STORES if s not in deks]
        if missing:
            _wipe_values(deks)
            if kind == "device" and kek_id is not None and not deks and any(w.kind == "device" for w in self.wraps):
                raise KeyringError(
                    "The key in the keyring does not belong to this profile's key file. "
                    "Run `hushpad keys recover` with your recovery code."
                )
            raise KeyFileError(f"keys.json has no {kind} wrap for the {', '.join(missing)} store.")
        return deks


def _unwrap_message(kind: str) -> str:
    return {
        "device": "The key in the keyring does not open this profile (wrong key, or keys.json was changed). "
        "Run `hushpad keys recover` with your recovery code.",
        "recovery": "That recovery code does not open this profile.",
        "passphrase": "Wrong passphrase.",
    }.get(kind, "A wrapped key did not authenticate.")


def _wipe_values(keys: dict[str, Any]) -> None:
    for key in keys.values():
        if isinstance(key, bytearray):
            wipe(key)
        elif isinstance(key, bytes):
            wipe_immutable(key)


def recovery_kek(secret: bytes, profile_id: str) -> bytearray:
    """The recovery KEK, in a bytearray the caller wipes."""
    return into_bytearray(HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=profile_id.encode(), info=b"hushpad recovery wrap v1"
    ).derive(secret))


def _device_value(kek_id: str, kek: bytes | bytearray) -> str:
    """The keyring entry. keyring takes only a str: the caller wipes it (wipe_immutable) after use."""
    encoded = base64.b64encode(kek)
    b64 = encoded.decode("ascii")
    try:
        return f"v1:{kek_id}:{b64}"
    finally:
        wipe_immutable(encoded)
        wipe_immutable(b64)


def parse_device_value(value: str) -> tuple[str, bytearray]:
    """(kek id, KEK in a bytearray). The caller wipes the KEK, and the value it came from."""
    try:
        version, kek_id, b64 = value.split(":", 2)
    except ValueError:
        raise KeyringError("The keyring entry for this profile is not a Hushpad key. Run `hushpad keys recover`.") from None
    try:
        kek = from_base64(b64)
    except ValueError:
        raise KeyringError("The keyring entry for this profile is not a Hushpad key. Run `hushpad keys recover`.") from None
    finally:
        wipe_immutable(b64)
    if version != "v1" or len(kek) != KEY_BYTES:
        wipe(kek)
        raise KeyringError("The keyring entry for this profile is not a Hushpad key. Run `hushpad keys recover`.")
    return kek_id, kek


@dataclass
class NewProfileKeys:
    keyfile: KeyFile
    deks: dict[str, bytes]
    recovery_code: str
    signing: dict[str, bytes] = field(default_factory=dict)  # the Ed25519 and X25519 private keys


def create_keys(keystore: KeyStore | None, passphrase: str | None) -> NewProfileKeys:
    """Make the data keys and every wrap. The device key is stored and read back first.

    Nothing is written to disk here; the caller saves keys.json only after this returns.
    """
    if keystore is None and passphrase is None:
        raise KeyringError(f"No secure keyring and no passphrase. {FIXES}")
    if passphrase is not None:
        check_passphrase(passphrase)
    profile_id = str(uuid.uuid4())
    keyfile = KeyFile(profile_id=profile_id, created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    deks = {store: new_key(KEY_BYTES) for store in STORES}
    signing = new_signing_keys()
    keyfile.public_keys = public_keys_of(signing)
    wrapped = {**deks, **signing}  # the private keys are wrapped exactly like the data keys
    if keystore is not None:
        kek_id, kek = secrets.token_hex(8), new_key(KEY_BYTES)
        try:
            _store_device_key(keystore, profile_id, kek_id, kek)
            for store, dek in wrapped.items():
                keyfile.add_wrap(store, "device", kek_id, kek, dek)
        finally:
            wipe(kek)
    if passphrase is not None:
        set_passphrase(keyfile, wrapped, passphrase)
    secret, code = recovery_code.new_code()
    kek = recovery_kek(secret, profile_id)
    try:
        for store, dek in wrapped.items():
            keyfile.add_wrap(store, "recovery", "recovery", kek, dek)
    finally:
        wipe(kek)
        wipe_immutable(secret)
    return NewProfileKeys(keyfile, deks, code, signing)


def _store_device_key(keystore: KeyStore, profile_id: str, kek_id: str, kek: bytearray) -> None:
    value = _device_value(kek_id, kek)
    try:
        store_and_verify(keystore, profile_id, value)
    finally:
        wipe_immutable(value)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UnwrapError(f"A passphrase needs at least {MIN_PASSPHRASE} characters; a short sentence is best.")


def set_passphrase(keyfile: KeyFile, deks: dict[str, bytes], passphrase: str) -> None:
    """Replace the passphrase wraps in memory; the caller saves (see save_passphrase)."""
    check_passphrase(passphrase)
    params = PassphraseParams(salt=secrets.token_bytes(16))
    kek = params.derive(passphrase)
    try:
        keyfile.remove_wraps("passphrase")
        keyfile.passphrase = params
        for store, dek in deks.items():
            keyfile.add_wrap(store, "passphrase", "passphrase", kek, dek)
    finally:
        wipe(kek)


def save_passphrase(keyfile: KeyFile, deks: dict[str, bytes], passphrase: str, path: Path) -> None:
    """Set the passphrase and write keys.json, all or nothing in memory as on disk."""
    candidate = replace(keyfile, wraps=list(keyfile.wraps))
    set_passphrase(candidate, deks, passphrase)
    candidate.save(path)
    keyfile.wraps, keyfile.passphrase = candidate.wraps, candidate.passphrase
    keyfile.key_wraps = candidate.key_wraps


def unlock_device(keyfile: KeyFile, keystore: KeyStore, *, with_keys: bool = False) -> dict[str, bytes]:
    value = keystore.get(keyfile.profile_id)
    if value is None:
        raise KeyringError(
            "The keyring has no key for this profile (was it reset, or is this a new machine?). "
            "Run `hushpad keys recover` with your recovery code."
        )
    try:
        kek_id, kek = parse_device_value(value)
    finally:
        wipe_immutable(value)  # keyring hands the key over as a str; this is our only copy of it
    try:
        return keyfile.unwrap("device", kek, kek_id, with_keys=with_keys)
    finally:
        wipe(kek)


def unlock_passphrase(keyfile: KeyFile, passphrase: str, *, with_keys: bool = False) -> dict[str, bytes]:
    if keyfile.passphrase is None:
        raise KeyFileError("This profile has no passphrase set.")
    kek = keyfile.passphrase.derive(passphrase)
    try:
        return keyfile.unwrap("passphrase", kek, with_keys=with_keys)
    finally:
        wipe(kek)


def unlock_recovery(keyfile: KeyFile, code: str, *, with_keys: bool = False) -> dict[str, bytes]:
    secret = recovery_code.decode(code)
    kek = recovery_kek(secret, keyfile.profile_id)
    wipe_immutable(secret)
    try:
        return keyfile.unwrap("recovery", kek, with_keys=with_keys)
    finally:
        wipe(kek)


def rotate_device(keyfile: KeyFile, deks: dict[str, bytes], keystore: KeyStore, path: Path) -> None:
    """Re-wrap under a new device key, crash-safe at every step.

    1. keys.json gains the new wraps beside the old; 2. the keyring gets the new key
    (read back); 3. the old wraps go. Whatever the keyring holds after a crash, a
    matching wrap is on disk.
    """
    kek_id, kek = secrets.token_hex(8), new_key(KEY_BYTES)
    # The in-memory key file follows the disk: it changes only after each save succeeds.
    candidate = replace(keyfile, wraps=list(keyfile.wraps))
    try:
        for store, dek in deks.items():
            candidate.add_wrap(store, "device", kek_id, kek, dek)
        candidate.save(path)
        keyfile.wraps, keyfile.key_wraps = list(candidate.wraps), list(candidate.key_wraps)
        _store_device_key(keystore, keyfile.profile_id, kek_id, kek)
    finally:
        wipe(kek)
    candidate.remove_wraps("device", keep_kek_id=kek_id)
    candidate.save(path)
    keyfile.wraps, keyfile.key_wraps = candidate.wraps, candidate.key_wraps


def new_recovery_code(keyfile: KeyFile, deks: dict[str, bytes], path: Path) -> str:
    """Replace the recovery wraps. All or nothing: if keys.json cannot be written, the
    in-memory key file keeps the old code's wraps, so no later save can put a wrap for a
    code nobody was shown on disk."""
    secret, code = recovery_code.new_code()
    kek = recovery_kek(secret, keyfile.profile_id)
    wipe_immutable(secret)
    candidate = replace(keyfile, wraps=list(keyfile.wraps))
    candidate.remove_wraps("recovery")
    try:
        for store, dek in deks.items():
            candidate.add_wrap(store, "recovery", "recovery", kek, dek)
    finally:
        wipe(kek)
    try:
        candidate.save(path, recovery_changed=True)
    except HushpadError:
        # The code will not be shown, so put the old code's wraps back where the save got
        # to (a failed fsync can come after the rename). If even that fails, the copies the
        # save never reached still hold the old code for `hushpad keys recover`.
        with contextlib.suppress(HushpadError):
            keyfile.save(path, recovery_changed=True)
        raise
    keyfile.wraps, keyfile.key_wraps = candidate.wraps, candidate.key_wraps
    return code


def enrol_device(keyfile: KeyFile, deks: dict[str, bytes], keystore: KeyStore, path: Path) -> None:
    """After recovery: put a fresh device key in this machine's keyring."""
    rotate_device(keyfile, deks, keystore, path)


# -- the recovery code stands alone ---------------------------------------------------
# keys.json is one small file; lose it and the recovery wraps went with it. So every save
# also writes a full second copy, keys.json.bak, and beside each store a sidecar
# (record.db.keys, vault.db.keys) with the profile id and every recovery wrap. Losing any
# one file (or all but one of them) leaves a copy the recovery code opens.
BACKUP_NAME = "keys.json.bak"


def recovery_copy_paths(path: Path) -> list[Path]:
    """The copies of keys.json at ``path``, in the order recovery tries them after it."""
    return [path.with_name(BACKUP_NAME)] + [path.with_name(f"{store}.db.keys") for store in STORES]


def _copies(keyfile: KeyFile, path: Path) -> list[tuple[Path, bytes]]:
    backup, *sidecars = recovery_copy_paths(path)
    sidecar_bytes = keyfile.recovery_only().to_bytes()
    return [(backup, keyfile.to_bytes())] + [(p, sidecar_bytes) for p in sidecars]


def _recovery_wraps(keyfile: KeyFile) -> set[tuple[str, bytes, bytes]]:
    return {(w.store, w.nonce, w.ciphertext) for w in keyfile.wraps + keyfile.key_wraps if w.kind == "recovery"}


def _other_code(target: Path, keyfile: KeyFile) -> bool:
    """The copy at target is readable and holds another recovery code's wraps."""
    try:
        other = KeyFile.load(target)
    except (KeyFileError, OSError):
        return False
    return other.profile_id == keyfile.profile_id and _recovery_wraps(other) != _recovery_wraps(keyfile)


def write_recovery_copies(keyfile: KeyFile, path: Path, *, replace_recovery: bool = False) -> None:
    """Write each copy that differs from what is on disk, one atomic write each, in order.

    A copy holding another recovery code's wraps is replaced only when the code is being
    changed (``replace_recovery``): after a code change cut short, keys.json may hold a
    code nobody was shown, and the copies the change never reached keep the code the
    clinician has. A failure (a full disk) stops at that copy and is raised: the copies
    after it still hold what they held."""
    for target, data in _copies(keyfile, path):
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            pass
        if not replace_recovery and _other_code(target, keyfile):
            continue
        atomic_write(target, data)


def recovery_copies_status(keyfile: KeyFile, path: Path) -> list[str]:
    """For doctor and unlock: what is missing or out of date among the copies (read-only)."""
    problems = []
    for target, data in _copies(keyfile, path):
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            problems.append(f"{target.name} is missing")
            continue
        except OSError as exc:
            problems.append(f"{target.name} cannot be read ({exc.strerror})")
            continue
        if current != data:
            if _other_code(target, keyfile):
                problems.append(f"{target.name} holds a different recovery code (a code change was cut short); "
                                "run `hushpad keys rotate --new-recovery-code` to have one code again")
            else:
                problems.append(f"{target.name} differs from keys.json")
    return problems


@dataclass
class Recovered:
    keyfile: KeyFile  # what to rebuild keys.json from
    keys: dict[str, bytes]  # data keys and whatever private keys the recovery wraps held
    source: Path  # the copy that opened


def open_any_copy(path: Path, code: str) -> Recovered:
    """The recovery code against keys.json and then each copy: the first that opens.

    A copy that is missing, truncated or edited is passed over; a typo in the code is
    reported as such before any file is read."""
    recovery_code.decode(code)  # RecoveryCodeError names the group with the typo
    unreadable, refused = [], []
    for candidate in [path, *recovery_copy_paths(path)]:
        try:
            keyfile = KeyFile.load(candidate)
        except KeyFileError:
            unreadable.append(candidate.name)
            continue
        try:
            keys = unlock_recovery(keyfile, code, with_keys=True)
        except (UnwrapError, KeyFileError):
            refused.append(candidate.name)
            continue
        return Recovered(keyfile, keys, candidate)
    if refused:
        raise UnwrapError("That recovery code does not open this profile.")
    raise KeyFileError(
        f"keys.json and all its copies ({', '.join(unreadable)}) are missing or damaged. "
        "Restore keys.json from a backup (see README: Restoring)."
    )


# -- the clinician's signing and exchange keys -------------------------------------
def new_signing_keys() -> dict[str, bytes]:
    """A fresh Ed25519 signing seed and X25519 private key (32 raw bytes each)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    raw = (serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    # In bytearrays like the data keys, so a lock zeroes them too.
    return {SIGNING: into_bytearray(Ed25519PrivateKey.generate().private_bytes(*raw)),
            EXCHANGE: into_bytearray(X25519PrivateKey.generate().private_bytes(*raw))}


def public_keys_of(private: dict[str, bytes]) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    raw = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"ed25519": _b64(Ed25519PrivateKey.from_private_bytes(bytes(private[SIGNING])).public_key().public_bytes(*raw)),
            "x25519": _b64(X25519PrivateKey.from_private_bytes(bytes(private[EXCHANGE])).public_key().public_bytes(*raw))}


def signing_kinds(keyfile: KeyFile) -> set[str]:
    """Which wrap kinds cover the signing key."""
    return {w.kind for w in keyfile.key_wraps if w.store == SIGNING}


def device_kek(keyfile: KeyFile, keystore: KeyStore) -> tuple[str, bytes]:
    value = keystore.get(keyfile.profile_id)
    if value is None:
        raise KeyringError("The keyring has no key for this profile. Run `hushpad keys recover`.")
    return parse_device_value(value)


def add_signing_keys(keyfile: KeyFile, deks: dict[str, bytes], kind: str, kek_id: str, kek: bytes,
                     path: Path) -> None:
    """For a profile made before signing keys: make them and wrap them under the KEK that
    just unlocked it. All or nothing, like every key-file change: the in-memory key file
    and ``deks`` change only after keys.json is written."""
    keys = new_signing_keys()
    candidate = replace(keyfile, wraps=list(keyfile.wraps))
    for slot, secret in keys.items():
        candidate.add_wrap(slot, kind, kek_id, kek, secret)
    candidate.public_keys = public_keys_of(keys)
    candidate.save(path)
    keyfile.key_wraps, keyfile.public_keys = candidate.key_wraps, candidate.public_keys
    deks.update(keys)
