"""Saving what is typed: calm words for a failed save, and the encrypted emergency copy that
lets a clinician leave without losing text when the profile cannot be written (disk full).

Nothing here knows about Textual.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import HushpadError

if TYPE_CHECKING:
    from ..storage.emergency import CopyInfo, Pending
    from .workspace import SessionInfo, Workspace
    from .writeup import DraftSnapshot


def describe_failure(exc: BaseException) -> str:
    """A few calm words for the status line."""
    from ..errors import HushpadError
    from ..storage.db import is_disk_full
    from ..storage.errors import LockedError

    if isinstance(exc, LockedError):
        return "locked; unlock to save"
    if is_disk_full(exc) or "disk is full" in str(exc):
        return "disk full, retrying"
    if isinstance(exc, HushpadError):
        return str(exc)
    return f"{type(exc).__name__}, retrying"


# -- emergency copies ------------------------------------------------------------------------
@dataclass(frozen=True)
class CopyWritten:
    path: Path
    noted: bool  # the profile remembers it, so the next start offers it


def _store_key(workspace: "Workspace", kind: str) -> bytes:
    store = "vault" if kind == "jottings" else "record"  # a draft belongs to the record
    return workspace.profile.deks()[store]


def _write(workspace: "Workspace", folder: str, kind: str, ref: str, payload: dict[str, Any]) -> CopyWritten:
    from ..storage import emergency

    profile = workspace.profile
    info = emergency.write_copy(Path(folder.strip()), _store_key(workspace, kind), profile_id=profile.profile_id,
                                kind=kind, ref=ref, payload=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                profile_dir=profile.paths.root)
    return CopyWritten(info.path, emergency.note_copy(profile.paths.root, info))


def write_jottings_copy(workspace: "Workspace", session: "SessionInfo", lines: list[tuple[int, str]],
                        folder: str) -> CopyWritten:
    """The scratchpad's whole document as typed, sealed with (a key derived from) the vault's key."""
    return _write(workspace, folder, "jottings", session.doc_key,
                  {"doc_key": session.doc_key, "session_id": session.id, "lines": [[m, t] for m, t in lines],
                   **_session_identity(workspace, session.id)})


def write_draft_copy(workspace: "Workspace", snapshot: "DraftSnapshot", folder: str) -> CopyWritten:
    """A write-up draft as it stands, sealed with (a key derived from) the record's key."""
    note = workspace.record.note(snapshot.note_id) or {}
    return _write(workspace, folder, "draft", f"note:{snapshot.note_id}",
                  {**asdict(snapshot), **_session_identity(workspace, note.get("session_id"))})


def _session_identity(workspace: "Workspace", session_id: Any) -> dict[str, Any]:
    """Which session a copy belongs to, beyond its id: a discarded session's id is given to
    the next session started, and a copy must never go back into someone else's."""
    session = workspace.record.session(int(session_id)) if session_id is not None else None
    if session is None:
        return {}
    return {"session_id": session["id"], "client_id": session["client_id"], "session_started_at": session["started_at"]}


def _same_session(workspace: "Workspace", data: dict[str, Any], info: "CopyInfo") -> None:
    """Refuse a copy whose session is gone, or whose id now names another session."""
    if "session_started_at" not in data:
        return  # a copy written before copies named their session: its id is all there is
    session = workspace.record.session(int(data["session_id"]))
    if (session is None or session["client_id"] != data.get("client_id")
            or session["started_at"] != data["session_started_at"]):
        raise HushpadError("The session this copy was made in no longer exists (it was discarded), so its text "
                           f"cannot go back into the record; the copy stays at {info.path}.")


def prepare_and_find(workspace: "Workspace") -> "Pending":
    """At unlock: make the marker slot while there is room, and list copies waiting to be restored."""
    from ..storage import emergency

    root = workspace.profile.paths.root
    emergency.prepare_marker(root)
    return emergency.pending_copies(root, workspace.profile.profile_id)


def merge_lines(stored: list[tuple[int, str]], copy: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Every line of both, in order: the copy is normally the stored lines plus the unsaved ones."""
    common = 0
    while common < min(len(stored), len(copy)) and stored[common] == copy[common]:
        common += 1
    return stored + copy[common:]


def restore(workspace: "Workspace", info: "CopyInfo") -> str:
    """Put a copy's text back into its store; then forget (and delete) the copy. Says what was done."""
    from ..storage import emergency
    from ..storage.vault import JottingLine

    profile = workspace.profile
    info, payload = emergency.read_copy(info.path, _store_key(workspace, info.kind), profile_id=profile.profile_id)
    data = json.loads(payload)
    _same_session(workspace, data, info)
    if info.kind == "jottings":
        copy = [(int(m), str(t)) for m, t in data["lines"]]
        stored = [(line.minute, line.text) for line in workspace.vault.load_jottings(data["doc_key"])]
        merged = merge_lines(stored, copy)
        if merged != stored:
            workspace.vault.save_jottings(data["doc_key"], [JottingLine(m, t) for m, t in merged])
        what = f"{len(merged) - len(stored)} jotting line(s) restored"
    else:
        note = workspace.record.note(int(data["note_id"]))
        if note is not None and "session_id" in data and note["session_id"] != data["session_id"]:
            raise HushpadError("The note this draft was written for no longer exists (its session was discarded); "
                               f"the copy stays at {info.path}.")
        if note is None or note["status"] != "draft":
            raise HushpadError(f"The note of that draft was signed since, so the copy cannot go back into it; "
                               f"it stays at {info.path}.")
        workspace.record.save_draft(int(data["note_id"]), str(data["template_key"]), str(data["draft_json"]))
        if data.get("group_session_id"):
            workspace.record.save_group_part(int(data["group_session_id"]), str(data["group_part_json"]))
        what = "the write-up draft restored"
    emergency.forget_copy(profile.paths.root, info.path, delete=True)
    return f"Emergency copy of {info.created[:16].replace('T', ' ')}: {what}."
