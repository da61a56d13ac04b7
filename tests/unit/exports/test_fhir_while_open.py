"""The FHIR export while the TUI holds the profile (issue 12 "Done when"): a real second
process holds the profile (tests/unit/storage/_export_holder.py); the FHIR export reads beside
it, changes no byte of either store, and its audit entry waits in the audit queue."""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from fhir.resources.R4B.bundle import Bundle

from storage.test_export_while_open import CODE, PRIVATE, WORD, Holder, Made, store_files
from tui.services.fhir_export import FhirExport


@pytest.fixture
def made(tmp_path_factory, tmp_path) -> Made:
    from storage.test_export_while_open import config_for, sign_one
    from storage._export_holder import FileKeyring
    from tui.services import access
    from tui.services.workspace import Workspace

    base = tmp_path_factory.mktemp("fhir-open")
    config = config_for(base / "profile")
    profile, _code = access.initialise(config, FileKeyring(base / "keyring.json"), None)
    ws = Workspace(profile, config)
    try:
        note_id = sign_one(ws)
    finally:
        ws.close()
    shutil.copytree(base / "profile", tmp_path / "profile")
    shutil.copy(base / "keyring.json", tmp_path / "keyring.json")
    return Made(tmp_path, note_id)


def test_fhir_export_beside_the_holder(made):
    holder = Holder(made)
    try:
        holder("step")
        before = store_files(made.paths)
        queued = len(made.queue_files())
        ws = made.reader()
        try:
            client = json.loads(FhirExport(ws).client(CODE))
            note = json.loads(FhirExport(ws).note(made.note_id))
        finally:
            ws.close()
        assert store_files(made.paths) == before  # not a byte of either store
        assert len(made.queue_files()) == queued + 2  # the two audit entries wait for the holder
        for bundle in (client, note):
            Bundle.model_validate(bundle)
            text = json.dumps(bundle)
            assert PRIVATE not in text
        docs = [e["resource"] for e in client["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
        assert WORD in base64.b64decode(docs[0]["content"][0]["attachment"]["data"]).decode()
        holder.close()
    finally:
        holder.cleanup()
    folded = [(r["action"], r["detail"].split(";")[0]) for r in made.audit() if "exported" in r["action"]]
    assert folded == [("client record exported", "fhir"), ("note exported", "fhir")]  # folded in by the holder
    assert made.queue_files() == []
