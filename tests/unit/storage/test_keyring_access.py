"""Keyring vetting, read-back and timeouts, against real keyring backend classes."""

from __future__ import annotations

import contextlib
import os
import time

import keyring.backend
import keyring.backends.SecretService
import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import EncryptedKeyring, PlaintextKeyring

from tui.storage.errors import InsecureKeyringError, KeyringError, KeyringTimeoutError
from tui.storage.keyring_access import (
    SERVICE,
    MemoryKeyring,
    OSKeyring,
    secure_member,
    store_and_verify,
    vet_backend,
)
from tui.storage.paths import ProfilePaths
from tui.storage.profile import initialise, unlock

from .helpers import (
    DictKeyring,
    HangingKeyring,
    TruncatingKeyring,
    assert_clear_message,
    snapshot_hashes,
)


def assert_names_the_fixes(message: str) -> None:
    assert "Secret Service" in message, message
    assert "hushpad init --passphrase" in message, message


@pytest.fixture
def keyring_files(tmp_path, monkeypatch):
    """Point every file-based keyring at tmp_path, never at the real home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


def plaintext_keyring(tmp_path) -> PlaintextKeyring:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring_pass.cfg")
    return backend


def encrypted_keyring(tmp_path) -> EncryptedKeyring:
    try:
        backend = EncryptedKeyring()
    except ImportError:  # pycryptodome absent: the class is what is vetted, not its crypto
        backend = EncryptedKeyring.__new__(EncryptedKeyring)
    backend.file_path = str(tmp_path / "crypted_pass.cfg")
    return backend


REFUSED = {
    "fail": lambda tmp: keyring.backends.fail.Keyring(),
    "null": lambda tmp: keyring.backends.null.Keyring(),
    "plaintext": plaintext_keyring,
    "encrypted-file": encrypted_keyring,
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_insecure_backends_are_refused_for_every_call(kind, keyring_files):
    backend = REFUSED[kind](keyring_files)
    store = OSKeyring(backend=backend, timeout=5)
    info = store.describe()
    assert info.accepted is False and info.reason
    for call in (lambda: store.set("pid", "v1:x:secret"), lambda: store.get("pid"), lambda: store.delete("pid")):
        with pytest.raises(InsecureKeyringError) as caught:
            call()
        message = assert_clear_message(caught.value)
        assert "refused" in message
        assert_names_the_fixes(message)
    file_path = getattr(backend, "file_path", None)
    if file_path:
        from pathlib import Path

        assert not Path(file_path).exists(), "a refused backend was written to"


class HomeMadePlaintext(PlaintextKeyring):
    """A subclass in another module keeps its parent's plaintext file."""

    viable = False  # never offered by keyring's own discovery in this test run


def test_a_subclass_of_a_refused_backend_is_refused(tmp_path):
    backend = HomeMadePlaintext()
    backend.file_path = str(tmp_path / "kr.cfg")
    info = vet_backend(backend)
    assert info.accepted is False
    with pytest.raises(InsecureKeyringError):
        OSKeyring(backend=backend).set("pid", "value")
    assert not (tmp_path / "kr.cfg").exists()


def test_setup_with_a_refused_keyring_writes_nothing(tmp_path, keyring_files):
    paths = ProfilePaths(tmp_path / "profile")
    backend = plaintext_keyring(tmp_path)
    with pytest.raises(InsecureKeyringError) as caught:
        initialise(paths, OSKeyring(backend=backend), None)
    assert_names_the_fixes(str(caught.value))
    assert not paths.keys.exists() and not paths.record.exists() and not paths.vault.exists()
    assert not (tmp_path / "keyring_pass.cfg").exists()


# -- the chainer --------------------------------------------------------------------------
_SECURE_MEMBER_ON = False


class SecureMember(keyring.backends.SecretService.Keyring):
    """A stand-in for a system keyring in a real ChainerBackend. Viable only inside the
    `chain_with_secure_member` fixture, so it never leaks into other tests' keyring."""

    @classmethod
    def _priority(cls) -> float:
        if not _SECURE_MEMBER_ON:
            raise RuntimeError("off")
        return 5

    priority = keyring.backend.properties.classproperty(lambda cls: cls._priority())  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):  # noqa: ANN001, ANN201
        return self.items.get((service, username))

    def set_password(self, service, username, password):  # noqa: ANN001, ANN201
        self.items[(service, username)] = password

    def delete_password(self, service, username):  # noqa: ANN001, ANN201
        self.items.pop((service, username), None)


