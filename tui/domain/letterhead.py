"""The practice and clinician header of an export, and the client's identity line.

Both are printed *around* the signed text, never inside it: the signed text (and so its
signature) stays exactly as it was signed, whatever the practice's address is today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Letterhead", "client_identity"]


@dataclass(frozen=True)
class Letterhead:
    practice: str = ""
    address: str = ""  # lines joined by "\n"
    phone: str = ""
    clinician: str = ""
    credentials: str = ""
    licence: str = ""
    npi: str = ""

    @property
    def clinician_line(self) -> str:
        """"Dana Reyes, LCSW · Licence LCSW 12345 · NPI 1234567893" ('' when nothing is set)."""
        who = self.clinician + (f", {self.credentials}" if self.clinician and self.credentials else "")
        parts = [who or self.credentials]
        if self.licence:
            parts.append(f"Licence {self.licence}")
        if self.npi:
            parts.append(f"NPI {self.npi}")
        return " · ".join(p for p in parts if p)

    def lines(self) -> list[str]:
        """The header, one item per line: practice, address lines, phone, clinician."""
        out = [self.practice] if self.practice else []
        out += [line for line in self.address.split("\n") if line]
        if self.phone:
            out.append(f"Phone {self.phone}")
        if self.clinician_line:
            out.append(self.clinician_line)
        return out


def client_identity(client: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs naming the client: name (if recorded), code, date of birth."""
    out = []
    if client.get("display_name"):
        out.append(("Client", client["display_name"]))
    out.append(("Client code", client["code"]))
    out.append(("Date of birth", client.get("date_of_birth") or "not recorded"))
    return out
