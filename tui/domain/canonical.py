"""The canonical text of a note: what is signed and hashed.

Deterministic: the same draft and signature give byte-identical text on any
machine. User text is kept literal; only line endings, trailing spaces and
Unicode composition (NFC) are normalised, so an invisible difference can't
change the hash while a visible one always does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

from .measures import MeasureScore, change_since
from .models import NoteDraft, ObjectiveProgress
from .session_billing import cpt_line, place_text, telehealth_text
from .session_facts import display_time
from .lint import plan_fields_answer
from .templates import Template

__all__ = [
    "addendum_hash",
    "canonical_text",
    "content_hash",
    "escape_markdown",
    "fenced",
    "line_kinds",
    "layout",
    "markdown_from_blocks",
    "normalise_text",
    "render_markdown",
    "text_from_blocks",
]

_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def normalise_text(text: str) -> str:
    """NFC, \\n line endings, no trailing spaces, no trailing blank lines."""
    text = _SURROGATE_RE.sub("\ufffd", text)  # lone surrogates can't be UTF-8 encoded
    text = unicodedata.normalize("NFC", text)
    # splitlines() also splits on \r, \x0b, \x0c, \x1c-\x1e, \x85, \u2028, \u2029.
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def content_hash(text: str) -> str:
    """SHA-256 hex of the UTF-8 text, exactly as given."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def addendum_hash(prev_hash: str, body: str, signed_at: str, signer: str) -> str:
    """Hash of an addendum, chained to the hash of what it amends.

    Fields are length-prefixed so no choice of body can imitate another
    split of the same characters.
    """
    parts = ["hushpad-addendum-v1", prev_hash, normalise_text(body), signed_at, signer]
    payload = "".join(f"{len(p)}:{p}\n" for p in parts)
    return content_hash(payload)


def _tidy(value: str) -> str:
    # Blank lines around a value are layout noise, not content: without this,
    # an Enter pressed at the end of a section would change the signed hash.
    return normalise_text(value).lstrip("\n")


# --- layout ------------------------------------------------------------------
# The note is laid out once as a list of blocks; the plain-text and Markdown
# renderers only differ in how a block is drawn, so they can't drift apart.

_Block = tuple  # ("title", s) | ("flag", s) | ("heading", level, s) | ("field", label, value) | ("text", s) | ("item", s) | ("blank",)


def _plan_fields(draft: NoteDraft) -> list[_Block]:
    p = draft.plan
    return [
        ("field", label, value if value.strip() else "(none)")
        for label, value in (
            ("Next session", p.next_session),
            ("Homework", p.homework),
            ("Next focus", p.next_focus),
            ("Coordination", p.coordination),
        )
    ]


def _section_blocks(draft: NoteDraft, template: Template) -> list[_Block]:
    blocks: list[_Block] = []

    def section(title: str, text: str, level: int, key: str = "") -> None:
        blocks.extend([("blank",), ("heading", level, title)])
        if key == "plan" and not text.strip() and plan_fields_answer(draft, template, key):
            blocks.extend(_plan_fields(draft))  # the plan is stated once, in its fields
            return
        blocks.append(("text", text if text.strip() else "(none)"))
        if key == "plan":
            # The structured plan sits under the template's own Plan section.
            blocks.append(("blank",))
            blocks.extend(_plan_fields(draft))

    known = {s.key for s in template.sections if s.part != "group"}
    # Text under a key the template lacks (e.g. after a template switch) is
    # still part of what is signed, so it is shown, never dropped.
    extra = [(key, draft.sections[key]) for key in sorted(set(draft.sections) - known)]
    if template.group:
        blocks.extend([("blank",), ("heading", 1, "Group part")])
        for spec in template.group_sections:
            section(spec.title, draft.text_for(spec.key, spec.part), 2)
        blocks.extend([("blank",), ("heading", 1, "Individualized part")])
        for spec in template.member_sections:
            section(spec.title, draft.text_for(spec.key, spec.part), 2, spec.key)
        for key, text in extra:
            section(key, text, 2)
    else:
        for spec in template.sections:
            section(spec.title, draft.text_for(spec.key, spec.part), 1, spec.key)
        for key, text in extra:
            section(key, text, 1)
    return blocks


# The intake and the discharge summary say what they are; every other note keeps its title.
TITLES = {"intake": "Intake assessment (psychiatric diagnostic evaluation)", "discharge": "Discharge summary"}


