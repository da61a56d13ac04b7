"""Access to the OS keyring, vetted and with a timeout on every call.

A locked Secret Service collection can block forever, so each call runs in a
daemon thread and gives up after ``timeout`` seconds with a clear message.

Reading the key on Linux goes straight to the Secret Service through SecretStorage, the
library keyring's own Secret Service backend uses, with the same item attributes. Importing
keyring costs ~50 ms and ~3.6 MiB before it reads anything (its backend module pulls in
jaraco.context, hence urllib.request, http.client, email, ssl and logging), and the read is
on the critical path of every start (issue 14). Storing, removing and describing the key,
and any reading where the user chose a backend, still go through keyring.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Callable, Protocol, TypeVar

from .errors import InsecureKeyringError, KeyringError, KeyringTimeoutError

SERVICE = "hushpad"
DEFAULT_TIMEOUT = 10.0

# Backends that would leave the key-encryption key on disk in the clear, or nowhere.
REFUSED_BACKENDS = {
    "keyring.backends.fail.Keyring": "it stores nothing (no keyring is installed)",
    "keyring.backends.null.Keyring": "it stores nothing",
    "keyrings.alt.file.PlaintextKeyring": "it writes keys to a plain file",
    "keyrings.alt.file.EncryptedKeyring": "it writes keys to a file guarded only by a typed password",
}
REFUSED_PREFIXES = ("keyrings.alt.",)
SYSTEM_KEYRINGS = {
    "keyring.backends.SecretService.Keyring": "the desktop's Secret Service (GNOME Keyring, KeePassXC, …)",
    "keyring.backends.libsecret.Keyring": "the desktop's Secret Service through libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KDE Wallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KDE Wallet",
    "keyring.backends.macOS.Keyring": "the macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}

FIXES = (
    "Unlock or install a Secret Service (GNOME Keyring or KWallet), "
    "or set up passphrase mode with `hushpad init --passphrase`."
)

T = TypeVar("T")


@dataclass(frozen=True)
class BackendInfo:
    name: str
    accepted: bool
    reason: str


class KeyStore(Protocol):
    """Where the device key-encryption key lives."""

    def describe(self) -> BackendInfo: ...
    def get(self, profile_id: str) -> str | None: ...
    def set(self, profile_id: str, value: str) -> None: ...
    def delete(self, profile_id: str) -> None: ...


CHAINER = "keyring.backends.chainer.ChainerBackend"


def _qualname(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _lineage(backend: Any) -> list[str]:
    """The backend's class and every base, so a subclass of a refused backend is refused too."""
    return [f"{c.__module__}.{c.__qualname__}" for c in type(backend).__mro__]


def _is_chainer(backend: Any) -> bool:
    return CHAINER in _lineage(backend)


def vet_backend(backend: Any) -> BackendInfo:
    name = _qualname(backend)
    subs = getattr(backend, "backends", None)
    if _is_chainer(backend) and subs is not None:
        # A chain may store into any member, so each one must be acceptable.
        if not subs:
            return BackendInfo(name, False, "no keyring backend is available")
        for sub in subs:
            info = vet_backend(sub)
            if not info.accepted:
                return BackendInfo(f"{name} ({info.name})", False, info.reason)
        return BackendInfo(name, True, "all chained backends are secure stores")
    lineage = list(_lineage(backend))
    for ancestor in lineage:
        if ancestor in REFUSED_BACKENDS:
            return BackendInfo(name, False, REFUSED_BACKENDS[ancestor])
        if ancestor.startswith(REFUSED_PREFIXES):
            return BackendInfo(name, False, "keyrings.alt backends keep keys in files")
    # Accept only the operating systems' own credential stores; anything else (a
    # third-party file keyring, say) is refused rather than trusted by default.
    for ancestor in lineage:
        if ancestor in SYSTEM_KEYRINGS:
            return BackendInfo(name, True, SYSTEM_KEYRINGS[ancestor])
    return BackendInfo(name, False, "it is not one of the system keyrings Hushpad trusts "
                                    "(Secret Service, KWallet, macOS Keychain, Windows Credential Manager)")


