"""Export files from the TUI, the way `hushpad export` writes them (issue 12 item 1).

A note (txt, md, json, pdf) or a client's records request (md, json, pdf, fhir) is rendered by
the same services the command line uses and written with the same function: atomically, a new
0600 file renamed over the target (storage.files.atomic_write). Exporting only reads the record
(its audit entry aside); nothing here keeps the text anywhere but in that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import HushpadError

if TYPE_CHECKING:
    from .workspace import Workspace

NOTE_FORMATS = ("txt", "md", "json", "pdf")
CLIENT_FORMATS = ("md", "json", "pdf", "fhir")
SUFFIX = {"txt": ".txt", "md": ".md", "json": ".json", "pdf": ".pdf", "fhir": ".fhir.json"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ExportPathError(HushpadError):
    """The chosen path cannot take an export (no such folder, a folder itself)."""


@dataclass(frozen=True)
class Written:
    path: Path
    failures: tuple[str, ...]  # signatures that fail: the file carries a SIGNATURE INVALID banner

    def status(self) -> str:
        """The status line: where it went, and what it holds when a signature fails."""
        line = f"Wrote {self.path} (mode 0600). The export is recorded in the audit log."
        if self.failures:
            line += (f" SIGNATURE INVALID: {len(self.failures)} problem(s); the file says so on its first lines "
                     "and the record may have been altered.")
        return line


def _safe(code: str) -> str:
    return _UNSAFE.sub("_", code).strip("._") or "client"


def default_path(code: str, fmt: str, *, note_id: int | None = None, today: date | None = None) -> Path:
    """~/hushpad-note-<id>-<code>-<date>.<ext> for a note, ~/hushpad-record-<code>-<date>.<ext> for a record."""
    day = (today or date.today()).isoformat()
    stem = f"hushpad-note-{note_id}-{_safe(code)}-{day}" if note_id is not None else f"hushpad-record-{_safe(code)}-{day}"
    return Path.home() / (stem + SUFFIX[fmt])


def with_format(path: str, fmt: str) -> str:
    """The same path with the extension of ``fmt`` (whatever export extension it had before)."""
    for suffix in sorted(SUFFIX.values(), key=len, reverse=True):
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)] + SUFFIX[fmt]
    return path + SUFFIX[fmt]


def target_path(path: str) -> Path:
    """The absolute file an Input's text names (``~`` expanded); refused if it cannot take a file."""
    if not path.strip():
        raise ExportPathError("Give a file to write the export to.")
    target = Path(path.strip()).expanduser().absolute()
    if target.is_dir():
        raise ExportPathError(f"{target} is a folder: give a file name in it.")
    if not target.parent.is_dir():
        raise ExportPathError(f"No folder {target.parent}.")
    return target


def _write(target: Path, data: str | bytes) -> None:
    from ..storage.files import atomic_write  # what `hushpad export -o FILE` writes with

    atomic_write(target, data if isinstance(data, bytes) else data.encode("utf-8"))


def write_note(workspace: "Workspace", note_id: int, fmt: str, path: str) -> Written:
    """One signed note with its addenda, as `hushpad export note ID --format FMT -o PATH`."""
    from .records_export import RecordsExport

    if fmt not in NOTE_FORMATS:
        raise HushpadError(f"A note exports as {', '.join(NOTE_FORMATS)}, not {fmt}.")
    target = target_path(path)
    exporter = RecordsExport(workspace)
    data = exporter.note_pdf(note_id) if fmt == "pdf" else exporter.note(note_id, fmt)
    _write(target, data)
    return Written(target, tuple(exporter.failures))


def write_client(workspace: "Workspace", code: str, fmt: str, path: str, *, include_private: bool = False,
                 include_identity: bool = False) -> Written:
    """A client's records request, as `hushpad export client CODE --format FMT -o PATH`
    (``include_identity``: fhir's --include-identity, the name and birth date in the Patient)."""
    from .records_export import RecordsExport

    if fmt not in CLIENT_FORMATS:
        raise HushpadError(f"A records request exports as {', '.join(CLIENT_FORMATS)}, not {fmt}.")
    target = target_path(path)
    if fmt == "fhir":
        if include_private:
            raise HushpadError("A FHIR export never carries psychotherapy notes: choose no for private notes.")
        from .fhir_export import FhirExport

        _write(target, FhirExport(workspace).client(code, include_identity=include_identity))
        return Written(target, ())
    exporter = RecordsExport(workspace)
    data = (exporter.client_pdf(code, include_private=include_private) if fmt == "pdf"
            else exporter.client(code, fmt, include_private=include_private))
    _write(target, data)
    return Written(target, tuple(exporter.failures))
