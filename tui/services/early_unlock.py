"""`hushpad jot CODE`: the unlock, begun on a thread as the process starts.

The command line starts this before it imports Textual. In two steps:

1. At once, and only I/O: the profile id is read from keys.json, and the Secret Service is
   pinged on the session bus (tui/storage/keyring_access.wake_secret_service), which starts
   it if it is D-Bus activatable and waits for it if it is slow or stopped. That wait then
   happens while Textual starts, not after.
2. Once the scratchpad's first frame is on screen (``painted``; at most FIRST_FRAME_WAIT
   later): the key read, the crypto/SQLCipher imports and the stores' open. These are CPU
   work, and under the GIL they only share the one interpreter with Textual's start-up.

Reading the key in step 1 instead was measured (issue 14, quiet 2-core machine, Secret
Service answering at once): its imports put the scratchpad's first frame back by ~70 ms
(357 vs 430 ms after the interpreter started) and "saved" back by ~55 ms (540 vs 595 ms).

The app's unlock worker only waits for the result (``result``). The key is read by the
unlock itself, which wipes it as it always does (storage.keys). Nothing here knows about
Textual; nothing is written anywhere but the profile's own stores.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Config
    from ..storage.keyring_access import KeyStore
    from .workspace import Workspace

FIRST_FRAME_WAIT = 2.0  # seconds step 2 waits for the first frame at most


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
        """The profile id, read with json alone (no crypto import), when keys.json has a device wrap
        (so the keyring will be asked). Anything unusual: None, and step 2 reports any problem."""
        try:
            doc = json.loads(self.config.paths.keys.read_bytes())
            if any(w.get("kind") == "device" for w in doc["wraps"]):
                return str(doc["profile_id"])
        except Exception:  # noqa: BLE001 - step 2 reads it properly
            return None
        return None

    def _run(self) -> None:
        try:
            wake = getattr(self.keystore, "wake", None)
            if wake is not None and self._profile_id_for_device_key() is not None:
                wake(FIRST_FRAME_WAIT)  # I/O only: the GIL stays with Textual's start-up
            self._painted.wait(FIRST_FRAME_WAIT)
            from . import access
            from .workspace import Workspace

            if not access.passphrase_mode(self.config):  # passphrase mode: the unlock screen asks
                self._workspace = Workspace(access.unlock(self.config, keystore=self.keystore), self.config)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, on their thread
            self._error = exc
        finally:
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