def _course_blocks(draft: NoteDraft, today: str,
                   course: Mapping[str, tuple[str, MeasureScore, str, MeasureScore]]) -> list[_Block]:
    """The discharge summary's measures over the whole treatment: each instrument's first
    score and its last (today's when given today), and the change between them."""
    todays = {m.instrument: m for m in draft.measures}
    lines = []
    for instrument, (first_date, first, last_date, last) in course.items():
        if instrument in todays:
            last_date, last = today, todays[instrument]
        if first_date == last_date and first == last:
            lines.append(f"{first.describe()} on {first_date}: the only score")
            continue
        delta = last.total - first.total
        change = "not compared, the scale's definition changed" if first.scale != last.scale else (
            "no change") if delta == 0 else (
            ("higher" if delta > 0 else "lower") if instrument == "cssrs"
            else f"{'up' if delta > 0 else 'down'} {abs(delta)}")
        lines.append(f"{first.describe()} on {first_date} (first); {last.describe()} on {last_date} (last): {change}")
    for instrument, score in todays.items():
        if instrument not in course:
            lines.append(f"{score.describe()} on {today}: the only score")
    return [("blank",), ("heading", 2, "Measures over treatment")] + (
        [("item", line) for line in lines] or [("text", "(no measures recorded)")])


def _objective_entry(o: ObjectiveProgress) -> str:
    """"Objective 1.2: Walk 20 minutes (target 2027-01-31): improved — walked 3 days.
    Interventions: Behavioural activation"."""
    entry = f"{o.label.strip() or 'Objective ' + o.objective_id}: {o.status or 'not rated'}"
    if o.evidence.strip():
        entry += f" \u2014 {o.evidence.strip()}"
    used = [i.strip() for i in o.interventions if i.strip()]
    return entry + (f". Interventions: {', '.join(used)}" if used else "")


def _blocks(
    draft: NoteDraft,
    template: Template,
    *,
    client_label: str,
    signer: str,
    credentials: str,
    signed_at: str,
    late_entry: bool,
    key_fingerprint: str = "",
    previous: Mapping[str, MeasureScore] | None = None,
    course: Mapping[str, tuple[str, MeasureScore, str, MeasureScore]] | None = None,
) -> list[_Block]:
    f = draft.facts
    previous = previous or {}
    b: list[_Block] = [("title", TITLES.get(template.key, f"Progress note ({template.name})"))]
    if late_entry:
        b.append(("flag", "LATE ENTRY"))
    b.append(("blank",))
    b += [
        ("field", "Client", client_label),
        ("field", "Template", template.name),
        ("field", "Date", f.date),
        ("field", "Start", f.start_time),
        ("field", "Duration", f"{f.duration_min} min"),
        ("field", "Modality", f.modality),
        ("field", "Setting", f.setting),
        ("field", "Session number", str(f.session_number)),
        ("field", "CPT", cpt_line(f)),
    ]
    if f.place_of_service.strip():  # billing facts (issue 13 item 3); older drafts read as signed
        at = b.index(("field", "Session number", str(f.session_number)))
        b[at:at] = [("field", "Place of service", place_text(f))] + (
            [("field", "Telehealth", telehealth_text(f))] if telehealth_text(f) else [])
    if f.end_time.strip():  # older drafts have no end; their text stays as it was signed
        b.insert(b.index(("field", "Duration", f"{f.duration_min} min")), ("field", "End", f.end_time))
    if draft.tags:  # only when there are tags, so notes without them hash as before
        b.append(("field", "Tags", " ".join(draft.tags)))
    if draft.diagnoses:  # likewise: a note from before diagnoses were recorded reads as signed
        b.append(("field", "Diagnoses", "; ".join(draft.diagnoses)))
    if draft.plan_version.strip():  # the plan the note was written under (issue 13 item 2); none before
        label, _, value = draft.plan_version.strip().partition(": ")
        b.append(("field", label, value) if value else ("text", label))
    b += _section_blocks(draft, template)

    b += [("blank",), ("heading", 1, "Mental status")]
    mse = [(label, value) for label, value in draft.mental_status.items() if value.strip()]
    b += [("field", label, value) for label, value in mse] or [("text", "(not documented)")]

    b += [("blank",), ("heading", 1, "Interventions")]
    b += [("item", i) for i in draft.interventions if i.strip()] or [("text", "(none)")]

    b += [("blank",), ("heading", 1, "Measures")]
    for score in draft.measures:
        if score.instrument == "cssrs":  # a risk level, not a total: the answers say what it rests on
            entry = f"{score.describe()}; " + change_since(previous.get(score.instrument), score)
        else:
            entry = f"{score.name}: {score.total} ({score.band}); "
            entry += change_since(previous.get(score.instrument), score)
            if score.items is not None:
                entry += ("; answers " if score.scale is not None else "; items ") + " ".join(str(i) for i in score.items)
            if score.scale is not None:
                # A custom scale has no published manual and its config may change: the note
                # states the rules it was scored by (the signed payload carries them too).
                entry += f"; custom scale: {score.scale.describe_rules()}"
        if score.item9_flag:
            entry += f"; item 9 = {score.item9}, flagged"
        b.append(("item", entry))
    if not draft.measures:
        b.append(("text", "(none administered)"))
    if template.key == "discharge":
        b += _course_blocks(draft, f.date, course or {})

    b += [("blank",), ("heading", 1, "Risk"), ("text", draft.risk.summary())]

    b += [("blank",), ("heading", 1, "Goals")]
    placed: set[int] = set()
    for g in draft.goals:
        entry = f"{g.label.strip() or 'Goal ' + g.goal_id}: {g.status or 'not rated'}"
        if g.evidence.strip():
            entry += f". Evidence: {g.evidence.strip()}"
        b.append(("item", entry))
        # Each objective under its goal; a note without objectives reads as it was signed.
        for index, o in enumerate(draft.objectives):
            if o.goal_id == g.goal_id and index not in placed:
                placed.add(index)
                b.append(("item", _objective_entry(o)))
    b += [("item", _objective_entry(o)) for index, o in enumerate(draft.objectives) if index not in placed]
    if not draft.goals and not draft.objectives:
        b.append(("text", "(none)"))

    if not any(spec.key == "plan" and spec.part != "group" for spec in template.sections):
        b += [("blank",), ("heading", 1, "Plan")] + _plan_fields(draft)

    who = signer + (f", {credentials}" if credentials.strip() else "")
    b += [
        ("blank",),
        ("heading", 1, "Signature"),
        ("field", "Signed electronically by", who),
        # The signer's own offset, not this machine's, so the text is the same everywhere.
        ("field", "Signed at", display_time(signed_at, zone=True, local=False)),
    ]
    if key_fingerprint:
        # In the signed text itself, so every copy (screen, export, paste into an EHR) names the key.
        b.append(("field", "Signer key (Ed25519)", key_fingerprint))  # signature.KEY_LINE
    if late_entry:
        b += [("blank",), ("text", "LATE ENTRY: signed more than 24 hours after the session.")]
    return b