def secure_member(backend: Any) -> Any:
    """Use the best accepted backend directly, never a chain.

    keyring's chainer falls through to the next backend when one fails, so a locked
    Secret Service could silently hand the key to a plaintext file further down.
    """
    subs = getattr(backend, "backends", None)
    if _is_chainer(backend) and subs:
        for sub in subs:  # the chainer keeps them highest priority first
            if vet_backend(sub).accepted:
                return sub
    return backend


def _direct_backend() -> Any | None:
    """On Linux, go straight to the Secret Service when the user has not chosen a backend.

    keyring's own discovery loads every backend plugin through entry points (~200-300 ms
    cold) only to pick this one. A configured choice (environment or keyringrc) wins.
    """
    import os
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return None
    import keyring.core

    if keyring.core.load_config() is not None:
        return None
    from keyring.backends import SecretService

    try:
        if SecretService.Keyring.priority <= 0:  # raises, or is low, when no Secret Service runs
            return None
    except Exception:  # noqa: BLE001 - not available: fall back to full discovery
        return None
    return SecretService.Keyring()


class _NoSecretService:
    """read_secret_service's answer when no Secret Service is there: let keyring decide."""


NO_SECRET_SERVICE = _NoSecretService()


def keyring_backend_chosen() -> bool:
    """Has the user chosen a keyring backend (environment, or a keyringrc.cfg keyring reads)?"""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    # KEYRING_PROPERTY_PREFERRED_COLLECTION, _SCHEME, …: keyring applies them to every backend,
    # so the item is stored where they say; only keyring reads it back from there.
    if any(name.startswith("KEYRING_PROPERTY_") for name in os.environ):
        return True
    home = os.path.expanduser("~")
    roots = (os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
             os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share"))  # older keyrings
    return any(os.path.exists(os.path.join(root, "python_keyring", "keyringrc.cfg")) for root in roots)


def direct_read_possible() -> bool:
    """Linux with no backend chosen: the key is read from the Secret Service without keyring."""
    return sys.platform.startswith("linux") and not keyring_backend_chosen()


def wake_secret_service(timeout: float) -> None:
    """Ping the Secret Service on the session bus, starting it if it is D-Bus activatable, and
    wait (up to ``timeout``) for a service that is slow to answer. Only jeepney's bus code is
    imported (a few ms of CPU), not SecretStorage's crypto. Never raises: the read reports."""
    if not direct_read_possible():
        return

    def ping() -> None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        with closing(open_dbus_connection(bus="SESSION")) as connection:  # its Hello has no timeout
            peer = DBusAddress("/org/freedesktop/secrets", bus_name="org.freedesktop.secrets",
                               interface="org.freedesktop.DBus.Peer")
            connection.send_and_get_reply(new_method_call(peer, "Ping"), timeout=timeout)

    try:
        call_with_timeout(ping, timeout, "waking the keyring")  # a bus that never answers: give up
    except Exception:  # noqa: BLE001 - no bus, no service, a timeout: the read itself says what is wrong
        return


def read_secret_service(service: str, username: str) -> str | None | _NoSecretService:
    """The secret keyring's SecretService backend stored for (service, username), read as it does.

    The same default collection, the same attributes, the same unlock of a locked collection
    or item (a desktop prompt), the same first match. NO_SECRET_SERVICE when the bus has no
    Secret Service, so the caller falls back to keyring's own discovery.
    """
    from .secure_memory import wipe_immutable

    try:
        import secretstorage
        from secretstorage.exceptions import SecretServiceNotAvailableException
    except ImportError:
        return NO_SECRET_SERVICE
    try:
        connection = secretstorage.dbus_init()
    except SecretServiceNotAvailableException:
        return NO_SECRET_SERVICE
    with closing(connection):
        if not secretstorage.check_service_availability(connection):
            return NO_SECRET_SERVICE
        collection = secretstorage.get_default_collection(connection)
        if collection.is_locked():
            collection.unlock()
            if collection.is_locked():
                raise KeyringError(f"The keyring is locked and was not unlocked (the prompt was dismissed). {FIXES}")
        for item in collection.search_items({"username": username, "service": service}):
            if item.is_locked():
                item.unlock()
                if item.is_locked():
                    raise KeyringError(f"The keyring item is locked and was not unlocked. {FIXES}")
            secret = item.get_secret()
            try:
                return secret.decode("utf-8")
            finally:
                wipe_immutable(secret)  # the decrypted reply: the str returned is the one copy kept
        return None


def call_with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, fn()))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box.put((False, exc))

    threading.Thread(target=run, name=f"keyring-{what}", daemon=True).start()
    try:
        ok, value = box.get(timeout=timeout)
    except queue.Empty:
        raise KeyringTimeoutError(
            f"The keyring did not answer within {timeout:g} s ({what}); it may be locked "
            f"and waiting for a password. {FIXES}"
        ) from None
    if ok:
        return value
    if isinstance(value, KeyringError):
        raise value
    raise KeyringError(f"The keyring failed ({what}): {value}. {FIXES}") from None


