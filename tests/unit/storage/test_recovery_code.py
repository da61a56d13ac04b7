"""The recovery code: 256 bits, 13 groups of 4 base32 characters plus a per-group check."""

from __future__ import annotations

import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.storage import keys as keymod
from tui.storage import recovery_code as rc
from tui.storage.errors import RecoveryCodeError, UnwrapError
from tui.storage.profile import unlock

from .helpers import assert_clear_message, snapshot_hashes

secrets32 = st.binary(min_size=32, max_size=32)


def groups(code: str) -> list[str]:
    return code.split("-")


def test_shape_of_a_new_code():
    secret, code = rc.new_code()
    assert len(secret) == 32
    assert re.fullmatch(r"([A-Z2-7]{5}-){12}[A-Z2-7]{5}", code)
    assert rc.decode(code) == secret
    assert rc.last_group(code) == groups(code)[-1]


def test_new_codes_differ():
    assert len({rc.new_code()[1] for _ in range(50)}) == 50


@given(secrets32)
def test_round_trip(secret):
    assert rc.decode(rc.encode(secret)) == secret


@given(secrets32, st.sampled_from([" ", "", "  ", "\t", "."]))
def test_round_trip_however_it_is_typed(secret, separator):
    typed = separator.join(groups(rc.encode(secret))).lower()
    assert rc.decode(typed) == secret


@given(secrets32, st.data())
@settings(max_examples=200)
def test_any_single_substitution_is_caught_and_its_group_named(secret, data):
    code = rc.encode(secret)
    chars = list(rc.normalise(code))
    pos = data.draw(st.integers(0, len(chars) - 1))
    replacement = data.draw(st.sampled_from([c for c in rc.ALPHABET if c != chars[pos]]))
    chars[pos] = replacement
    with pytest.raises(RecoveryCodeError) as info:
        rc.decode("".join(chars))
    assert f"Group {pos // 5 + 1} " in str(info.value)


def test_a_typo_in_every_position_of_every_group_names_that_group():
    secret, code = rc.new_code()
    for g, group in enumerate(groups(code)):
        for j, original in enumerate(group):
            for wrong in rc.ALPHABET:
                if wrong == original:
                    continue
                typo = list(groups(code))
                typo[g] = group[:j] + wrong + group[j + 1 :]
                with pytest.raises(RecoveryCodeError) as info:
                    rc.decode("-".join(typo))
                message = assert_clear_message(info.value)
                assert message.startswith(f"Group {g + 1} (") and "typo" in message, message


@given(secrets32, st.data())
def test_two_swapped_groups_are_caught(secret, data):
    parts = groups(rc.encode(secret))
    i, k = data.draw(st.lists(st.integers(0, 12), min_size=2, max_size=2, unique=True))
    if parts[i] == parts[k]:
        return  # identical groups swap to the same code
    parts[i], parts[k] = parts[k], parts[i]
    with pytest.raises(RecoveryCodeError) as info:
        rc.decode("-".join(parts))
    assert re.match(rf"Group ({min(i, k) + 1}|{max(i, k) + 1}) ", str(info.value))


def test_two_swapped_neighbouring_characters_are_caught():
    secret, code = rc.new_code()
    for g, group in enumerate(groups(code)):
        for j in range(4):
            if group[j] == group[j + 1]:
                continue
            swapped = group[:j] + group[j + 1] + group[j] + group[j + 2 :]
            parts = groups(code)
            parts[g] = swapped
            with pytest.raises(RecoveryCodeError, match=f"Group {g + 1} "):
                rc.decode("-".join(parts))


def test_lookalike_digits_zero_one_eight_are_read_as_o_i_b():
    # Build a code that contains O, I and B so the lookalikes have something to stand for.
    while True:
        secret, code = rc.new_code()
        if {"O", "I", "B"} <= set(code):
            break
    typed = code.replace("O", "0").replace("I", "1").replace("B", "8")
    assert typed != code
    assert rc.decode(typed) == secret
    assert rc.decode(typed.lower()) == secret


