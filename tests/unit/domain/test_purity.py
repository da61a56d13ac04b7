"""tui.domain is pure logic: standard library only, and nothing that does I/O."""

import ast
import pathlib

import tui.domain

DOMAIN = pathlib.Path(tui.domain.__file__).parent

ALLOWED = {
    "__future__", "collections", "dataclasses", "datetime", "difflib", "enum",
    "hashlib", "re", "types", "typing", "unicodedata",
    # Pure computation too: signed payloads are canonical JSON, signatures travel as
    # base64, and Ed25519 (cryptography's primitives do no I/O) is what verify checks.
    "base64", "json", "cryptography",
    # Search indexes (bisect, heapq) and the lock that builds the code set once.
    "bisect", "heapq", "threading",
    # The ICD-10-CM code set: the package reads only its own bundled data, once, on first
    # use (tui.domain.diagnoses imports it inside a function, never at start-up).
    "simple_icd_10_cm",
}


def imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_domain_imports_only_pure_standard_library():
    files = sorted(DOMAIN.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        extra = imported_modules(path) - ALLOWED
        assert not extra, f"{path.name} imports {sorted(extra)}"


def test_the_purity_check_would_notice_an_io_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom textual.app import App\nfrom .models import NoteDraft\n")
    assert imported_modules(bad) - ALLOWED == {"sqlite3", "textual"}
