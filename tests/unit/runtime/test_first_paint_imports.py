"""Cheaper first paint (issue 14): `hushpad` up to its first frame (the clients screen, empty
and locked, the unlock not begun) loads none of what it does not show. A config.toml that
sets the clinician, a built-in default template and an empty [billing] (what setup writes,
filled in) is read and checked at start without the shorthand, measures, templates or
billing modules; the Textual version pin is checked without importlib.metadata; the risk
column's styles come with the list, not before it; TextArea comes with the jotting editor.

Each case runs in a fresh interpreter (sys.modules is per process): the real HushpadApp runs
headless, and the moment the unlock would start (after the first refresh) is where
sys.modules is read."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tui.config import EXAMPLE_CONFIG

ROOT = Path(__file__).resolve().parents[3]

# Deferred from the first paint, each to where it is first used.
NOT_AT_FIRST_PAINT = (
    "tui.domain.shorthand", "tui.domain.measures", "tui.domain.templates", "tui.domain.billing",
    "tui.domain.one_line", "tui.keymap", "tui.widgets.score_trend", "importlib.metadata", "email", "hashlib",
    # the jotting editor's TextArea overrides, with TextArea and textual.document
    "tui.widgets._textual_compat_text", "textual.widgets._text_area", "textual.document",
    # and what the unlock worker brings, after the first frame (tui/app.py)
    "cryptography", "sqlcipher3", "sqlite_utils", "keyring",
)

FIRST_PAINT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    root, watched = Path(sys.argv[1]), json.loads(sys.argv[2])
    from tui.config import load_config
    from tui.app import HushpadApp

    seen = {}
    def at_unlock(self):  # called after the first refresh: the clients screen has painted
        seen["loaded"] = sorted({w for w in watched for m in sys.modules if m == w or m.startswith(w + ".")})
        seen["screen"] = type(self.screen).__name__
        seen["rows"] = self.screen.query_one("#clients-table").row_count
        self.exit(0)
    HushpadApp.unlock_with_keyring = at_unlock

    config = load_config(root, explicit_profile=True)
    async def main():
        app = HushpadApp(config)
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):
                if seen:
                    break
                await pilot.pause(0.02)
    asyncio.run(main())
    after = {"shorthand": type(config.shorthand).__name__, "templates": sorted(config.note_templates)[:2]}
    print(json.dumps({**seen, "clinician": config.clinician_name, "default_template": config.default_template,
                      "first_use": after, "loaded_after_use": "tui.domain.shorthand" in sys.modules}))
    """
)


def first_paint(tmp_path: Path, config_text: str) -> dict:
    root = tmp_path / "profile"
    root.mkdir()
    (root / "keys.json").write_text("{}")  # an initialised profile (the unlock itself is intercepted)
    (root / "config.toml").write_text(config_text)
    done = subprocess.run([sys.executable, "-c", FIRST_PAINT, str(root), json.dumps(NOT_AT_FIRST_PAINT)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def filled_in_example() -> str:
    text = EXAMPLE_CONFIG.replace('name = ""            # shown on signed notes', 'name = "Dana Reyes"  #', 1)
    text = text.replace('credentials = ""', 'credentials = "LCSW"', 1)
    text = text.replace('default_template = "SOAP"', 'default_template = "DAP"', 1)
    assert 'name = "Dana Reyes"' in text and '"DAP"' in text and "[billing]" in text
    return text


def test_first_paint_with_the_setup_config_filled_in_loads_nothing_deferred(tmp_path: Path) -> None:
    out = first_paint(tmp_path, filled_in_example())
    # The real first screen came up, locked and empty, and the file was really read ...
    assert (out["screen"], out["rows"]) == ("ClientsScreen", 0)
    assert (out["clinician"], out["default_template"]) == ("Dana Reyes", "DAP")
    # ... and none of the deferred modules were loaded for it.
    assert out["loaded"] == [], f"imported before the first frame: {out['loaded']}"
    # On first use the rules and templates are there, built then.
    assert out["first_use"] == {"shorthand": "ShorthandRules", "templates": ["birp", "dap"]}
    assert out["loaded_after_use"] is True


def test_a_config_with_shorthand_rules_parses_them_at_start(tmp_path: Path) -> None:
    """What the file sets is still parsed at start (a mistake in it stops Hushpad there)."""
    text = filled_in_example() + '\n[shorthand.abbreviations]\n"ACT" = "acceptance and commitment therapy"\n'
    out = first_paint(tmp_path, text)
    assert out["screen"] == "ClientsScreen"
    assert "tui.domain.shorthand" in out["loaded"]


JOT_FIRST_FRAME = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    root = Path(sys.argv[1])
    from tui.config import load_config
    from tui.app import HushpadApp, StartRequest

    seen = {}
    def at_unlock(self):  # jot: called as the scratchpad goes up; read after its first refresh
        def read():
            seen["screen"] = type(self.screen).__name__
            seen["loaded"] = sorted({m for m in ("tui.screens.clients", "textual.widgets._data_table")
                                     if m in sys.modules})
            self.exit(0)
        self.call_after_refresh(read)
    HushpadApp.unlock_with_keyring = at_unlock

    async def main():
        app = HushpadApp(load_config(root, explicit_profile=True), start=StartRequest(jot_code="RB-07"))
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):
                if seen:
                    break
                await pilot.pause(0.02)
    asyncio.run(main())
    print(json.dumps(seen))
    """
)


def test_hushpad_jot_shows_the_scratchpad_without_loading_the_clients_list(tmp_path: Path) -> None:
    # Straight into a session, the list behind it (and DataTable) loads when the session closes.
    root = tmp_path / "profile"
    root.mkdir()
    (root / "keys.json").write_text("{}")
    done = subprocess.run([sys.executable, "-c", JOT_FIRST_FRAME, str(root)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {"screen": "ScratchpadScreen", "loaded": []}
