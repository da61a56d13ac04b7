"""Print-ready PDFs: one signed note, or a client's whole records request.

Layout only: what is printed comes from records_export (NoteView, RecordsRequest), which
has already verified every signature; nothing here reads the stores.

Why fpdf2 and this shape (figures in benchmarks/README.md):
- fpdf2's own line breaking (multi_cell) costs ~60 ms a note; 10,000 notes would take
  minutes. So the text is laid out here, once, into pages of positioned lines (``_Sheet``),
  with the font's own advance widths, and then drawn with ``FPDF.text``. Laying out first
  also gives the page count before anything is drawn, so "page N of M" and the index's page
  numbers are plain numbers (fpdf2's ``{nb}`` alias is switched off: a note that contains
  "{nb}" prints "{nb}").
- User text only ever goes in as a string argument to ``FPDF.text``: there is no markup
  language in between, so Rich markup, Markdown, ``#``, ``$``, ``<`` all print as typed.
  Control and bidi characters were made visible upstream (make_visible); any character the
  font has no glyph for (CJK, emoji, control pictures) prints as ``[U+XXXX]``, never as
  nothing, and the cover says so.
- The font is Noto Sans (OFL), from the ``fontpkg-noto-sans`` wheel, so every install has
  it; no system font is used. Its default instance is the regular weight; bold is drawn by
  stroking the outline (text render mode 2), which keeps the same glyph widths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain.letterhead import Letterhead, client_identity

if TYPE_CHECKING:
    from .records_export import NoteView, RecordsRequest

__all__ = ["SUBSTITUTE_NOTE", "note_pdf", "records_request_pdf"]

PAGE_W, PAGE_H = 215.9, 279.4  # US Letter, mm
LEFT = 20.0
RIGHT = PAGE_W - 20.0
TOP = 20.0
BOTTOM = PAGE_H - 22.0
FOOTER_Y = PAGE_H - 12.0
PT = 25.4 / 72  # mm per point
BLACK, RED, GREY = (0, 0, 0), (170, 0, 0), (90, 90, 90)
SUBSTITUTE_NOTE = "Characters the PDF font cannot show are printed as [U+XXXX] (their Unicode code point)."

_Op = tuple  # (x, y, size, bold, colour, text) | ("rule", y)


def _font_path() -> str:
    import fontpkg_noto_sans

    return str(fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf")


class _Glyphs:
    """The font's coverage and widths: what can be drawn, and how wide it is."""

    def __init__(self, cmap: dict[int, Any], widths: dict[int, float]) -> None:
        self._widths = {code: w / 1000 * PT for code, w in widths.items() if code in cmap}
        self.substituted = 0

        class _Table(dict):  # str.translate table, filled as characters are first met
            def __missing__(self, code: int) -> str:
                if code in cmap and code >= 0x20:
                    value = chr(code)
                else:
                    value = "    " if code == 9 else f"[U+{code:04X}]"
                self[code] = value
                return value

        self._table = _Table()

    def drawable(self, text: str) -> str:
        shown = text.translate(self._table)
        if len(shown) != len(text) and "[U+" in shown:
            self.substituted += 1
        return shown

    def width(self, text: str, size: float) -> float:
        widths = self._widths
        return sum(widths.get(ord(c), 0.5 * PT) for c in text) * size