def canonical_text(
    draft: NoteDraft,
    template: Template,
    *,
    client_label: str,
    signer: str,
    credentials: str,
    signed_at: str,
    late_entry: bool,
    key_fingerprint: str = "",
    previous: Mapping[str, MeasureScore] | None = None,
    course: Mapping[str, tuple[str, MeasureScore, str, MeasureScore]] | None = None,
) -> str:
    """Plain text of the whole note, ending with a single newline."""
    return text_from_blocks(layout(
        draft, template, client_label=client_label, signer=signer, credentials=credentials,
        signed_at=signed_at, late_entry=late_entry, key_fingerprint=key_fingerprint, previous=previous,
        course=course,
    ))


def layout(draft: NoteDraft, template: Template, **fields: object) -> list[list[object]]:
    """The note's layout blocks, as lists: this is what a signed payload carries, so every
    later rendering (text, Markdown, PDF) is drawn from what was signed.

    Besides the draft and the signature fields, ``previous`` is context the note is written
    in, not part of the draft: the client's last earlier score per instrument, so each
    measure states its change ("+3 since last"); and ``course``, for a discharge summary,
    each instrument's first and last earlier scores with their dates."""
    return [list(block) for block in _blocks(draft, template, **fields)]  # type: ignore[arg-type]


def text_from_blocks(blocks: list) -> str:
    """The canonical plain text drawn from layout blocks."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "title":
            out.append(block[1].upper())
        elif kind == "heading":
            out.append(block[2].upper() if block[1] == 1 else block[2])
        elif kind == "field":
            out.append(f"{block[1]}: {_tidy(block[2])}")
        elif kind == "item":
            out.append(f"- {_tidy(block[1])}")
        elif kind == "blank":
            out.append("")
        else:  # flag, text
            out.append(_tidy(block[1]))
    return normalise_text("\n".join(out)) + "\n"


def line_kinds(blocks: list, text: str) -> list[str] | None:
    """For each line of the signed ``text``, the kind of layout block it came from ("title",
    "heading1", "heading2", "field", "item", "text", "flag", "blank"), so a PDF can set
    headings in bold. None when the blocks do not lay out to exactly this text: styling only
    ever decorates what was signed, it never replaces it."""
    from .visible import make_visible

    kinds: list[str] = []
    lines: list[str] = []
    for block in blocks:
        kind = block[0]
        piece = text_from_blocks([block]).rstrip("\n") if kind != "blank" else ""
        for line in piece.split("\n"):
            kinds.append(f"heading{block[1]}" if kind == "heading" else kind)
            lines.append(line)
    joined = normalise_text("\n".join(lines))
    shown = joined.split("\n")
    if make_visible(joined + "\n") != text or shown != lines[: len(shown)]:
        return None
    return kinds[: len(shown)]


# --- Markdown export -----------------------------------------------------------

# Only what Markdown would read as syntax is escaped, so a records clerk reading the file raw
# sees "(none)" and "~ 5 hours", not "\(none\)" and "\~". The rules, by character:
# - a backslash before ASCII punctuation or at the end of a line (elsewhere it is literal);
# - a backtick always (code spans);
# - * _ ~ $ when they could open emphasis, strikethrough or math: followed by a non-space
#   (an unescaped closer has no opener to close); _ only where it is not inside a word;
# - ] before ( [ or : (links, images, reference definitions: no link can form without it);
# - < before a letter, / ! or ? (HTML, comments, autolinks); & that reads as an entity;
# - at the start of a line: block syntax (# > - + * = | : [ _ and "1." / "1)").
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_LINE_START_SPECIAL = frozenset("#>-+*=|:[_")
_ORDERED_LIST = re.compile(r"^(\d{1,9})([.)])")


def _inline_escape(value: str) -> str:
    out: list[str] = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        after = value[i + 1] if i < last else ""
        before = value[i - 1] if i else ""
        if ch == "\\":
            escape = not after or after in _ASCII_PUNCT
        elif ch == "`":
            escape = True
        elif ch in "*~$":
            escape = bool(after) and not after.isspace()
        elif ch == "_":
            escape = bool(after) and not after.isspace() and not before.isalnum()
        elif ch == "]":
            escape = after in ("(", "[", ":") and after != ""
        elif ch == "<":
            escape = bool(after) and (after.isalpha() or after in "/!?")
        elif ch == "&":
            escape = _ENTITY.match(value, i) is not None
        else:
            escape = False
        out.append("\\" + ch if escape else ch)
    return "".join(out)


def escape_markdown(value: str, indent: str = "") -> str:
    """User text that renders literally: every symbol, line break and indent as typed.

    ``indent`` prefixes continuation lines (to stay inside a list item).
    """
    lines = []
    for number, raw in enumerate(normalise_text(value).split("\n")):
        stripped = raw.lstrip(" \t")
        leading = raw[: len(raw) - len(stripped)].replace("\t", "    ")
        escaped = _ORDERED_LIST.sub(r"\1\\\2", _inline_escape(stripped))
        if escaped[:1] in _LINE_START_SPECIAL:
            escaped = "\\" + escaped
        # Leading spaces would start a code block or vanish: no-break spaces keep the indent
        # (the first line's, which a renderer trims, as &#32;; typed indents are rare).
        lines.append(("&#32;" if number == 0 else "\u00a0") * len(leading) + escaped)
    out: list[str] = []
    for i, current in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        # A trailing backslash is a hard line break: keeps the typed lines.
        line = current + "\\" if current and following else current
        out.append((indent + line) if i and line else line)
    return "\n".join(out)


def fenced(text: str, info: str = "text") -> str:
    """``text`` verbatim in a fenced code block: a fence longer than any backtick run inside
    it, so nothing in the text can close the block early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip(chr(10))}\n{fence}"


