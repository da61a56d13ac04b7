"""FHIR R4 export (issue 12 item 3): `hushpad export client CODE --format fhir` and
`export note ID --format fhir`. A realistic client's Bundle parses with fhir.resources (its
R4B models, a validator no one here wrote); each DocumentReference carries exactly the signed
text and the payload whose Ed25519 signature verifies through the project's one verify;
nothing of the vault (jottings, ``~`` lines) is anywhere in it, whatever the flag; hostile
text is literal; identity only when asked; the codes are the ones the issue names."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from tui.cli import main as cli_main
from tui.domain import signature as sig
from tui.domain.diagnoses import Diagnosis
from tui.services.fhir_export import BundleBuilder, FhirExport, FhirExportError, diagnosis_conditions
from tui.services.signing import Signatures

from .fhir_client import HOSTILE_ASSESSMENT, TILDE_CANARY, VAULT_CANARY, build_client, build_env, cli_env

LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    env = build_env(tmp_path_factory.mktemp("fhir"))
    made = build_client(env)
    bundle = json.loads(FhirExport(env.ws).client("FH-01"))
    try:
        yield env, made, bundle
    finally:
        env.ws.close()


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def codes(concept: dict[str, Any]) -> list[str]:
    return [c["code"] for c in concept.get("coding", [])]


def decoded(attachment: dict[str, Any]) -> bytes:
    return base64.b64decode(attachment["data"], validate=True)


def test_every_resource_parses_with_fhir_resources_r4b(realistic):
    _env, made, bundle = realistic
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "transaction" and len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    # 5 signed notes + 1 addendum; 5 sessions; 4 PHQ-9 (2 itemised) and 3 GAD-7 (1 itemised).
    assert kinds["DocumentReference"] == 6 and kinds["Provenance"] == 6 and kinds["Encounter"] == 5
    # ... plus a PCL-5 (panel and total) and a C-SSRS screen (one level Observation).
    assert kinds["Observation"] == 4 * 2 + 3 * 2 + 9 * 2 + 7 + 2 + 1
    assert kinds["Patient"] == kinds["Practitioner"] == kinds["CarePlan"] == 1
    # Two goals and their two objectives; the problem, two current diagnoses and one removed (inactive).
    assert kinds["Goal"] == 2 + 2 and kinds["Condition"] == 1 + 2 + 1
    # Every reference names an entry of the Bundle; every fullUrl is unique.
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    text = json.dumps(bundle)
    for reference in {r for r in _references(bundle)}:
        assert reference in urls, reference
    assert "ifNoneExist" in text


def _references(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def test_document_references_carry_the_signed_text_and_a_signature_that_verifies(realistic):
    env, made, bundle = realistic
    urls = by_url(bundle)
    fingerprint = Signatures(env.ws).fingerprint()
    public = base64.b64encode(Signatures(env.ws).public_key()).decode("ascii")
    signatures = {p["target"][0]["reference"]: p["signature"][0] for p in resources(bundle, "Provenance")}
    notes = {n["id"]: n for n in env.record.query("SELECT * FROM progress_notes WHERE status = 'signed'")}
    seen_notes = []
    for entry in bundle["entry"]:
        doc = entry["resource"]
        if doc["resourceType"] != "DocumentReference":
            continue
        text_att, payload_att = (c["attachment"] for c in doc["content"])
        text, payload = decoded(text_att), decoded(payload_att)
        assert text_att["contentType"] == "text/plain; charset=utf-8" and payload_att["contentType"] == "application/json"
        assert text_att["size"] == len(text)
        signature = signatures[entry["fullUrl"]]
        assert signature["targetFormat"] == "application/json" and signature["type"][0]["code"] == "1.2.840.10065.1.12.1.1"
        signed = sig.parse_payload(payload)
        assert doc["docStatus"] == "final" and doc["status"] == "current"
        assert codes(doc["category"][0]) == ["clinical-note"]
        assert {"code": "R", "display": "restricted",
                "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"} in [
            c for label in doc["securityLabel"] for c in label["coding"]]
        if signed["kind"] == "note":
            note = notes[signed["note_id"]]
            assert text == note["canonical_text"].encode("utf-8")  # exactly the signed text
            assert doc["masterIdentifier"]["value"] == note["content_hash"]
            # The project's one verify, over what the Bundle carries (the key: the clinician's, by fingerprint).
            row = {"id": signed["note_id"], "status": "signed", "canonical_text": text.decode("utf-8"),
                   "content_hash": doc["masterIdentifier"]["value"], "signed_payload": payload.decode("utf-8"),
                   "signature": signature["data"], "signer_key": public, "signer": signed["signer"],
                   "signed_at": signed["signed_at"]}
            verdict = sig.verify_note(row, [], trusted={fingerprint})
            assert verdict.status == sig.VERIFIED, verdict.problems
            # Altered text fails that same verify.
            assert not sig.verify_note({**row, "canonical_text": row["canonical_text"] + " "}, [],
                                       trusted={fingerprint}).ok
            group = note["id"] == made["group_note"]
            assert codes(doc["type"]) == (["34787-2", "11506-3"] if group else ["34904-3", "11506-3"])
            assert all(c["system"] == LOINC for c in doc["type"]["coding"])
            assert "relatesTo" not in doc
            seen_notes.append(note["id"])
        else:
            assert signed["kind"] == "addendum"
            addendum = env.record.query_one("SELECT * FROM addenda WHERE id = ?", (made["addenda"][0],))
            assert text == addendum["body"].encode("utf-8") and signed["body"] == addendum["body"]
            assert sig.signature_ok(Signatures(env.ws).public_key(), payload, base64.b64decode(signature["data"]))
            (relation,) = doc["relatesTo"]
            assert relation["code"] == "appends"
            target = urls[relation["target"]["reference"]]
            assert decoded(target["content"][0]["attachment"]) == notes[made["notes"][0]]["canonical_text"].encode()
    assert sorted(seen_notes) == sorted(made["notes"])
    (practitioner,) = resources(bundle, "Practitioner")
    assert {"system": "urn:hushpad:ed25519-key-fingerprint", "value": fingerprint} in [
        {k: i[k] for k in ("system", "value")} for i in practitioner["identifier"]]


def test_no_psychotherapy_note_anywhere_and_hostile_text_literal(realistic):
    env, made, bundle = realistic
    text = json.dumps(bundle, ensure_ascii=False)
    every_string = "\n".join(_strings(bundle))
    for secret in (TILDE_CANARY, VAULT_CANARY, "countertransference", "I felt bored", "group flat"):
        assert secret not in text and secret not in every_string, secret
    # No "~" line in any string, nor in any decoded attachment.
    attachments = [decoded(c["attachment"]).decode("utf-8") for d in resources(bundle, "DocumentReference")
                   for c in d["content"]]
    for blob in [every_string, *attachments]:
        assert not any(line.lstrip().startswith("~") for line in blob.splitlines())
        assert TILDE_CANARY not in blob and VAULT_CANARY not in blob
    # The hostile assessment is in the signed text, literally (controls as visible stand-ins).
    intake = env.record.query_one("SELECT canonical_text FROM progress_notes WHERE id = ?", (made["notes"][0],))
    assert 'Says "[red]fine[/]" <img src=x onerror=alert(1)> & ' in intake["canonical_text"]
    assert intake["canonical_text"].encode() in [a.encode() for a in attachments]
    assert "\x1b" not in text and "\u202e" not in text  # FHIR strings carry no controls; never obeyed
    assert HOSTILE_ASSESSMENT  # the text under test


def _strings(node: Any):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_identity_only_when_asked(realistic):
    env, _made, bundle = realistic
    (patient,) = resources(bundle, "Patient")
    assert "name" not in patient and "birthDate" not in patient
    assert patient["identifier"][0]["value"] == "FH-01"
    text = json.dumps(bundle, ensure_ascii=False)
    assert "1987-06-15" not in text and "<script>" not in text and "Ro" + "\u202e" not in text
    named = json.loads(FhirExport(env.ws).client("FH-01", include_identity=True))
    (patient,) = resources(named, "Patient")
    assert patient["birthDate"] == "1987-06-15"
    stored = env.record.client(patient_id(env))["display_name"]
    assert "[bold]x[/]" in stored and "<script>alert(1)</script>" in stored
    # Literal: markup untouched, ESC and the bidi override as visible stand-ins, never raw.
    assert patient["name"][0]["text"].startswith("[bold]x[/] ") and "<script>alert(1)</script>" in patient["name"][0]["text"]
    assert "\x1b" not in patient["name"][0]["text"] and "\u202e" not in patient["name"][0]["text"]
    Bundle.model_validate(named)


def patient_id(env) -> int:
    return env.record.query_one("SELECT id FROM clients WHERE code = 'FH-01'")["id"]


def test_encounters_measures_and_plan_carry_the_codes(realistic):
    env, made, bundle = realistic
    urls = by_url(bundle)
    encounters = {e["identifier"][0]["value"]: e for e in resources(bundle, "Encounter")}
    assert set(encounters) == {str(s) for s in made["sessions"]}
    for sid, enc in encounters.items():
        expected = "VR" if int(sid) == made["telehealth_session"] else "AMB"
        assert enc["class"]["code"] == expected and enc["status"] == "finished"
        assert enc["type"][0]["coding"][0]["system"] == "http://www.ama-assn.org/go/cpt"
        assert enc["period"]["start"] and enc["period"]["end"]
    assert encounters[str(made["sessions"][-1])]["type"][0]["coding"][0]["code"] == "90853"  # group psychotherapy
    assert encounters[str(made["sessions"][0])]["period"] == {"start": "2025-03-03T10:00:00+00:00",
                                                              "end": "2025-03-03T10:50:00+00:00"}

    observations = resources(bundle, "Observation")
    panels = [o for o in observations if codes(o["code"]) in (["44249-1"], ["69737-5"])]
    assert Counter(codes(p["code"])[0] for p in panels) == {"44249-1": 4, "69737-5": 3}
    intake_phq = next(p for p in panels if codes(p["code"]) == ["44249-1"] and len(p["hasMember"]) == 10)
    members = [urls[m["reference"]] for m in intake_phq["hasMember"]]
    total = members[0]
    assert codes(total["code"]) == ["44261-6"] and total["valueQuantity"]["value"] == 15
    assert [urls[d["reference"]] for d in total["derivedFrom"]] == members[1:]
    items = members[1:]
    assert codes(items[8]["code"]) == ["44260-8"]
    assert [codes(i["valueCodeableConcept"])[0] for i in items] == [
        "LA6570-1", "LA6570-1", "LA6570-1", "LA6571-9", "LA6569-3", "LA6570-1", "LA6569-3", "LA6569-3", "LA6569-3"]
    assert items[8]["interpretation"][0]["coding"][0]["code"] == "A"  # item 9 above 0
    gad = next(p for p in panels if codes(p["code"]) == ["69737-5"] and len(p["hasMember"]) == 8)
    gad_total = urls[gad["hasMember"][0]["reference"]]
    assert codes(gad_total["code"]) == ["70274-6"] and gad_total["valueQuantity"]["value"] == 11
    bare = next(p for p in panels if codes(p["code"]) == ["44249-1"] and len(p["hasMember"]) == 1)
    assert "derivedFrom" not in urls[bare["hasMember"][0]["reference"]]  # a total typed alone
    for obs in observations:
        assert obs["status"] == "final" and obs["subject"]["reference"] in urls and obs["encounter"]["reference"] in urls

    goals = {g["description"]["text"]: g for g in resources(bundle, "Goal")}
    assert goals["Sleep 7 hours a night"]["achievementStatus"]["coding"][0]["code"] == "improving"
    assert goals["Return to work part time"]["achievementStatus"]["coding"][0]["code"] == "worsening"
    (plan,) = resources(bundle, "CarePlan")
    assert plan["status"] == "active" and plan["intent"] == "plan"
    assert sorted(urls[g["reference"]]["description"]["text"] for g in plan["goal"]) == sorted(goals)
    assert len(plan["activity"]) == 3
    objective = goals["Objective 1.1: Objective for Sleep 7 hours a night"]
    assert objective["target"] == [{"dueDate": "2025-06-30"}] and objective["lifecycleStatus"] == "active"
    assert objective["note"][0]["text"] == "Objective of goal 1: Sleep 7 hours a night"
    by_goal = [(urls[a["detail"]["goal"][0]["reference"]]["description"]["text"], a["detail"]["description"])
               for a in plan["activity"]]
    assert by_goal == [("Objective 1.1: Objective for Sleep 7 hours a night", "CBT-I: stimulus control and sleep window"),
                       ("Sleep 7 hours a night", "Psychoeducation"),
                       ("Objective 2.1: Objective for Return to work part time", "CBT-I: stimulus control and sleep window")]
    # An objective's activity also names the goal it belongs to.
    assert urls[plan["activity"][0]["detail"]["goal"][1]["reference"]]["description"]["text"] == "Sleep 7 hours a night"

    # PCL-5 (LOINC 101697-1 panel, 101698-9 total) with its 20 items; the C-SSRS screen's level.
    (pcl5,) = [o for o in observations if codes(o["code"]) == ["101697-1"]]
    pcl5_total = urls[pcl5["hasMember"][0]["reference"]]
    assert codes(pcl5_total["code"]) == ["101698-9"] and pcl5_total["valueQuantity"]["value"] == 39
    assert [c["valueInteger"] for c in pcl5_total["component"]] == [2] * 19 + [1]
    assert pcl5_total["interpretation"][0]["text"] == "PCL-5 probable PTSD"
    (cssrs,) = [o for o in observations if codes(o["code"]) == ["93374-7"]]
    assert cssrs["valueCodeableConcept"]["text"] == "C-SSRS screener: negative" and "interpretation" not in cssrs
    answers = [c.get("valueCodeableConcept", {}).get("text") or c["dataAbsentReason"]["coding"][0]["code"]
               for c in cssrs["component"]]
    assert answers == ["No", "No", "not-asked", "not-asked", "not-asked", "No"]  # Q2 no: Q3-5 not asked
    (problem,) = [c for c in resources(bundle, "Condition") if "coding" not in c["code"]]
    assert problem["code"]["text"] == "Insomnia and low mood since redundancy"
    assert plan["addresses"][0]["reference"] in urls


def test_the_plan_diagnoses_are_icd10cm_conditions(realistic):
    """Issue 13 item 1: the diagnoses stored on the plan, current ones only, primary first."""
    _env, _made, bundle = realistic
    urls = by_url(bundle)
    coded = [c for c in resources(bundle, "Condition") if "coding" in c["code"]]
    dx = [c for c in coded if c["clinicalStatus"]["coding"][0]["code"] == "active"]
    (gone,) = [c for c in coded if c not in dx]
    # Removed from the plan: inactive (a server that imported it earlier must not keep it active).
    assert gone["code"]["coding"][0]["code"] == "F41.1" and gone["clinicalStatus"]["coding"][0]["code"] == "inactive"
    assert gone["abatementDateTime"] and "removed from the treatment plan" in gone["code"]["text"]
    assert [c["code"]["coding"] for c in dx] == [
        [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.1",
          "display": "Major depressive disorder, recurrent, moderate"}],
        [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F51.01", "display": "Primary insomnia"}]]
    assert dx[0]["code"]["text"].endswith("(primary)") and dx[0]["onsetDateTime"] == "2024-11-01"
    assert "onsetDateTime" not in dx[1]
    for condition in dx:
        assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
        assert condition["category"][0]["coding"][0]["code"] in ("encounter-diagnosis", "problem-list-item")
        assert urls[condition["subject"]["reference"]]["resourceType"] == "Patient"
    assert "F41.1" not in json.dumps(dx)
    dx_urls = [e["fullUrl"] for e in bundle["entry"] if e["resource"] in dx]
    for enc in resources(bundle, "Encounter"):
        assert [(d["condition"]["reference"], d["rank"]) for d in enc["diagnosis"]] == list(zip(dx_urls, (1, 2)))
    (plan,) = resources(bundle, "CarePlan")
    assert [a["reference"] for a in plan["addresses"]][:2] == dx_urls
    # Each signed note states them, as they stood when it was written.
    note = next(d for d in resources(bundle, "DocumentReference") if "F33.1" in decoded(d["content"][0]["attachment"]).decode())
    assert ("Diagnoses: F33.1 Major depressive disorder, recurrent, moderate (primary); F51.01 Primary insomnia"
            in decoded(note["content"][0]["attachment"]).decode())


def test_diagnoses_become_icd10cm_conditions():
    """The builder the export calls, on the domain's value."""
    builder = BundleBuilder("8c3a41d6-1e5e-4f0e-9e0a-0c7f61c1a111")
    ranked = diagnosis_conditions(builder, [Diagnosis("F51.01", "Primary insomnia"),
                                            Diagnosis("F33.1", "Major depressive disorder, recurrent, moderate",
                                                      primary=True, onset="2024-09-01")],
                                  patient_ref="urn:uuid:p", practitioner_ref="urn:uuid:q")
    conditions = [e["resource"] for e in builder.entries]
    assert [r for _, r in ranked] == [1, 2]
    assert [c["code"]["coding"][0]["code"] for c in conditions] == ["F33.1", "F51.01"]  # primary first
    assert conditions[0]["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10-cm"
    assert conditions[0]["onsetDateTime"] == "2024-09-01"
    for condition in conditions:
        get_fhir_model_class("Condition").model_validate(condition)


def test_the_same_rows_get_the_same_entries_so_a_second_import_adds_nothing(realistic):
    env, _made, bundle = realistic
    again = json.loads(FhirExport(env.ws).client("FH-01"))
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]
    assert [e["request"] for e in again["entry"]] == [e["request"] for e in bundle["entry"]]
    searches = []
    for entry in bundle["entry"]:
        request, resource = entry["request"], entry["resource"]
        assert "id" not in resource  # no client-assigned id (Medplum refuses to create by one)
        if request["method"] == "POST":  # conditional create, on the identifier or (Provenance) our tag
            assert request["url"] == resource["resourceType"]
            kind, _, value = request["ifNoneExist"].partition("=")
            system, _, code = unquote(value).partition("|")
            if resource["resourceType"] == "Provenance":
                assert kind == "_tag" and {"system": system, "code": code} in resource["meta"]["tag"]
            else:
                assert kind == "identifier" and {"system": system, "value": code} in [
                    {"system": i["system"], "value": i["value"]} for i in resource["identifier"]]
            searches.append(request["ifNoneExist"])
        else:  # the plan, which changes: conditional update
            assert request["method"] == "PUT" and request["url"].startswith(resource["resourceType"] + "?identifier=")
            searches.append(request["url"])
    assert len(set(searches)) == len(searches)  # each names one resource


