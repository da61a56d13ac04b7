"""The TUI's export paths (issue 12 item 1): a default in the home folder named by what goes
out, the extension following the format, and a path that cannot take the file refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tui.services.export_files import ExportPathError, default_path, target_path, with_format

DAY = date(2026, 12, 3)


def test_default_paths_name_the_note_or_the_record() -> None:
    assert default_path("RB-07", "pdf", note_id=12, today=DAY) == Path.home() / "hushpad-note-12-RB-07-2026-12-03.pdf"
    assert default_path("RB-07", "md", today=DAY) == Path.home() / "hushpad-record-RB-07-2026-12-03.md"
    assert default_path("RB-07", "fhir", today=DAY).name == "hushpad-record-RB-07-2026-12-03.fhir.json"
    assert default_path("../../x", "txt", note_id=1, today=DAY).parent == Path.home()  # never out of the folder


@pytest.mark.parametrize(("path", "fmt", "expected"), [
    ("/x/r.md", "pdf", "/x/r.pdf"),
    ("/x/r.fhir.json", "md", "/x/r.md"),
    ("/x/r.json", "fhir", "/x/r.fhir.json"),
    ("/x/r.pdf", "json", "/x/r.json"),
    ("/x/r", "txt", "/x/r.txt"),
    ("/x/v1.2.notes", "md", "/x/v1.2.notes.md"),
])
def test_the_extension_follows_the_format(path: str, fmt: str, expected: str) -> None:
    assert with_format(path, fmt) == expected


def test_paths_that_cannot_take_the_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportPathError, match="No folder"):
        target_path(str(tmp_path / "missing" / "r.md"))
    with pytest.raises(ExportPathError, match="is a folder"):
        target_path(str(tmp_path))
    with pytest.raises(ExportPathError, match="Give a file"):
        target_path("  ")
    assert target_path(f"  {tmp_path}/r.md ") == tmp_path / "r.md"
    assert target_path("~/r.md") == Path.home() / "r.md"
