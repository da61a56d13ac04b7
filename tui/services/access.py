"""Getting into a profile: set-up, unlock, recovery, key rotation.

The screens and the command line both come through here, so the rules (which
keyring is trusted, what is audited) live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..storage.errors import KeyringError
from ..storage.keyring_access import FIXES, BackendInfo, KeyStore, MemoryKeyring, OSKeyring

if TYPE_CHECKING:
    from ..config import Config
    from ..storage.profile import OpenProfile


@dataclass(frozen=True)
class KeyringStatus:
    info: BackendInfo | None
    problem: str = ""

    @property
    def usable(self) -> bool:
        return self.info is not None and self.info.accepted and not self.problem


def default_keystore(config: "Config") -> KeyStore:
    return MemoryKeyring() if config.demo else OSKeyring()


def keyring_status(keystore: KeyStore) -> KeyringStatus:
    """Which backend is there, and is it acceptable. Never raises."""
    try:
        info = keystore.describe()
    except KeyringError as exc:
        return KeyringStatus(None, str(exc))
    if not info.accepted:
        return KeyringStatus(info, f"The keyring backend {info.name} is refused: {info.reason}. {FIXES}")
    return KeyringStatus(info)


def passphrase_mode(config: "Config") -> bool:
    """True when this profile opens with a passphrase rather than the keyring."""
    from ..storage.profile import load_keyfile

    kinds = load_keyfile(config.paths).kinds()
    return "device" not in kinds and "passphrase" in kinds


def initialise(config: "Config", keystore: KeyStore | None, passphrase: str | None) -> tuple["OpenProfile", str]:
    from ..storage import profile

    return profile.initialise(config.paths, keystore, passphrase, actor=config.signer)


def unlock(config: "Config", keystore: KeyStore | None = None, passphrase: str | None = None) -> "OpenProfile":
    from ..storage import profile

    return profile.unlock(config.paths, keystore=keystore, passphrase=passphrase, actor=config.signer)


def recover(config: "Config", code: str, keystore: KeyStore | None, passphrase: str | None) -> "OpenProfile":
    from ..storage import profile

    return profile.recover(config.paths, code, keystore, passphrase, actor=config.signer)


def open_for_reading(config: "Config", keystore: KeyStore | None = None,
                     passphrase: str | None = None) -> "OpenProfile":
    """The stores read-only, while another Hushpad holds the profile (see storage.profile)."""
    from ..storage import profile

    return profile.open_for_reading(config.paths, keystore=keystore, passphrase=passphrase)
