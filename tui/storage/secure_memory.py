"""Keys in memory: mutable buffers that can be zeroed, and no hex or base64 copies left lying about.

Python gives no control over where the interpreter copies an object, so this is what can be
done honestly:

- Every key Hushpad makes or unwraps lives in a ``bytearray`` that is zeroed on lock (``wipe``).
  Keys are born there (``new_key`` reads the OS's randomness straight into it; ``unwrap_into``
  decrypts straight into it), so no immutable copy exists to outlive the lock.
- SQLCipher is keyed with its raw-key literal ``x'<hex>'`` built in a ``bytearray`` and passed by
  buffer (``hex_literal``), never as a Python ``str``; the buffer is zeroed once SQLCipher has copied it.
- Where a library hands a key back as an immutable ``bytes`` or ``str`` (the keyring's value, a
  KDF's output), ``wipe_immutable`` overwrites that object's buffer in place. That is CPython-
  specific: it checks the object's layout first and does nothing if it does not match exactly.
  Copies the library made inside itself (D-Bus buffers, for example) are out of reach.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable
from typing import Any

HEX_DIGITS = b"0123456789abcdef"


def new_key(size: int = 32) -> bytearray:
    """A random key, read from the OS straight into a bytearray (no bytes copy on POSIX)."""
    key = bytearray(size)
    if os.name == "posix":
        with open("/dev/urandom", "rb", buffering=0) as source:
            view = memoryview(key)
            while view:
                got = source.readinto(view)
                if not got:
                    raise OSError("no randomness from /dev/urandom")
                view = view[got:]
        return key
    fresh = os.urandom(size)  # pragma: no cover - Windows
    key[:] = fresh
    wipe_immutable(fresh)
    return key


def wipe(buf: bytearray | memoryview | None) -> None:
    """Zero a mutable buffer in place (its length stays, so no reallocation leaves a copy)."""
    if buf is None or len(buf) == 0:
        return
    if isinstance(buf, memoryview):
        if buf.readonly:
            return
        buf = buf.cast("B")
    ctypes.memset((ctypes.c_char * len(buf)).from_buffer(buf), 0, len(buf))


def wipe_all(bufs: Iterable[Any]) -> None:
    for buf in bufs:
        if isinstance(buf, bytearray | memoryview):
            wipe(buf)
        elif isinstance(buf, bytes | str):
            wipe_immutable(buf)


def hex_literal(key: bytearray | bytes) -> bytearray:
    """SQLCipher's raw-key form ``x'<64 hex digits>'`` in a bytearray; the caller wipes it."""
    out = bytearray(2 * len(key) + 3)
    out[0], out[1], out[-1] = ord("x"), ord("'"), ord("'")
    for index, byte in enumerate(key):
        out[2 + 2 * index] = HEX_DIGITS[byte >> 4]
        out[3 + 2 * index] = HEX_DIGITS[byte & 0x0F]
    return out


def from_base64(text: str | bytes) -> bytearray:
    """Decode base64 into a bytearray, wiping the one immutable intermediate."""
    import binascii

    raw = binascii.a2b_base64(text, strict_mode=True)
    try:
        return bytearray(raw)
    finally:
        wipe_immutable(raw)


def into_bytearray(secret: bytes) -> bytearray:
    """Copy a library's immutable result into a bytearray and wipe the original."""
    try:
        return bytearray(secret)
    finally:
        wipe_immutable(secret)


def _bytes_offset() -> int:
    return bytes.__basicsize__ - 1  # PyBytesObject: header, then ob_sval


def _ascii_str_offset() -> int:
    return sys.getsizeof("") - 1  # a compact ASCII str: PyASCIIObject, then the characters and a NUL


def wipe_immutable(obj: bytes | str) -> bool:
    """Overwrite an immutable bytes/str's characters in place. CPython only; True if done.

    Only for objects this code alone holds (a fresh KDF result, the keyring's value): the
    object is unusable afterwards. Objects of length 0 or 1 are shared singletons and are
    never touched. Before writing, the bytes at the computed address must equal the object's
    contents, so a different object layout is a no-op rather than a scribble.
    """
    if sys.implementation.name != "cpython" or type(obj) not in (bytes, str) or len(obj) < 2:
        return False
    if type(obj) is bytes:
        expected, offset = obj, _bytes_offset()
    else:
        if not obj.isascii():
            return False  # wider layouts vary by version; leave them
        expected, offset = obj.encode("ascii"), _ascii_str_offset()
    address = id(obj) + offset
    matches = ctypes.string_at(address, len(expected)) == expected
    if matches:
        ctypes.memset(address, 0, len(expected))
    if expected is not obj:
        wipe_immutable(expected)  # the ASCII copy made for the check
    return matches


TAG_BYTES = 16


def aesgcm_decrypt_into(key: bytearray | bytes, nonce: bytes, data: bytes, associated: bytes) -> bytearray:
    """AES-256-GCM decryption whose plaintext only ever exists in a bytearray.

    ``AESGCM.decrypt`` returns immutable bytes; the streaming API writes into our buffer.
    On a bad tag the partial plaintext is wiped and InvalidTag is raised as usual.
    """
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(data) < TAG_BYTES:
        raise ValueError("ciphertext shorter than its tag")
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated)
    buf = bytearray(len(body) + 15)  # update_into wants room for a block
    try:
        written = decryptor.update_into(body, buf)
        decryptor.finalize()
        return bytearray(memoryview(buf)[:written])
    finally:
        wipe(buf)