def _reset_discovery() -> None:
    # keyring caches its discovery (get_all_keyring is @once); reset fails if never run.
    with contextlib.suppress(KeyError, AttributeError):
        keyring.backend.get_all_keyring.reset()


@pytest.fixture
def chain_with_secure_member(keyring_files):
    global _SECURE_MEMBER_ON
    _reset_discovery()
    _SECURE_MEMBER_ON = True
    try:
        chain = ChainerBackend()
        members = list(chain.backends)
        yield chain, members
    finally:
        _SECURE_MEMBER_ON = False
        _reset_discovery()


def test_a_chain_holding_a_plaintext_member_is_refused_when_used_directly(chain_with_secure_member):
    chain, members = chain_with_secure_member
    assert any(isinstance(m, SecureMember) for m in members)
    assert any(isinstance(m, PlaintextKeyring) for m in members)
    info = vet_backend(chain)
    assert info.accepted is False and "Plaintext" in info.name and "plain file" in info.reason
    with pytest.raises(InsecureKeyringError) as caught:
        OSKeyring(backend=chain).set("pid", "value")
    assert_names_the_fixes(str(caught.value))


def test_secure_member_picks_the_secure_member_of_a_chain(chain_with_secure_member):
    chain, members = chain_with_secure_member
    chosen = secure_member(chain)
    assert isinstance(chosen, SecureMember)
    store = OSKeyring(backend=chosen, timeout=5)
    assert store.describe().accepted
    store_and_verify(store, "pid", "v1:abc:value")
    assert chosen.items[(SERVICE, "pid")] == "v1:abc:value"
    plaintext = next(m for m in members if isinstance(m, PlaintextKeyring))
    from pathlib import Path

    assert not Path(plaintext.file_path).exists()


def test_a_chain_with_no_secure_member_stays_a_refused_chain(keyring_files):
    chain = ChainerBackend()
    assert not any(isinstance(m, SecureMember) for m in chain.backends)
    assert secure_member(chain) is chain
    assert vet_backend(chain).accepted is False


def test_an_empty_chain_is_refused():
    class Empty:
        backends: list = []

    Empty.__module__, Empty.__qualname__ = "keyring.backends.chainer", "ChainerBackend"
    info = vet_backend(Empty())
    assert info.accepted is False and "no keyring" in info.reason


# -- read-back ----------------------------------------------------------------------------
def test_a_read_back_mismatch_is_refused():
    store = OSKeyring(backend=TruncatingKeyring(), timeout=5)
    with pytest.raises(KeyringError) as caught:
        store_and_verify(store, "pid", "v1:0123456789abcdef:" + "A" * 44)
    message = assert_clear_message(caught.value)
    assert "did not give back" in message and "Nothing was written" in message
    assert_names_the_fixes(message)


def test_a_read_back_mismatch_at_setup_leaves_no_key_file_and_no_store(tmp_path):
    paths = ProfilePaths(tmp_path / "profile")
    with pytest.raises(KeyringError, match="did not give back"):
        initialise(paths, OSKeyring(backend=TruncatingKeyring(), timeout=5), None)
    # Only the lock file may exist: no keys.json, no database, no temp file.
    assert {p.name for p in paths.root.iterdir()} <= {".hushpad.lock"}
    assert not any(p.name.startswith(".keys.json.tmp") for p in paths.root.iterdir())


def test_a_working_backend_round_trips_and_deletes():
    backend = DictKeyring()
    store = OSKeyring(backend=backend, timeout=5)
    store_and_verify(store, "pid", "v1:id:value")
    assert backend.items == {(SERVICE, "pid"): "v1:id:value"}
    assert store.get("pid") == "v1:id:value"
    store.delete("pid")
    store.delete("pid")  # deleting what is not there is not an error
    assert store.get("pid") is None


def test_a_backend_that_raises_gives_a_keyring_error_with_the_fixes():
    from keyring.errors import KeyringLocked

    class Locked(DictKeyring):
        def get_password(self, service, username):  # noqa: ANN001, ANN201
            raise KeyringLocked("collection is locked")

    with pytest.raises(KeyringError) as caught:
        OSKeyring(backend=Locked(), timeout=5).get("pid")
    message = assert_clear_message(caught.value)
    assert "collection is locked" in message
    assert_names_the_fixes(message)


# -- hanging ------------------------------------------------------------------------------
@pytest.fixture
def hanging():
    backend = HangingKeyring()
    yield backend
    backend.release.set()