def render_markdown(
    draft: NoteDraft,
    template: Template,
    *,
    client_label: str,
    signer: str,
    credentials: str,
    signed_at: str,
    late_entry: bool,
    previous: Mapping[str, MeasureScore] | None = None,
) -> str:
    """The note as Markdown for export; user text is escaped to show literally."""
    return markdown_from_blocks(layout(
        draft, template, client_label=client_label, signer=signer,
        credentials=credentials, signed_at=signed_at, late_entry=late_entry, previous=previous,
    ))


def markdown_from_blocks(blocks: list) -> str:
    """Markdown drawn from layout blocks (a signed payload's, for exports)."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "title":
            out.append("# " + _inline_escape(block[1]))
        elif kind == "heading":
            out.append("#" * (block[1] + 1) + " " + _inline_escape(block[2]))
        elif kind == "flag":
            out.append("**" + _inline_escape(block[1]) + "**")
        elif kind == "field":
            out.append("- " + escape_markdown(f"{block[1]}: {_tidy(block[2])}", indent="  "))
        elif kind == "item":
            out.append("- " + escape_markdown(_tidy(block[1]), indent="  "))
        elif kind == "blank":
            out.append("")
        else:  # text
            out.append(escape_markdown(_tidy(block[1])))
    return normalise_text("\n".join(out)) + "\n"