@dataclass
class _Sheet:
    """Pages of positioned lines; text is wrapped to the measure with the font's widths."""

    glyphs: _Glyphs
    pages: list[list[_Op]] = field(default_factory=list)
    y: float = TOP

    def new_page(self) -> int:
        self.pages.append([])
        self.y = TOP
        return len(self.pages)

    @property
    def page_number(self) -> int:
        return len(self.pages)

    def room(self, height: float) -> None:
        if not self.pages or self.y + height > BOTTOM:
            self.new_page()

    def gap(self, height: float) -> None:
        self.y += height

    def rule(self) -> None:
        self.room(3)
        self.pages[-1].append(("rule", self.y))
        self.y += 3

    def write(self, text: str, size: float = 10, *, bold: bool = False, indent: float = 0, colour: tuple = BLACK,
              after: float = 0) -> None:
        """One logical line (a paragraph of the signed text), wrapped; breaks pages as needed."""
        leading = size * PT * 1.35
        for piece in self.wrap(self.glyphs.drawable(text), size, RIGHT - LEFT - indent):
            self.room(leading)
            self.y += size * PT
            if piece:
                self.pages[-1].append((LEFT + indent, self.y, size, bold, colour, piece))
            self.y += leading - size * PT
        self.y += after

    def place(self, x: float, text: str, size: float = 10, *, bold: bool = False, colour: tuple = BLACK,
              right: bool = False) -> None:
        """Text at x on the current line (no wrapping; for table cells and index numbers)."""
        text = self.glyphs.drawable(text)
        if right:
            x -= self.glyphs.width(text, size)
        self.pages[-1].append((x, self.y + size * PT, size, bold, colour, text))

    def fit(self, text: str, size: float, width: float) -> str:
        """``text`` cut to ``width`` with an ellipsis (index entries, table cells)."""
        text = self.glyphs.drawable(text)
        if self.glyphs.width(text, size) <= width:
            return text
        while text and self.glyphs.width(text + "…", size) > width:
            text = text[:-1]
        return text + "…"

    def wrap(self, text: str, size: float, measure: float) -> list[str]:
        """Greedy line breaking at spaces; runs of spaces stay as typed, a word longer than
        the line (a URL, a hash, CJK without spaces) is broken where it reaches the edge."""
        width = self.glyphs.width
        space = width(" ", size)
        lines: list[str] = []
        line, used = "", 0.0
        for i, word in enumerate(text.split(" ")):
            w = width(word, size)
            if i:
                if line.strip() and used + space + w > measure:
                    lines.append(line)
                    line, used = "", 0.0
                else:
                    line, used = line + " ", used + space
            while used + w > measure and word:
                cut = self._fitting(word, size, measure - used)
                if cut == 0 and line:
                    lines.append(line)
                    line, used = "", 0.0
                    continue
                cut = max(cut, 1)
                lines.append(line + word[:cut])
                line, used = "", 0.0
                word = word[cut:]
                w = width(word, size)
            line, used = line + word, used + w
        lines.append(line)
        return lines

    def _fitting(self, word: str, size: float, room: float) -> int:
        """How many leading characters of ``word`` fit in ``room``."""
        total, width = 0.0, self.glyphs.width
        for count, char in enumerate(word):
            total += width(char, size)
            if total > room:
                return count
        return len(word)


# -- pieces shared by both documents ------------------------------------------------------
def write_letterhead(sheet: _Sheet, letterhead: Letterhead) -> None:
    lines = letterhead.lines()
    if not lines:
        return
    first, *rest = lines
    sheet.write(first, 13 if letterhead.practice else 10, bold=True)
    for line in rest:
        sheet.write(line, 9, colour=GREY)
    sheet.gap(1)
    sheet.rule()


def _identity(sheet: _Sheet, client: dict[str, Any]) -> None:
    for label, value in client_identity(client):
        sheet.write(f"{label}: {value}", 10)


_STYLE = {"title": (12, True), "heading1": (10.5, True), "heading2": (10, True), "flag": (10, True)}


def _note(sheet: _Sheet, note: "NoteView", verify_line: str) -> None:
    """The signed text line by line (styled by its layout block when the blocks match it),
    then the addenda and the signature block."""
    from .records_export import INVALID_BANNER

    if not note.verdict.ok:
        _invalid(sheet, INVALID_BANNER, note.verdict.problems)
    kinds = note.kinds
    for index, line in enumerate(note.text.rstrip("\n").split("\n")):
        kind = kinds[index] if kinds and index < len(kinds) else "text"
        if not line:
            sheet.gap(2.2)
            continue
        size, bold = _STYLE.get(kind, (10, False))
        sheet.write(line, size, bold=bold)
    for addendum in note.addenda:
        sheet.gap(3)
        sheet.write(addendum.heading, 10, bold=True)
        for line in addendum.body.split("\n"):
            if line:
                sheet.write(line, 10)
            else:
                sheet.gap(2.2)
        sheet.write(addendum.seals, 8, colour=GREY)
    sheet.gap(3)
    sheet.rule()
    for line in note.signature_lines:
        sheet.write(line, 9, bold=line.startswith("Signature:"), colour=RED if not note.verdict.ok else BLACK)
    sheet.write(f"Seal (SHA-256): {note.seal}", 8, colour=GREY)
    sheet.write(verify_line, 8, colour=GREY)
    if not note.verdict.ok:
        sheet.gap(2)
        _invalid(sheet, INVALID_BANNER, [])