@pytest.mark.parametrize("call", ["get", "set", "delete"])
def test_a_hanging_keyring_times_out_promptly(hanging, call):
    store = OSKeyring(backend=hanging, timeout=0.3)
    args = ("pid", "value") if call == "set" else ("pid",)
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError) as caught:
        getattr(store, call)(*args)
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 5
    assert hanging.calls == 1
    message = assert_clear_message(caught.value)
    assert "did not answer within 0.3 s" in message and "locked" in message
    assert_names_the_fixes(message)


def test_unlocking_through_a_hanging_keyring_times_out_and_changes_nothing(made, hanging):
    before = snapshot_hashes(made.root)
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError):
        unlock(made.paths, keystore=OSKeyring(backend=hanging, timeout=0.3))
    assert time.monotonic() - started < 5
    assert snapshot_hashes(made.root) == before


def test_setup_through_a_hanging_keyring_times_out_and_writes_no_key_file(tmp_path, hanging):
    paths = ProfilePaths(tmp_path / "profile")
    started = time.monotonic()
    with pytest.raises(KeyringTimeoutError):
        initialise(paths, OSKeyring(backend=hanging, timeout=0.3), None)
    assert time.monotonic() - started < 5
    assert not paths.keys.exists() and not paths.record.exists() and not paths.vault.exists()


def test_test_backends_never_become_the_default_keyring():
    """The honest backends here have no priority, so keyring never picks them on its own."""
    viable = {type(k) for k in keyring.backend.get_all_keyring()}
    assert not viable & {HangingKeyring, TruncatingKeyring, DictKeyring, SecureMember, HomeMadePlaintext}


def test_memory_keyring_is_accepted_and_forgets_on_delete():
    store = MemoryKeyring()
    assert store.describe().accepted
    store.set("p", "v")
    assert store.get("p") == "v"
    store.delete("p")
    assert store.get("p") is None


def test_a_backend_that_is_not_a_known_system_keyring_is_refused():
    """An allow-list, not a deny-list: a third-party file keyring is not trusted by default."""

    class ThirdPartyFileKeyring(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):  # noqa: ANN001, ANN201
            return None

        def set_password(self, service, username, password):  # noqa: ANN001, ANN201
            raise AssertionError("must never be asked to store a key")

        def delete_password(self, service, username):  # noqa: ANN001, ANN201
            return None

    info = vet_backend(ThirdPartyFileKeyring())
    assert info.accepted is False and "system keyrings" in info.reason
    with pytest.raises(InsecureKeyringError):
        OSKeyring(backend=ThirdPartyFileKeyring()).set("pid", "value")


def test_the_system_keyrings_are_accepted():
    from keyring.backends import SecretService

    assert vet_backend(SecretService.Keyring()).accepted


# -- reading without keyring (issue 14) ------------------------------------------
def _clean_keyring_choice(monkeypatch, tmp_path):
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    for name in [n for n in os.environ if n.startswith("KEYRING_PROPERTY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)


@pytest.mark.parametrize("where", ["env", "property", "xdg-config", "home-config", "old-data-root"])
def test_a_chosen_keyring_backend_is_noticed_wherever_keyring_reads_it(where, monkeypatch, tmp_path):
    from tui.storage.keyring_access import direct_read_possible, keyring_backend_chosen

    _clean_keyring_choice(monkeypatch, tmp_path)
    assert keyring_backend_chosen() is False
    if where == "env":
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    elif where == "property":  # e.g. KeePassXC's attribute scheme, or another collection
        monkeypatch.setenv("KEYRING_PROPERTY_SCHEME", "KeePassXC")
    else:
        root = {"xdg-config": tmp_path / "xdg", "home-config": tmp_path / "home" / ".config",
                "old-data-root": tmp_path / "home" / ".local" / "share"}[where]
        if where == "xdg-config":
            monkeypatch.setenv("XDG_CONFIG_HOME", str(root))
        (root / "python_keyring").mkdir(parents=True)
        (root / "python_keyring" / "keyringrc.cfg").write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    assert keyring_backend_chosen() is True
    assert direct_read_possible() is False


def test_a_chosen_insecure_backend_is_still_refused_for_reading(monkeypatch, tmp_path):
    """keyringrc.cfg naming the null backend: get goes through keyring and its vetting, not around it."""
    _clean_keyring_choice(monkeypatch, tmp_path)
    config = tmp_path / "home" / ".config" / "python_keyring"
    config.mkdir(parents=True)
    (config / "keyringrc.cfg").write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    with pytest.raises(InsecureKeyringError):
        OSKeyring(timeout=5).get("pid")
