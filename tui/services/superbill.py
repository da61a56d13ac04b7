"""A superbill: the billing summary a client sends their insurer for out-of-network
reimbursement (issue 13 item 3). For one client and a date range it lists each signed
session with its place of service, CPT code with modifiers and add-ons, the diagnosis codes
and the fee from config, under the practice, the provider and their NPI.

Everything billed is read from what was signed: each note's signed payload (its facts: CPT,
modifier, place of service, +90785) and its signed layout (the "Diagnoses" line), after the
one verify. A note that fails it is left off the bill and named, so a bill never carries a
charge the record does not support. Drafts and unsigned sessions are never billed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain import clock
from ..domain.letterhead import Letterhead, client_identity
from ..domain.visible import make_visible
from ..errors import HushpadError
from ..storage import queries
from .reading import RecordReader, day
from .records_export import RecordsExport

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["Superbill", "SuperbillError", "SuperbillLine", "superbill_pdf", "superbill_text"]

INTERACTIVE_COMPLEXITY = "90785"


class SuperbillError(HushpadError):
    pass


@dataclass(frozen=True)
class SuperbillLine:
    service_date: str
    place_of_service: str
    cpt: str  # with its modifier: "90837-95"
    add_ons: tuple[str, ...]
    diagnoses: tuple[str, ...]  # ICD-10-CM codes, primary first
    note_id: int
    fees: tuple[float | None, ...]  # the primary's and each add-on's, None when config has none

    @property
    def total(self) -> float:
        return sum(f for f in self.fees if f is not None)


@dataclass
class Bill:
    letterhead: Letterhead
    npi: str
    client: dict[str, Any]
    start: str
    end: str
    lines: list[SuperbillLine] = field(default_factory=list)
    diagnoses: dict[str, str] = field(default_factory=dict)  # code: "F33.1 Major depressive ... (primary)"
    left_off: list[str] = field(default_factory=list)  # notes not billed, and why
    issued: str = ""

    @property
    def total(self) -> float:
        return sum(line.total for line in self.lines)

    @property
    def fees_missing(self) -> list[str]:
        codes = []
        for line in self.lines:
            for code, fee in zip((line.cpt.split("-")[0], *(a.split("-")[0] for a in line.add_ons)), line.fees):
                if fee is None and code not in codes:
                    codes.append(code)
        return codes


def _iso_day(value: str, what: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise SuperbillError(f"{what} must be a date, YYYY-MM-DD; got {value[:20]!r}.") from None


def _signed_facts(note: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """(facts, layout blocks) as signed; for a note sealed before signatures, its stored draft."""
    if note.get("signed_payload"):
        payload = json.loads(note["signed_payload"])
        return payload.get("facts") or {}, payload.get("blocks") or []
    stored = json.loads(note.get("draft_json") or "{}")
    return stored.get("facts") or {}, []


def _diagnoses_from(blocks: list[Any]) -> list[str]:
    for block in blocks:
        if len(block) == 3 and block[0] == "field" and block[1] == "Diagnoses":
            return [part.strip() for part in str(block[2]).split(";") if part.strip()]
    return []


class Superbill(RecordReader):
    def __init__(self, workspace: "Workspace") -> None:
        super().__init__(workspace)
        self._export = RecordsExport(workspace)

    def build(self, code: str, start: str, end: str) -> Bill:
        start, end = _iso_day(start, "The first day"), _iso_day(end, "The last day")
        if end < start:
            raise SuperbillError(f"The range ends ({end}) before it starts ({start}).")
        client = self.record.client_by_code(code)
        if client is None:
            raise SuperbillError(f"No client with the code {code!r}.")
        config = self.workspace.config
        bill = Bill(self._export.letterhead, getattr(config, "npi", "") or "", client, start, end,
                    issued=day(clock.now_iso()))
        fees = dict(getattr(config, "fees", {}) or {})
        for note in queries.client_signed_note_rows(self.record, client["id"]):
            session = self.record.session(note["session_id"]) or {}
            facts, blocks = _signed_facts(note)
            served = str(facts.get("date") or day(session.get("started_at")))
            if not start <= served <= end:
                continue
            verdict = self._export.verdict(note)
            if not verdict.ok:
                bill.left_off.append(f"{served}, note {note['id']}: not billed, its signature does not verify")
                continue
            primary = str(facts.get("cpt_code") or "").strip().upper()
            if not primary:
                bill.left_off.append(f"{served}, note {note['id']}: not billed, no CPT code on the note")
                continue
            base, _, typed_modifier = primary.partition("-")
            modifier = typed_modifier or str(facts.get("cpt_modifier") or "").strip().upper()
            # The telehealth modifier goes on the add-on's line too (session_billing.cpt_line).
            add_ons = ((INTERACTIVE_COMPLEXITY + (f"-{modifier}" if modifier else ""),)
                       if facts.get("interactive_complexity") else ())
            if facts.get("crisis") and base == "90839":
                # +90840 per further 30 min of crisis psychotherapy (billing.crisis_units), one unit a line item
                from ..domain.billing import crisis_units

                more = crisis_units(int(facts.get("duration_min") or 0))[1]
                add_ons += ("90840" + (f"-{modifier}" if modifier else ""),) * more
            labels = _diagnoses_from(blocks)
            codes = tuple(label.split(" ", 1)[0] for label in labels)
            for code_, label in zip(codes, labels):
                bill.diagnoses.setdefault(code_, label)
            bill.lines.append(SuperbillLine(
                served, str(facts.get("place_of_service") or ""), base + (f"-{modifier}" if modifier else ""),
                add_ons, codes, note["id"], tuple(fees.get(c.split("-")[0]) for c in (base, *add_ons))))
        bill.lines.sort(key=lambda line: (line.service_date, line.note_id))
        self.record.audit(self.actor, "superbill exported", subject=f"client:{client['id']}",
                          detail=f"{start} to {end}, {len(bill.lines)} sessions")
        return bill


def _money(value: float | None) -> str:
    return "fee not set" if value is None else f"{value:,.2f}"


def _header(bill: Bill) -> list[str]:
    lines = [*bill.letterhead.lines()]
    if bill.npi and not any("NPI" in line for line in lines):
        lines.append(f"NPI {bill.npi}")
    lines += ["", "SUPERBILL (statement for insurance reimbursement)",
              " · ".join(f"{label}: {value}" for label, value in client_identity(bill.client)),
              f"Dates of service: {bill.start} to {bill.end} · issued {bill.issued}"]
    return lines


def superbill_text(bill: Bill) -> str:
    out = _header(bill) + ["", "Diagnoses (ICD-10-CM):"]
    out += [f"  {label}" for label in bill.diagnoses.values()] or ["  (none on the notes)"]
    out += ["", "Date        POS  CPT           Diagnoses            Fee"]
    for line in bill.lines:
        codes = [line.cpt, *("+" + a for a in line.add_ons)]
        out.append(f"{line.service_date}  {line.place_of_service or '--':<3}  {', '.join(codes):<12}  "
                   f"{', '.join(line.diagnoses) or '--':<19}  {_money(line.total if all(f is not None for f in line.fees) else None)}")
    if not bill.lines:
        out.append("(no signed sessions in this range)")
    out += ["", f"Total: {_money(bill.total)}" + (
        f" (no fee set for {', '.join(bill.fees_missing)}: [billing.fees] in config.toml)" if bill.fees_missing else "")]
    out += [f"Not billed: {reason}" for reason in bill.left_off]
    out += ["", "Each line is a signed progress note; its signature was verified when this was made."]
    return make_visible("\n".join(out)) + "\n"


def superbill_pdf(bill: Bill) -> bytes:
    from .pdf_export import BLACK, GREY, LEFT, RIGHT, render_pdf, start_pdf, write_letterhead

    pdf, sheet = start_pdf()
    sheet.new_page()
    write_letterhead(sheet, bill.letterhead)
    if bill.npi and not any("NPI" in line for line in bill.letterhead.lines()):
        sheet.write(f"NPI {bill.npi}", 9, colour=GREY)
    sheet.write("Superbill", 14, bold=True)
    sheet.write("Statement for insurance reimbursement", 9, colour=GREY, after=1)
    for label, value in client_identity(bill.client):
        sheet.write(f"{label}: {value}", 10)
    sheet.write(f"Dates of service: {bill.start} to {bill.end} · issued {bill.issued}", 10, after=2)
    sheet.write("Diagnoses (ICD-10-CM)", 10.5, bold=True)
    for label in bill.diagnoses.values() or ["(none on the notes)"]:
        sheet.write(label, 10, indent=4)
    sheet.gap(2)
    sheet.rule()
    columns = (LEFT, LEFT + 26, LEFT + 38, LEFT + 78)
    sheet.room(6)
    sheet.gap(1)
    for x, title in zip(columns, ("Date", "POS", "CPT", "Diagnoses")):
        sheet.place(x, title, 9, bold=True)
    sheet.place(RIGHT, "Fee", 9, bold=True, right=True)
    sheet.gap(5)
    for line in bill.lines:
        sheet.room(5)
        codes = ", ".join([line.cpt, *("+" + a for a in line.add_ons)])
        cells = (line.service_date, line.place_of_service or "--", sheet.fit(codes, 9.5, 38),
                 sheet.fit(", ".join(line.diagnoses) or "--", 9.5, RIGHT - columns[3] - 30))
        for x, cell in zip(columns, cells):
            sheet.place(x, cell, 9.5)
        complete = all(f is not None for f in line.fees)
        sheet.place(RIGHT, _money(line.total if complete else None), 9.5, right=True, colour=BLACK if complete else GREY)
        sheet.gap(5)
    if not bill.lines:
        sheet.write("(no signed sessions in this range)", 10)
    sheet.rule()
    sheet.room(6)
    sheet.place(LEFT, "Total", 10.5, bold=True)
    sheet.place(RIGHT, _money(bill.total), 10.5, bold=True, right=True)
    sheet.gap(6)
    if bill.fees_missing:
        sheet.write(f"No fee set for {', '.join(bill.fees_missing)} ([billing.fees] in config.toml).", 9, colour=GREY)
    for reason in bill.left_off:
        sheet.write(f"Not billed: {reason}", 9)
    sheet.gap(2)
    sheet.write("Each line is a signed progress note; its signature was verified when this was made.", 9, colour=GREY)
    return render_pdf(sheet, title=f"Superbill {bill.client['code']} {bill.start} to {bill.end}",
                   author=bill.letterhead.clinician, footer=f"Client code {bill.client['code']}", pdf=pdf)