class OSKeyring:
    """The `keyring` package's backend, refused when insecure."""

    def __init__(self, backend: Any | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._backend = backend
        self.timeout = timeout

    def _get_backend(self) -> Any:
        if self._backend is None:
            def load() -> Any:
                import keyring  # slow import: kept off the first-paint path

                return _direct_backend() or secure_member(keyring.get_keyring())

            self._backend = call_with_timeout(load, self.timeout, "finding the keyring")
        return self._backend

    def describe(self) -> BackendInfo:
        return vet_backend(self._get_backend())

    def _vetted(self) -> Any:
        backend = self._get_backend()
        info = vet_backend(backend)
        if not info.accepted:
            raise InsecureKeyringError(f"The keyring backend {info.name} is refused: {info.reason}. {FIXES}")
        return backend

    def wake(self, timeout: float) -> None:
        """Start or wait for the Secret Service without reading anything (see wake_secret_service)."""
        if self._backend is None:
            wake_secret_service(timeout)

    def get(self, profile_id: str) -> str | None:
        if self._backend is None and direct_read_possible():
            found = call_with_timeout(lambda: read_secret_service(SERVICE, profile_id), self.timeout,
                                      "reading the key")
            if found is not NO_SECRET_SERVICE:
                return found  # type: ignore[return-value]
        backend = self._vetted()
        return call_with_timeout(lambda: backend.get_password(SERVICE, profile_id), self.timeout, "reading the key")

    def set(self, profile_id: str, value: str) -> None:
        backend = self._vetted()
        call_with_timeout(lambda: backend.set_password(SERVICE, profile_id, value), self.timeout, "storing the key")

    def delete(self, profile_id: str) -> None:
        backend = self._vetted()

        def remove() -> None:
            from keyring.errors import PasswordDeleteError

            try:
                backend.delete_password(SERVICE, profile_id)
            except PasswordDeleteError:
                pass

        call_with_timeout(remove, self.timeout, "removing the key")


class MemoryKeyring:
    """A keyring that lives only in this process: for `--demo`, gone at exit."""

    def __init__(self) -> None:
        # Held as bytes we can zero; each get() hands out a fresh str, as a real keyring does,
        # so the caller may wipe what it was given (see keys.unlock_device).
        self._items: dict[str, bytearray] = {}

    def describe(self) -> BackendInfo:
        return BackendInfo("in-memory (demo only)", True, "the demo profile is thrown away at exit")

    def get(self, profile_id: str) -> str | None:
        item = self._items.get(profile_id)
        return None if item is None else item.decode("utf-8")

    def set(self, profile_id: str, value: str) -> None:
        self.delete(profile_id)
        self._items[profile_id] = bytearray(value.encode("utf-8"))

    def delete(self, profile_id: str) -> None:
        from .secure_memory import wipe

        wipe(self._items.pop(profile_id, None))


def store_and_verify(store: KeyStore, profile_id: str, value: str) -> None:
    """Write the key, read it back, and refuse to go on unless it matches."""
    from .secure_memory import wipe_immutable

    store.set(profile_id, value)
    back = store.get(profile_id)
    same = back == value
    if back is not None and back is not value:
        wipe_immutable(back)  # a copy of the key: keep none lying about
    if not same:
        raise KeyringError(
            "The keyring did not give back the key it was just given, so it cannot be trusted "
            f"to keep it. Nothing was written. {FIXES}"
        )
