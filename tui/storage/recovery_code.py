"""The recovery code: 256 random bits in grouped base32, each group with a check character.

Layout: 13 groups of 4 base32 data characters plus 1 check character (``ABCD7-EFGH2-…``).
The check is a weighted sum in GF(32) over the group's index, its data and the check
character, each position with a different non-zero weight. In a field a product of
non-zero values is non-zero, so every single mistyped character and every swap of two
characters in a group (the check character included) changes the sum, and a group moved
to another place fails its index. The message can then say *which* group to look at.
(Luhn mod 32, used before, misses swapping A and 7, as Luhn-10 misses 09/90.)
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


_POLY = 0b100101  # x^5 + x^2 + 1, primitive: GF(32)


def _gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return product


def _gf_inverse(a: int) -> int:
    return next(x for x in range(1, 32) if _gf_mul(a, x) == 1)


def _weights(count: int) -> list[int]:
    """alpha^1 .. alpha^count: distinct and non-zero."""
    weights, w = [], 1
    for _ in range(count):
        w = _gf_mul(w, 0b10)
        weights.append(w)
    return weights


_W = _weights(DATA_PER_GROUP + 2)  # index symbol, data characters, check character
_CHECK_INVERSE = _gf_inverse(_W[-1])


def _group_check(index: int, data: str) -> str:
    total = _gf_mul(_W[0], index)
    for weight, ch in zip(_W[1:], data, strict=False):
        total ^= _gf_mul(weight, ALPHABET.index(ch))
    # The check character c makes the weighted sum zero: W[-1]*c = total.
    return ALPHABET[_gf_mul(total, _CHECK_INVERSE)]


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