def test_one_note_export(realistic):
    env, made, bundle = realistic
    note_id = made["notes"][0]
    single = json.loads(FhirExport(env.ws).note(note_id))
    Bundle.model_validate(single)
    kinds = Counter(e["resource"]["resourceType"] for e in single["entry"])
    assert kinds["DocumentReference"] == 2 and kinds["Encounter"] == 1 and kinds["Observation"] == (2 + 9) + (2 + 7)
    full = {e["fullUrl"] for e in bundle["entry"]}
    assert {e["fullUrl"] for e in single["entry"]} <= full  # the same entries as in the client's Bundle
    assert TILDE_CANARY not in json.dumps(single) and "name" not in resources(single, "Patient")[0]


def test_cli_writes_0600_never_carries_private_notes_and_refuses_a_failing_signature(tmp_path, monkeypatch, capsys):
    env = build_env(tmp_path / "profile")
    made = build_client(env)
    cli_env(env, monkeypatch)
    out = tmp_path / "client.fhir.json"
    assert cli_main(["export", "client", "FH-01", "--format", "fhir", "-o", str(out)]) == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    bundle = json.loads(out.read_text("utf-8"))
    Bundle.model_validate(bundle)
    (practitioner,) = resources(bundle, "Practitioner")
    assert {"use": "official", "system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"} in practitioner["identifier"]
    (organization,) = resources(bundle, "Organization")
    assert organization["name"] == "Riverside Counselling"
    note_out = tmp_path / "note.fhir.json"
    assert cli_main(["export", "note", str(made["notes"][1]), "--format", "fhir", "--include-identity",
                     "-o", str(note_out)]) == 0
    assert resources(json.loads(note_out.read_text("utf-8")), "Patient")[0]["birthDate"] == "1987-06-15"
    # Whatever the flag, no psychotherapy note: refused, nothing written.
    refused = tmp_path / "private.json"
    assert cli_main(["export", "client", "FH-01", "--format", "fhir", "--include-private", "-o", str(refused)]) == 1
    assert "never carries psychotherapy notes" in capsys.readouterr().err and not refused.exists()
    assert cli_main(["export", "client", "FH-01", "--format", "md", "--include-identity", "-o", str(refused)]) == 1
    assert not refused.exists()