def _invalid(sheet: _Sheet, banner: str, problems: list[str]) -> None:
    sheet.write(banner, 11, bold=True, colour=RED)
    for problem in problems:
        sheet.write(f"- {problem}", 9, colour=RED, indent=4)
    sheet.gap(2)


def render_pdf(sheet: _Sheet, *, title: str, author: str, footer: str, pdf: Any) -> bytes:
    """Draw the laid-out pages; every page carries ``footer`` and "page N of M"."""
    from fpdf.enums import TextMode

    total = len(sheet.pages)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("Hushpad")
    pdf.set_lang("en")
    state: dict[str, Any] = {"font": None, "bold": None, "colour": None}

    def style(size: float, bold: bool, colour: tuple) -> None:
        if state["font"] != size:
            pdf.set_font("noto", "", size)
            state["font"] = size
        if state["colour"] != colour:
            pdf.set_text_color(*colour)
            pdf.set_draw_color(*colour)
            state["colour"] = colour
        if state["bold"] != bold:
            pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
            state["bold"] = bold

    pdf.set_line_width(0.18)  # the stroke that draws bold
    for number, ops in enumerate(sheet.pages, 1):
        pdf.add_page()
        state.update(font=None, bold=None, colour=None)
        for op in ops:
            if op[0] == "rule":
                style(10, False, GREY)
                pdf.set_line_width(0.2)
                pdf.line(LEFT, op[1], RIGHT, op[1])
                pdf.set_line_width(0.18)
                continue
            x, y, size, bold, colour, text = op
            style(size, bold, colour)
            pdf.text(x, y, text)
        style(8, False, GREY)
        text = sheet.glyphs.drawable(f"{footer} · page {number} of {total}")
        pdf.text((PAGE_W - sheet.glyphs.width(text, 8)) / 2, FOOTER_Y, text)
    return bytes(pdf.output())


def start_pdf() -> tuple[Any, _Sheet]:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="letter", enforce_compliance="PDF/A-2U")
    pdf.alias_nb_pages(None)  # page totals are laid out here; "{nb}" in a note stays "{nb}"
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, TOP, PAGE_W - RIGHT)
    pdf.add_font("noto", "", _font_path())
    font = pdf.fonts["noto"]
    return pdf, _Sheet(_Glyphs(font.cmap, font.cw))


def _substitution_note(sheet: _Sheet, at_page: int, y: float) -> None:
    if sheet.glyphs.substituted:  # first in the page's content, so text extraction keeps the note's flow
        sheet.pages[at_page - 1].insert(0, (LEFT, y, 8, False, GREY, SUBSTITUTE_NOTE))


# -- the two documents --------------------------------------------------------------------
def note_pdf(letterhead: Letterhead, client: dict[str, Any], note: "NoteView", *, exported_at: str) -> bytes:
    from .records_export import how_to_verify

    pdf, sheet = start_pdf()
    sheet.new_page()
    write_letterhead(sheet, letterhead)
    sheet.write(f"Progress note {note.note_id} · {note.label}", 14, bold=True, after=1)
    _identity(sheet, client)
    sheet.write(f"Exported {exported_at}", 9, colour=GREY)
    note_y = sheet.y + 8 * PT
    sheet.gap(4)
    sheet.rule()
    _note(sheet, note, how_to_verify(f"hushpad export note {note.note_id} --format json"))
    _substitution_note(sheet, 1, note_y)
    return render_pdf(sheet, title=f"Progress note {note.note_id} ({client['code']})", author=letterhead.clinician,
                   footer=f"Client code {client['code']}", pdf=pdf)


