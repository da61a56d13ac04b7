"""Signed treatment-plan versions (issue 13 item 2): objectives with target dates and planned
interventions, a review date, each version signed with the clinician's Ed25519 key, append-only
and chained; an attacker holding the data key who edits a version is caught by verify."""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlcipher3

from tui.domain import treatment_plan as tp

from .conftest import cli, load
from tui.services.treatment_plan import PlanSigningError, TreatmentPlans, plan_status, plans_due_for_review, snapshot
from tui.storage import record as recordmod
from tui.storage.record import RecordStore


def make_plan(ws) -> int:
    cid = ws.add_client("TP-1", "Robin Plan", "", ["Reduce depressive symptoms"])
    record = ws.record
    goal = record.goals(cid)[0]
    first = record.add_objective(goal["id"], "Complete three thought records a week", "2027-01-31")
    second = record.add_objective(goal["id"], "Walk 20 minutes on 4 days a week")
    record.add_plan_intervention(goal["id"], "CBT thought records", first)
    record.add_plan_intervention(goal["id"], "Behavioural activation", second)
    record.add_plan_intervention(goal["id"], "Psychoeducation")  # for the goal as a whole
    record.set_plan_review_due(cid, "2027-03-01")
    return cid


def test_objectives_are_numbered_within_their_goal_and_carry_targets(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        text = tp.plan_text(snapshot(ws.record, cid),
                            client_code="TP-1", version=1, signer="Dana Reyes", credentials="LCSW",
                            signed_at="2026-12-03T10:00:00+00:00")
    assert "Objective 1.1 (active, target 2027-01-31): Complete three thought records a week" in text
    assert "    Planned interventions: CBT thought records" in text
    assert "Objective 1.2 (active): Walk 20 minutes on 4 days a week" in text
    assert "  Planned interventions (goal): Psychoeducation" in text
    assert "Review due: 2027-03-01" in text


def test_an_intervention_must_serve_an_objective_of_its_own_goal(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        other_goal = ws.record.add_goal(cid, "Improve sleep")
        objective = ws.record.query_one("SELECT id FROM objectives ORDER BY id LIMIT 1")["id"]
        with pytest.raises(ValueError, match="not under this goal"):
            ws.record.add_plan_intervention(other_goal, "Sleep hygiene", objective)


def test_sign_verify_and_version_chain(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        plans = TreatmentPlans(ws)
        assert plans.status(cid).version == 0
        assert plans.sign(cid) == 1
        status = plans.status(cid, today=date(2027, 2, 20))
        assert (status.version, status.unsigned_changes, status.review) == (1, False, "due soon")
        with pytest.raises(PlanSigningError, match="already states"):
            plans.sign(cid)
        goal = ws.record.goals(cid)[0]
        objective = ws.record.query_one("SELECT id FROM objectives WHERE goal_id = ? AND ordinal = 1", (goal["id"],))
        ws.record.set_objective_status(objective["id"], "met")
        assert plans.status(cid).unsigned_changes
        assert plans.sign(cid) == 2
        verdicts = plans.verify(cid)
        assert [v.ok for v in verdicts] == [True, True], [v.problems for v in verdicts]
        versions = plans.versions(cid)
        assert versions[1]["previous_hash"] == versions[0]["content_hash"]
        assert "Objective 1.1 (met, target 2027-01-31)" in versions[1]["canonical_text"]
        assert "Objective 1.1 (active, target 2027-01-31)" in versions[0]["canonical_text"]
        actions = [r["action"] for r in ws.record.audit_entries()]
        assert actions.count("plan signed") == 2
        # Audit rows name ids and kinds only, never the plan's words.
        assert not any("thought" in (r["detail"] or "") for r in ws.record.audit_entries())


def test_a_signed_version_is_locked_in_the_store(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        TreatmentPlans(ws).sign(cid)
        with pytest.raises(sqlcipher3.IntegrityError, match="locked"):
            with ws.record.transaction() as conn:
                conn.execute("UPDATE plan_versions SET canonical_text = 'x'")
        with pytest.raises(sqlcipher3.IntegrityError, match="locked"):
            with ws.record.transaction() as conn:
                conn.execute("DELETE FROM plan_versions")


def test_attacker_with_the_key_rewrites_a_version_and_verify_names_it(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        TreatmentPlans(ws).sign(cid)
    with clinic.raw() as conn:
        # Triggers are the attacker's to drop; the signature is not theirs to make.
        conn.execute("DROP TRIGGER plan_versions_no_update")
        row = conn.execute("SELECT signed_payload, canonical_text FROM plan_versions").fetchone()
        conn.execute("UPDATE plan_versions SET signed_payload = ?, canonical_text = ?",
                     (row[0].replace("three thought records", "one thought record"),
                      row[1].replace("three thought records", "one thought record")))
    with clinic.workspace() as ws:
        verdicts = TreatmentPlans(ws).verify(ws.record.client_by_code("TP-1")["id"])
    assert not verdicts[0].ok
    assert any("signature does not match" in p for p in verdicts[0].problems)


def test_a_text_that_misstates_the_signed_structure_fails(clinic):
    """Even a correctly signed payload whose text disagrees with its plan structure is refused."""
    from tui.domain import signature as sig

    with clinic.workspace() as ws:
        cid = make_plan(ws)
        plans = TreatmentPlans(ws)
        plans.sign(cid)
        row = ws.record.latest_plan_version(cid)
        payload = sig.parse_payload(row["signed_payload"].encode())
        payload["text"] = payload["text"].replace("three", "one")
        signed = sig.sign_payload(ws.profile.signing_seed(), payload)
        forged = {**row, "signed_payload": signed.payload.decode(), "signature": signed.signature_b64,
                  "content_hash": signed.hash, "canonical_text": payload["text"]}
        verdicts = tp.verify_plan_versions([forged], client_code="TP-1", trusted=None)
    assert any("does not state the signed plan" in p for p in verdicts[0].problems)


def test_plans_due_for_review(clinic):
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        later = ws.add_client("TP-2", "", "", ["Manage panic"])
        ws.record.set_plan_review_due(later, "2027-09-01")
        due = plans_due_for_review(ws.record, date(2027, 3, 2))
        assert [(r["code"], r["review"]) for r in due] == [("TP-1", "overdue")]
        assert plans_due_for_review(ws.record, date(2027, 1, 1)) == []
        assert plan_status(ws.record, cid, date(2027, 3, 2)).label.endswith("review due 2027-03-01 (overdue)")


def test_migration_v6_to_v7_numbers_existing_objectives(tmp_path):
    key = os.urandom(32)

    class RecordV6(RecordStore):
        migrations = recordmod.RecordStore.migrations[:6]

    old = RecordV6(tmp_path / "record.db", key, create=True)
    cid = old.add_client("OLD-1")
    goal = old.add_goal(cid, "Sleep better")
    with old.transaction() as conn:
        for text in ("Bed by 11", "No screens after 10"):
            conn.execute("INSERT INTO objectives (goal_id, description, created_at) VALUES (?, ?, 'x')", (goal, text))
        conn.execute("INSERT INTO plan_interventions (goal_id, description, created_at) VALUES (?, 'Sleep hygiene', 'x')",
                     (goal,))
    old.close()
    store = RecordStore(tmp_path / "record.db", key)
    try:
        assert store.schema_version == len(RecordStore.migrations)
        rows = store.query("SELECT ordinal, description, target_date FROM objectives ORDER BY id")
        assert [(r["ordinal"], r["description"], r["target_date"]) for r in rows] == [
            (1, "Bed by 11", None), (2, "No screens after 10", None)]
        assert store.add_objective(goal, "Wake at 7") and store.query_one(
            "SELECT max(ordinal) AS n FROM objectives")["n"] == 3
        assert store.query_one("SELECT objective_id FROM plan_interventions")["objective_id"] is None
    finally:
        store.close()


# --- in the records request, offline verify and doctor ---------------------------------------

@pytest.fixture
def signed_plan(clinic):
    """TP-1 with a signed note and two signed plan versions."""
    with clinic.workspace() as ws:
        cid = make_plan(ws)
        TreatmentPlans(ws).sign(cid)
        goal = ws.record.goals(cid)[0]
        ws.record.add_objective(goal["id"], "Name one pleasant event a day", "2027-02-15")
        TreatmentPlans(ws).sign(cid)
    clinic.sign_note("TP-1")
    return clinic


def test_the_records_request_carries_every_signed_plan_version(signed_plan, tmp_path):


    code, out, err = cli(signed_plan.root, "export", "client", "TP-1", "--format", "md")
    assert code == 0, err
    assert "  - Objective 1.1 (active, target 2027-01-31): Complete three thought records a week" in out
    assert "    - Planned intervention: CBT thought records" in out
    assert "  - Intervention: Psychoeducation" in out
    assert "#### Version 1 · signed" in out and "#### Version 2 · signed" in out
    assert out.count("signature verified (Ed25519") >= 2
    target = tmp_path / "record.json"
    assert cli(signed_plan.root, "export", "client", "TP-1", "--format", "json", "-o", str(target))[0] == 0
    doc = load(target)
    assert [v["version"] for v in doc["treatment_plan_versions"]] == [1, 2]
    assert doc["treatment_plan"]["review_due"] == "2027-03-01"
    objective = doc["treatment_plan"]["goals"][0]["objectives"][0]
    assert objective == {"number": "1.1", "description": "Complete three thought records a week", "status": "active",
                         "target_date": "2027-01-31", "planned_interventions": ["CBT thought records"]}
    code, out, _ = cli(signed_plan.root, "verify", str(target))
    assert code == 0 and "ok    Plan version 1: signature verified" in out and "ok    Plan version 2" in out, out
    pdf = tmp_path / "record.pdf"
    assert cli(signed_plan.root, "export", "client", "TP-1", "--format", "pdf", "-o", str(pdf))[0] == 0
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert "Signed treatment plan versions" in text and "Objective 1.3 (active, target 2027-02-15)" in text


@pytest.mark.parametrize("edit", ["text", "payload", "drop-first"])
def test_an_edited_plan_version_in_an_export_fails_offline_verify(signed_plan, tmp_path, edit):
    import base64
    import json



    target = tmp_path / "record.json"
    assert cli(signed_plan.root, "export", "client", "TP-1", "--format", "json", "-o", str(target))[0] == 0
    doc = load(target)
    first = doc["treatment_plan_versions"][0]
    if edit == "text":
        first["text"] = first["text"].replace("three thought records", "one thought record")
    elif edit == "payload":
        payload = base64.b64decode(first["signature"]["payload"]).replace(b"three thought", b"one thought")
        first["signature"]["payload"] = base64.b64encode(payload).decode()
    else:  # version 2 alone no longer follows anything
        del doc["treatment_plan_versions"][0]
    target.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = cli(signed_plan.root, "verify", str(target))
    assert code == 1 and "FAIL  Plan version" in out, out


def test_doctor_and_the_export_catch_a_rewritten_plan_version(signed_plan):


    _, out, _ = cli(signed_plan.root, "doctor")
    assert "ok    treatment plans: every signed plan version verified" in out
    with signed_plan.raw() as conn:
        conn.execute("DROP TRIGGER plan_versions_no_update")
        conn.execute("UPDATE plan_versions SET canonical_text = replace(canonical_text, 'three', 'one')")
    _, out, _ = cli(signed_plan.root, "doctor")
    assert "FAIL  treatment plans: TP-1: plan version 1: the stored text differs from the signed text" in out, out
    code, out, _ = cli(signed_plan.root, "export", "client", "TP-1", "--format", "md")
    assert code == 1 and "SIGNATURE INVALID" in out


def test_doctor_notices_a_deleted_plan_version(signed_plan):


    with signed_plan.raw() as conn:
        conn.execute("DROP TRIGGER plan_versions_no_delete")
        conn.execute("DELETE FROM plan_versions WHERE version = 2")
    _, out, _ = cli(signed_plan.root, "doctor")
    assert "records 2 signed plan versions, but 1 are in the record" in out, out