def _tamper(env, note_id: int) -> None:
    """Someone with the data key but not the signing key rewrites a signed note's text (and its seal)."""
    from tui.domain.canonical import content_hash

    with env.record.transaction() as conn:
        triggers = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'").fetchall()]
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        text = conn.execute("SELECT canonical_text FROM progress_notes WHERE id = ?", (note_id,)).fetchone()[0]
        text = text.replace("Referred by GP", "Self-referred")
        conn.execute("UPDATE progress_notes SET canonical_text = ?, content_hash = ? WHERE id = ?",
                     (text, content_hash(text), note_id))
        for sql in triggers:
            conn.execute(sql)


def test_a_note_that_fails_its_signature_refuses_the_export(tmp_path, monkeypatch, capsys):
    env = build_env(tmp_path / "profile")
    made = build_client(env)
    _tamper(env, made["notes"][0])
    with pytest.raises(FhirExportError, match="No FHIR export was written"):
        FhirExport(env.ws).note(made["notes"][0])
    with pytest.raises(FhirExportError, match="does not match what was signed"):
        FhirExport(env.ws).client("FH-01")
    FhirExport(env.ws).note(made["notes"][1])  # another note still exports
    cli_env(env, monkeypatch)
    out = tmp_path / "client.fhir.json"
    assert cli_main(["export", "client", "FH-01", "--format", "fhir", "-o", str(out)]) == 1
    assert "No FHIR export was written" in capsys.readouterr().err and not out.exists()