def records_request_pdf(request: "RecordsRequest") -> bytes:
    """Cover, index (with page numbers), treatment plan, measures trend, risk history, every
    signed note with its addenda and signature block, then (only if asked) the private notes."""
    from .records_export import how_to_verify, risk_text

    pdf, sheet = start_pdf()
    client = request.client
    verify_line = how_to_verify(f"hushpad export client {client['code']} --format json")

    # Cover.
    sheet.new_page()
    write_letterhead(sheet, request.letterhead)
    sheet.gap(6)
    sheet.write("Records request", 20, bold=True, after=2)
    _identity(sheet, client)
    sheet.gap(3)
    sheet.write(f"Records: {request.date_range}", 10)
    sheet.write(f"Exported: {request.exported_at}", 10)
    sheet.write(f"Signed progress notes: {len(request.notes)}", 10, after=2)
    sheet.write("Included:", 10, bold=True)
    for item in request.contents:
        sheet.write(f"- {item}", 10, indent=4)
    sheet.gap(3)
    if request.verified:
        sheet.write("Signatures: every note verified against its Ed25519 signature.", 10, bold=True)
    else:
        _invalid(sheet, "SIGNATURE INVALID: this record does not match what was signed.", request.problems[:20])
        if len(request.problems) > 20:
            sheet.write(f"… and {len(request.problems) - 20} more (each note says which).", 9, colour=RED)
    sheet.write(verify_line, 9, colour=GREY)
    cover_note_y = sheet.y + 8 * PT

    # Index: its page count is known from the entry count, so it is reserved now and filled
    # once every entry's page is known.
    sections = ["Treatment plan", "Measures", "Risk assessments"]
    entries: list[tuple[str, bool, int]] = []
    line_h = 10 * PT * 1.35
    per_page = int((BOTTOM - TOP - 12) // line_h)
    count = len(sections) + len(request.notes) + (1 if request.include_private else 0)
    index_pages = [sheet.new_page() for _ in range(max(1, math.ceil(count / per_page)))]

    sheet.new_page()
    entries.append(("Treatment plan", True, sheet.page_number))
    _plan(sheet, request.plan)
    _plan_versions(sheet, request)
    sheet.gap(6)
    sheet.room(30)
    entries.append(("Measures", True, sheet.page_number))
    _measures(sheet, request)
    sheet.gap(6)
    sheet.room(30)
    entries.append(("Risk assessments", True, sheet.page_number))
    sheet.write("Risk assessments", 14, bold=True, after=1)
    if not request.risk:
        sheet.write("No risk assessments recorded.", 10)
    from .reading import day

    for row in request.risk:
        sheet.write(f"{day(row['assessed_at'])}: {risk_text(row)}", 9.5)

    total = len(request.notes)
    for index, note in enumerate(request.notes, 1):
        sheet.new_page()
        name = f"Note {index} of {total} · {note.label} · {note.title} · note id {note.note_id}"
        entries.append((name + ("  SIGNATURE INVALID" if not note.verdict.ok else ""), note.verdict.ok,
                        sheet.page_number))
        sheet.write(name, 11, bold=True, colour=BLACK if note.verdict.ok else RED, after=1)
        _note(sheet, note, verify_line)

    if request.include_private:
        sheet.new_page()
        entries.append(("Psychotherapy notes (private)", True, sheet.page_number))
        sheet.write("Psychotherapy notes (private; included on explicit request)", 14, bold=True, after=1)
        sheet.write("Kept separately from the clinical record (45 CFR 164.501); released only on explicit request.",
                    9, colour=GREY, after=2)
        if not request.private:
            sheet.write("No private jottings.", 10)
        for _sid, label, lines in request.private:
            sheet.room(15)
            sheet.write(label, 10.5, bold=True)
            for minute, text in lines:
                sheet.write(f"{minute:>3}' {text}", 9.5, indent=4)
            sheet.gap(3)

    # Fill the index.
    for number, (name, ok, page) in enumerate(entries):
        where = index_pages[min(number // per_page, len(index_pages) - 1)]
        row = number % per_page
        y = TOP + 12 + row * line_h + 10 * PT
        ops = sheet.pages[where - 1]
        if row == 0:
            ops.append((LEFT, TOP + 14 * PT, 14, True, BLACK, "Index"))
        colour = BLACK if ok else RED
        ops.append((LEFT, y, 10, False, colour, sheet.fit(name, 10, RIGHT - LEFT - 18)))
        number_text = str(page)
        ops.append((RIGHT - sheet.glyphs.width(number_text, 10), y, 10, False, colour, number_text))
    _substitution_note(sheet, 1, cover_note_y)
    return render_pdf(sheet, title=f"Records request: {client['code']}", author=request.letterhead.clinician,
                   footer=f"Client code {client['code']}", pdf=pdf)


def _plan_versions(sheet: _Sheet, request: "RecordsRequest") -> None:
    """Every signed version of the plan, verbatim, with its verify result."""
    from .reading import day

    sheet.gap(4)
    sheet.write("Signed treatment plan versions", 12, bold=True, after=1)
    if not request.plan_versions:
        sheet.write("The treatment plan has not been signed.", 10)
    for version in request.plan_versions:
        sheet.room(20)
        sheet.write(f"Version {version.version} · signed {day(version.signed_at)}", 10.5, bold=True)
        sheet.write(version.label, 9, colour=GREY if version.ok else RED)
        for line in version.text.rstrip("\n").split("\n"):
            sheet.write(line, 9.5, indent=4)
        sheet.gap(2)


def _plan(sheet: _Sheet, plan: dict[str, Any]) -> None:
    from .records_export import objective_lines

    sheet.write("Treatment plan", 14, bold=True, after=1)
    if not plan["problems"] and not plan["goals"] and not plan.get("diagnoses"):
        sheet.write("No treatment plan recorded.", 10)
    from .diagnoses import record_label

    for diagnosis in plan.get("diagnoses", []):
        sheet.write(f"Diagnosis (ICD-10-CM): {record_label(diagnosis)}", 10)
    for problem in plan["problems"]:
        sheet.write(f"Problem: {problem['description']} ({problem['status']})", 10)
    for goal in plan["goals"]:
        sheet.gap(1)
        sheet.write(f"Goal {goal['ordinal']} ({goal['status']}): {goal['description']}", 10, bold=True)
        for depth, line in objective_lines(goal):
            sheet.write(line, 10, indent=5 * depth)
        history = goal["history"]
        if history:
            d, status, evidence = history[-1]
            sheet.write(f"Progress: {status} on {d}" + (f" ({evidence})" if evidence else "")
                        + f"; rated in {len(history)} signed note{'s' if len(history) != 1 else ''}, "
                        "each of which states its own rating.", 10, indent=5)


def _measures(sheet: _Sheet, request: "RecordsRequest") -> None:
    sheet.write("Measures", 14, bold=True, after=1)
    names, rows = request.measure_trend
    if not rows:
        sheet.write("No measures recorded.", 10)
        return
    date_w = 28.0
    col_w = (RIGHT - LEFT - date_w) / max(1, len(names))
    line_h = 9.5 * PT * 1.4

    def header() -> None:
        sheet.place(LEFT, "Date", 9.5, bold=True)
        for i, name in enumerate(names):
            sheet.place(LEFT + date_w + i * col_w, name, 9.5, bold=True)
        sheet.gap(line_h)

    header()
    for row in rows:
        if sheet.y + line_h > BOTTOM:
            sheet.new_page()
            header()
        sheet.place(LEFT, row[0], 9.5)
        for i, cell in enumerate(row[1:]):
            sheet.place(LEFT + date_w + i * col_w, sheet.fit(cell, 9.5, col_w - 2), 9.5)
        sheet.gap(line_h)
