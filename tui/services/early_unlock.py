"""`hushpad jot CODE`: the keyring read and the vault open, begun on a thread as the process starts.

The command line starts this before it imports Textual. In two steps:

1. At once: the device key is asked of the keyring (the Secret Service round trip, which
   can take long when the service is busy or waking up, waits while Textual starts).
2. Once the scratchpad's first frame is on screen (``painted``; at most FIRST_FRAME_WAIT
   later): the crypto/SQLCipher imports and the stores' open. These are CPU work, and under
   the GIL they would only share the one interpreter with Textual's start-up and push the
   first frame back to the moment the vault is open (measured: benchmarks/jot_type_ahead.py);
   after it they run while the clinician is already typing.

Step 1 is not free either: importing keyring, secretstorage and cryptography takes the GIL
too, and with a Secret Service that answers at once it puts the first frame back by about
70-90 ms (jot_start.py, shared 2-core machine: first frame ~420 ms without step 1 at start,
~490-510 ms with it; "saved" the same). It is kept because a slow or waking Secret Service
is then waited for while Textual starts, not after.

The app's unlock worker only waits for the result (``result``). The key read in step 1 is
handed to the unlock exactly once, which wipes it as it always does (storage.keys). Nothing
here knows about Textual; nothing is written anywhere but the profile's own stores.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Config
    from ..storage.keyring_access import BackendInfo, KeyStore
    from .workspace import Workspace

FIRST_FRAME_WAIT = 2.0  # seconds step 2 waits for the first frame at most


class _Asked:
    """A keystore whose first get() for the profile answers with what step 1 was told
    (or raises what it raised); everything else goes to the real keystore."""

    def __init__(self, inner: "KeyStore", profile_id: str, value: str | None, error: BaseException | None) -> None:
        self.inner = inner
        self._answer: tuple[str, str | None, BaseException | None] | None = (profile_id, value, error)

    def describe(self) -> "BackendInfo":
        return self.inner.describe()

    def get(self, profile_id: str) -> str | None:
        answer, self._answer = self._answer, None  # once: the caller wipes the value it is given
        if answer is not None and answer[0] == profile_id:
            if answer[2] is not None:
                raise answer[2]
            return answer[1]
        return self.inner.get(profile_id)

    def set(self, profile_id: str, value: str) -> None:
        self.inner.set(profile_id, value)

    def delete(self, profile_id: str) -> None:
        self.inner.delete(profile_id)


class EarlyUnlock:
    def __init__(self, config: "Config", keystore: "KeyStore") -> None:
        self.config = config
        self.keystore = keystore
        self._done = threading.Event()
        self._painted = threading.Event()
        self._workspace: Workspace | None = None
        self._error: BaseException | None = None
        self._taken = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="hushpad-early-unlock", daemon=True)
        self._thread.start()

    def painted(self) -> None:
        """The scratchpad's first frame is on screen (the app calls this)."""
        self._painted.set()

    def _profile_id_for_device_key(self) -> str | None:
        """The profile id, read with json alone (no crypto import), when keys.json has a device wrap.
        Anything unusual: None, and step 2 does the whole unlock (and reports any problem) itself."""
        try:
            doc = json.loads(self.config.paths.keys.read_bytes())
            if any(w.get("kind") == "device" for w in doc["wraps"]):
                return str(doc["profile_id"])
        except Exception:  # noqa: BLE001 - step 2 reads it properly
            return None
        return None

    def _run(self) -> None:
        keystore = self.keystore
        try:
            profile_id = self._profile_id_for_device_key()
            if profile_id is not None:
                try:
                    value = keystore.get(profile_id)
                except BaseException as exc:  # noqa: BLE001 - raised where the unlock asks for it
                    keystore = _Asked(self.keystore, profile_id, None, exc)
                else:
                    keystore = _Asked(self.keystore, profile_id, value, None)
                    del value
            self._painted.wait(FIRST_FRAME_WAIT)
            from . import access
            from .workspace import Workspace

            if not access.passphrase_mode(self.config):  # passphrase mode: the unlock screen asks
                self._workspace = Workspace(access.unlock(self.config, keystore=keystore), self.config)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, on their thread
            self._error = exc
        finally:
            if isinstance(keystore, _Asked) and keystore._answer is not None:
                from ..storage.secure_memory import wipe_immutable  # never used: wipe the key read

                value = keystore._answer[1]
                keystore._answer = None
                if value is not None:
                    wipe_immutable(value)
            self._done.set()

    def result(self) -> "Workspace | None":
        """Wait for it. The unlocked workspace, None in passphrase mode; raises what the unlock raised."""
        self._done.wait()
        with self._lock:
            self._taken = True
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._workspace

    def discard(self) -> None:
        """The app ended without taking the result: close the stores if they were opened."""
        with self._lock:
            if self._taken or not self._done.is_set():
                return  # still waiting on the keyring: a daemon thread, gone with the process
            self._taken = True
        if self._workspace is not None:
            self._workspace.close()
