"""Remappable keys without Textual: every binding id the app has, and what a key name may be.

config.toml's [keys] table is checked against these at start-up, so a typo ("scratchpad.curtian",
"ctlr+l") stops Hushpad with the file and line instead of leaving a key silently unbound.
tests/unit/config/test_keymap.py keeps BINDING_IDS equal to the ids the screens declare and
the key names in step with Textual's.
"""

from __future__ import annotations

import unicodedata

BINDING_IDS = frozenset({
    "addendum.cancel", "addendum.sign",
    "app.help", "app.lock", "app.quit",
    "before.back", "before.start",
    "chart.back", "chart.before", "chart.export", "chart.open_note", "chart.plan", "chart.private", "chart.search",
    "chart.write_up",
    "client_form.cancel", "client_form.save",
    "clients.add", "clients.before", "clients.chart", "clients.edit", "clients.export", "clients.filter",
    "clients.discard", "clients.first", "clients.group", "clients.jot", "clients.last", "clients.mark",
    "clients.notes_due", "clients.search", "clients.sort",
    "clients.write_up",
    "diagnosis.add", "diagnosis.cancel",
    "discard.keep",
    "due.back", "due.write_up",
    "export.cancel", "export.run",
    "folder_prompt.cancel",
    "help.close",
    "jottings.redo", "jottings.undo",
    "note.addendum", "note.back", "note.copy", "note.export",
    "plan.add_goal", "plan.add_intervention", "plan.add_objective", "plan.add_problem", "plan.back",
    "plan.add_diagnosis", "plan.edit_goal", "plan.primary_diagnosis", "plan.remove_diagnosis", "plan.review_date",
    "plan.sign", "plan.status", "plan.target_date",
    "private.back",
    "prompt.cancel",
    "restore.later", "restore.run",
    "scratchpad.curtain", "scratchpad.discard", "scratchpad.emergency", "scratchpad.end", "scratchpad.leave", "scratchpad.questions", "scratchpad.save",
    "search.back", "search.private", "search.scope",
    "setup.keyring", "setup.passphrase",
    "unlock.keyring", "unlock.recovery",
    "writeup.back", "writeup.carry_all", "writeup.close", "writeup.copy", "writeup.emergency", "writeup.fill_blank",
    "writeup.goto",
    "writeup.leave", "writeup.next", "writeup.quick_fill", "writeup.sign",
})

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset({
    "backspace", "delete", "down", "end", "enter", "escape", "home", "insert", "left", "pagedown", "pageup",
    "return", "right", "space", "tab", "up", *(f"f{n}" for n in range(1, 25)),
    # Textual's short names for some characters (textual.keys.KEY_NAME_REPLACEMENTS)
    "slash", "backslash", "at", "minus", "plus", "underscore",
})


def _is_character_name(name: str) -> bool:
    """"question_mark", "full_stop": a character by its Unicode name, as Textual names keys."""
    try:
        char = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return False
    return len(char) == 1 and char.isprintable() and not char.isspace()


def key_problem(spec: str) -> str | None:
    """Why ``spec`` ("f2", "ctrl+l", "f2,ctrl+x") is not a key Textual can bind, or None."""
    for key in spec.split(","):
        key = key.strip()
        if not key:
            return f"{spec!r} has an empty key"
        *modifiers, last = key.split("+")
        unknown = [m for m in modifiers if m.lower() not in MODIFIERS]
        if unknown:
            return f"{unknown[0]!r} in {key!r} is not a modifier (use ctrl, shift, alt, meta, super or hyper)"
        if not last:
            return f"{key!r} names no key after its modifiers"
        printable = len(last) == 1 and last.isprintable() and not last.isspace()
        if not (printable or last.lower() in NAMED_KEYS or _is_character_name(last)):
            return f"{last!r} is not a key name (e.g. f2, ctrl+l, escape, question_mark)"
    return None
