"""The binding-id registry stays equal to what the screens declare; key names stay Textual's."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

import tui
from tui.keymap import BINDING_IDS, MODIFIERS, NAMED_KEYS, key_problem


def _declared_ids() -> set[str]:
    for module in pkgutil.walk_packages(tui.__path__, "tui."):
        if module.name.startswith(("tui.screens", "tui.widgets", "tui.app")):
            importlib.import_module(module.name)
    ids: set[str] = set()
    stack = [DOMNode]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def test_the_registry_is_every_binding_id_the_app_declares():
    declared = _declared_ids()
    assert declared, "no binding ids found: the walk is broken"
    assert declared == BINDING_IDS, (sorted(declared - BINDING_IDS), sorted(BINDING_IDS - declared))


def test_named_keys_are_textuals():
    plain = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<") and k.value != "ctrl-at"}
    assert NAMED_KEYS == plain | set(KEY_NAME_REPLACEMENTS.values())
    assert {k.value.split("+")[0] for k in Keys if "+" in k.value} <= MODIFIERS


@pytest.mark.parametrize("spec", ["f2", "ctrl+l", "f2,ctrl+x", "question_mark", "?", "ctrl+shift+up", "escape", "A"])
def test_good_keys(spec):
    assert key_problem(spec) is None


@pytest.mark.parametrize(("spec", "says"), [
    ("ctlr+l", "not a modifier"), ("f25", "not a key name"), ("ctrl+", "names no key"), ("f2,", "empty key"),
    ("esc", "not a key name"), ("page down", "not a key name"), ("ctrl+\x1b", "not a key name"),
])
def test_bad_keys(spec, says):
    assert says in key_problem(spec)