def test_wrong_length_says_how_long_a_code_is():
    _, code = rc.new_code()
    with pytest.raises(RecoveryCodeError) as info:
        rc.decode(code[:-6])
    message = assert_clear_message(info.value)
    assert "13 groups of 5" in message and "this one has 60" in message


def test_punctuation_is_ignored_so_a_replaced_character_shows_as_a_short_code():
    _, code = rc.new_code()
    mangled = code[:6] + "?" + code[7:]  # '?' typed for a data character of group 2
    with pytest.raises(RecoveryCodeError, match="this one has 64"):
        rc.decode(mangled)


def test_a_character_base32_lacks_but_that_is_alphanumeric_is_named():
    # Every ASCII letter and 2-7 is in the alphabet and 0/1/8/9 are mapped, so only
    # letters from other scripts reach this check.
    _, code = rc.new_code()
    mangled = "É" + code[1:]
    with pytest.raises(RecoveryCodeError) as info:
        rc.decode(mangled)
    assert "has no É" in str(info.value)


def test_nonzero_padding_bits_in_the_last_group_are_a_typo_there():
    secret, code = rc.new_code()
    parts = groups(code)
    data = parts[-1][:4]
    # The last data character carries 1 bit of secret and 4 zero bits; set a zero bit
    # and recompute the check, so only the padding rule can catch it.
    last = rc.ALPHABET[rc.ALPHABET.index(data[3]) ^ 0b00001]
    data = data[:3] + last
    parts[-1] = data + rc._group_check(12, data)
    with pytest.raises(RecoveryCodeError, match="Group 13 "):
        rc.decode("-".join(parts))


def test_encode_refuses_a_secret_of_the_wrong_size():
    with pytest.raises(ValueError):
        rc.encode(b"x" * 31)


# -- against a profile --------------------------------------------------------------------
def test_a_wrong_but_valid_code_does_not_open_the_profile_and_changes_nothing(made):
    before = snapshot_hashes(made.root)
    other = rc.new_code()[1]
    with pytest.raises(UnwrapError) as info:
        unlock(made.paths, recovery_code=other)
    assert assert_clear_message(info.value) == "That recovery code does not open this profile."
    assert snapshot_hashes(made.root) == before


def test_a_code_with_a_typo_names_the_group_and_changes_nothing(made):
    before = snapshot_hashes(made.root)
    parts = groups(made.code)
    parts[6] = ("A" if parts[6][0] != "A" else "B") + parts[6][1:]
    with pytest.raises(RecoveryCodeError, match="Group 7 "):
        unlock(made.paths, recovery_code="-".join(parts))
    assert snapshot_hashes(made.root) == before


def test_the_recovery_kek_is_bound_to_the_profile():
    secret = secrets.token_bytes(32)
    assert keymod.recovery_kek(secret, "a") != keymod.recovery_kek(secret, "b")
    assert keymod.recovery_kek(secret, "a") != secret


def test_swapping_a_and_7_is_caught():
    """A (0) and 7 (31) are the pair Luhn mod 32 cannot tell apart when swapped."""
    code = rc.encode(bytes([0x07, 0xC0]) + bytes(30))
    first = code.split("-")[0]
    assert first.startswith("A7")
    swapped = "7A" + first[2:]
    with pytest.raises(RecoveryCodeError, match="Group 1 "):
        rc.decode("-".join([swapped, *code.split("-")[1:]]))


def test_every_single_typo_and_swap_in_a_group_is_caught_and_located():
    import itertools

    code = rc.encode(bytes(range(32)))
    parts = code.split("-")
    for g, group in enumerate(parts):
        variants = [group[:j] + ch + group[j + 1:] for j in range(5) for ch in rc.ALPHABET if ch != group[j]]
        for i, j in itertools.combinations(range(5), 2):
            if group[i] != group[j]:
                chars = list(group)
                chars[i], chars[j] = chars[j], chars[i]
                variants.append("".join(chars))
        for variant in variants:
            with pytest.raises(RecoveryCodeError, match=f"Group {g + 1} "):
                rc.decode("-".join([*parts[:g], variant, *parts[g + 1:]]))
