"""tui/storage and tui/domain never import Textual; the import-linter contracts hold."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

IMPORT_ALL = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    imported = []
    for package_name in ("tui.storage", "tui.domain"):
        package = importlib.import_module(package_name)
        imported.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            importlib.import_module(info.name)
            imported.append(info.name)
    leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
    print(json.dumps({"imported": imported, "textual": leaked}))
    """
)


def test_storage_and_domain_import_no_textual_at_run_time():
    import json

    result = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The walk really covered the modules (so an empty walk cannot pass).
    for module in ("tui.storage.keys", "tui.storage.db", "tui.storage.profile", "tui.domain.shorthand"):
        assert module in report["imported"]
    assert report["textual"] == [], f"textual imported by storage/domain: {report['textual']}"


def test_the_check_itself_sees_textual_when_it_is_imported():
    probe = IMPORT_ALL.replace('for package_name in ("tui.storage", "tui.domain"):',
                               'import textual.app\nfor package_name in ("tui.storage",):')
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    import json

    assert json.loads(result.stdout)["textual"], "the probe must notice textual"


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail(f"{lint} is missing: install the [test] extra (import-linter)")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "domain and storage never import textual KEPT" in output
    assert "layers KEPT" in output