def test_clean_shows_every_control_as_make_visible_does():
    """clean() skips make_visible for a printable string: only right while every character
    make_visible replaces is one str.isprintable() refuses."""
    from tui.domain.visible import _STAND_INS, make_visible
    from tui.services.fhir_export import clean

    assert all(not chr(code).isprintable() for code in _STAND_INS)
    hostile = "a\x1b[31mb\u202ec\x00d\u2028e\ud800f\tg\nh"
    assert clean({"x": [hostile, "", None, {}], "y": ""}) == {"x": [make_visible(hostile, keep="\n\t")]}


def test_an_encounter_states_the_diagnoses_its_note_was_signed_with(tmp_path):
    """A diagnosis added after the notes were signed is a current Condition, but no earlier
    Encounter claims it: each states what its signed note stated then."""
    env = build_env(tmp_path)
    try:
        build_client(env)
        cid = env.record.client_by_code("FH-01")["id"]
        env.record.add_diagnosis(cid, "F43.10", "Post-traumatic stress disorder, unspecified")
        bundle = json.loads(FhirExport(env.ws).client("FH-01"))
    finally:
        env.ws.close()
    urls = by_url(bundle)
    ptsd = next(e["fullUrl"] for e in bundle["entry"] if "F43.10" in json.dumps(e["resource"].get("code", {})))
    assert urls[ptsd]["clinicalStatus"]["coding"][0]["code"] == "active"
    for enc in resources(bundle, "Encounter"):
        stated = [urls[d["condition"]["reference"]]["code"]["coding"][0]["code"] for d in enc.get("diagnosis", [])]
        assert stated == ["F33.1", "F51.01"]
