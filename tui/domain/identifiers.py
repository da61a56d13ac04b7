"""Identifiers printed on exports: the clinician's NPI.

A National Provider Identifier is 10 digits whose last digit is a Luhn check digit computed
over the card-issuer prefix 80840 followed by the first nine digits (CMS, "Requirements for
NPI check digit", 45 CFR 162.406). A mistyped NPI on a records request or an EHR import is
refused at start-up rather than printed.
"""

from __future__ import annotations

__all__ = ["NPI_PREFIX", "luhn_check_digit", "npi_problem"]

NPI_PREFIX = "80840"


def luhn_check_digit(digits: str) -> int:
    """The Luhn digit that makes ``digits`` + it pass the Luhn check."""
    total = 0
    # Double every second digit from the right of the number *with* the check digit, i.e.
    # the rightmost digit of ``digits`` first.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_problem(value: str) -> str:
    """'' for a valid NPI, else a sentence saying what is wrong with it."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return f"an NPI is 10 digits, got {value!r}"
    expected = luhn_check_digit(NPI_PREFIX + value[:9])
    if int(value[9]) != expected:
        return (f"NPI {value} fails its check digit (the last digit should be {expected} for "
                f"{value[:9]}); check it against your NPPES record")
    return ""
