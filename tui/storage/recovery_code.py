"""The recovery code: 256 random bits in grouped base32, each group with a check character.

Layout: 13 groups of 4 base32 data characters plus 1 check character (``ABCD7-EFGH2-…``).
The check is Luhn mod 32 over the group's index and its data, so a mistyped
character, two swapped neighbours, or two swapped groups are caught and the
message can say *which* group to look at.
"""

from __future__ import annotations

import base64
import secrets

from .errors import RecoveryCodeError

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
DATA_PER_GROUP = 4
GROUPS = 13  # 52 base32 characters carry 260 bits; the last 4 are zero
CODE_BYTES = 32
# Characters people type for ones base32 lacks.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def _luhn_check(chars: str) -> str:
    n = len(ALPHABET)
    factor = 2
    total = 0
    for ch in reversed(chars):
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def _group_check(index: int, data: str) -> str:
    return _luhn_check(ALPHABET[index] + data)


def new_code() -> tuple[bytes, str]:
    """Return (secret bytes, printable code)."""
    secret = secrets.token_bytes(CODE_BYTES)
    return secret, encode(secret)


def encode(secret: bytes) -> str:
    if len(secret) != CODE_BYTES:
        raise ValueError("a recovery secret is 32 bytes")
    data = base64.b32encode(secret).decode().rstrip("=")
    groups = []
    for i in range(GROUPS):
        chunk = data[i * DATA_PER_GROUP : (i + 1) * DATA_PER_GROUP]
        groups.append(chunk + _group_check(i, chunk))
    return "-".join(groups)


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper().translate(_LOOKALIKES) if ch.isalnum())


def last_group(code: str) -> str:
    return code.split("-")[-1]


def decode(code: str) -> bytes:
    """Parse a typed code; say which group is wrong when one is."""
    chars = normalise(code)
    size = DATA_PER_GROUP + 1
    if len(chars) != GROUPS * size:
        raise RecoveryCodeError(
            f"A recovery code has {GROUPS} groups of {size} characters "
            f"({GROUPS * size} in all); this one has {len(chars)}."
        )
    bad_chars = sorted({ch for ch in chars if ch not in ALPHABET})
    if bad_chars:
        raise RecoveryCodeError(f"A recovery code has no {' '.join(bad_chars)}; check what was typed.")
    data = []
    for i in range(GROUPS):
        group = chars[i * size : (i + 1) * size]
        if _group_check(i, group[:-1]) != group[-1]:
            raise RecoveryCodeError(f"Group {i + 1} ({group}) has a typo; check it against the printed code.")
        data.append(group[:-1])
    joined = "".join(data)
    secret = base64.b32decode(joined + "=" * (-len(joined) % 8))
    if len(secret) != CODE_BYTES or encode(secret) != "-".join(
        chars[i * size : (i + 1) * size] for i in range(GROUPS)
    ):
        raise RecoveryCodeError(f"Group {GROUPS} has a typo; check it against the printed code.")
    return secret
