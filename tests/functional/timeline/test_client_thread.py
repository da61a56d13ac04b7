"""One client's golden thread end to end (issue 13, "done when"): an intake with an ICD-10-CM
diagnosis, a signed treatment plan with objectives (target dates, planned interventions),
three progress notes that link the interventions used to the objectives they served and rate
each objective, with PHQ-9 and GAD-7 scores, a second signed plan version in between, and a
discharge summary. The thread is then read where a clinician, a records clerk and an EHR read
it: the TUI (chart, treatment plan, note view), the records-request PDF and the FHIR Bundle
(checked by fhir.resources and by Medplum's validator). Real profile, real SQLCipher, the real
write-up service and app; nothing is mocked."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tui.domain import signature as sig
from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.note_view import NoteViewScreen
from tui.screens.treatment_plan import TreatmentPlanScreen
from tui.services.diagnoses import Diagnoses
from tui.services.fhir_export import FhirExport
from tui.services.records_export import RecordsExport
from tui.services.treatment_plan import TreatmentPlans
from tui.services.writeup import WriteupService, finding_id
from tui.widgets.row_list import RowList

from ..helpers import Client, PastSession, build_profile, screen_text, settle, wait_for_screen, wait_until

CODE = "TH-01"
GOALS = ["Reduce depressive symptoms", "Return to work"]
VALIDATOR = Path(__file__).resolve().parents[2] / "fhir_validator"

# (start, template, jottings, signed_at)
SESSIONS = [
    ("2026-01-05T10:00:00+00:00", "intake",
     ['" I stopped going in after the restructure', "phq9 2 2 2 2 2 2 2 2 0", "gad7 12", "! denies SI/HI/SH"],
     "2026-01-05T12:00:00+00:00"),
    ("2026-01-12T10:00:00+00:00", "soap",
     ["> CBT thought records", "g1.1 + completed two records", "g1.2 = walked once", "phq9 13",
      "! denies SI/HI/SH"], "2026-01-12T12:00:00+00:00"),
    ("2026-01-19T10:00:00+00:00", "soap",
     ["> CBT thought records", "> behavioural activation", "g1.1 + three records this week",
      "g1.2 + walked four days", "g2.1 = not yet", "phq9 9", "! denies SI/HI/SH"], "2026-01-19T12:00:00+00:00"),
    ("2026-01-26T10:00:00+00:00", "soap",
     ["> problem solving", "> behavioural activation", "g1.2 + walking daily", "g2.1 + emailed HR",
      "phq9 6", "gad7 7", "! denies SI/HI/SH"], "2026-01-26T12:00:00+00:00"),
    ("2026-02-02T10:00:00+00:00", "discharge",
     ['" I feel like myself again', "phq9 4", "! denies SI/HI/SH"], "2026-02-02T12:00:00+00:00"),
]


def _plan(workspace, client_id: int) -> dict[str, int]:
    record = workspace.record
    Diagnoses(workspace).add(client_id, "F33.1", primary=True, onset="2025-10-01")
    goal1, goal2 = (g["id"] for g in record.goals(client_id))
    made = {
        "1.1": record.add_objective(goal1, "Complete three thought records a week", "2026-03-31"),
        "1.2": record.add_objective(goal1, "Walk 20 minutes on four days a week", "2026-04-30"),
        "2.1": record.add_objective(goal2, "Email HR about a phased return", "2026-04-15"),
    }
    record.add_plan_intervention(goal1, "CBT thought records", made["1.1"])
    record.add_plan_intervention(goal1, "Behavioural activation", made["1.2"])
    record.add_plan_intervention(goal2, "Problem solving", made["2.1"])
    record.set_plan_review_due(client_id, "2026-04-01")
    TreatmentPlans(workspace).sign(client_id, signed_at="2026-01-05T09:00:00+00:00")
    return made


def _sign(service: WriteupService, session_id: int, template: str, signed_at: str):
    w = service.open(session_id)
    if w.template.key != template:
        service.change_template(w, template)
    for spec in w.template.sections:
        if spec.required and not w.draft.sections.get(spec.key, "").strip():
            w.draft.sections[spec.key] = f"Written for {spec.title.lower()}."
    from dataclasses import replace

    w.draft.risk = replace(w.draft.risk, level=w.draft.risk.level or "low", protective_factors="partner, work")
    warnings = {finding_id(f) for f in service.lint(w) if f.level == "warning"}
    return service.sign(w, warnings, signed_at=signed_at)


@pytest.fixture(scope="module")
def thread(tmp_path_factory):
    made = build_profile(
        tmp_path_factory.mktemp("thread") / "profile", [Client(CODE, "Sam Thread", "1990-04-02", GOALS)],
        [PastSession(CODE, start, start.replace("T10:00", "T10:53"), 53, list(enumerate(jots)))
         for start, _t, jots, _s in SESSIONS])
    workspace = made.open()
    notes, texts = [], []
    try:
        client_id = made.client_ids[CODE]
        objectives = _plan(workspace, client_id)
        service = WriteupService(workspace)
        for index, (session_id, (_start, template, _jots, signed_at)) in enumerate(zip(made.session_ids, SESSIONS)):
            if index == 3:  # objective 1.1 met after the second progress note: plan version 2
                workspace.record.set_objective_status(objectives["1.1"], "met")
                TreatmentPlans(workspace).sign(client_id, signed_at="2026-01-20T09:00:00+00:00")
            signed = _sign(service, session_id, template, signed_at)
            notes.append(signed.note_id)
            texts.append(signed.text)
        records = RecordsExport(workspace)
        pdf = records.client_pdf(CODE)
        assert not records.failures, records.failures
        bundle = FhirExport(workspace).client(CODE)
    finally:
        workspace.close()
    return {"made": made, "notes": notes, "texts": texts, "objectives": objectives, "pdf": pdf, "bundle": bundle}


# --- the signed notes -------------------------------------------------------------------

def test_each_note_states_the_thread_it_was_signed_with(thread):
    intake, first, second, third, discharge = thread["texts"]
    assert intake.startswith("INTAKE ASSESSMENT (PSYCHIATRIC DIAGNOSTIC EVALUATION)\n")
    for text in thread["texts"]:
        assert "Diagnoses: F33.1 Major depressive disorder, recurrent, moderate (primary)" in text
    assert "CPT: 90791" in intake  # the template chose it, whatever the length (53 min)
    for text in (intake, first, second):
        assert "Treatment plan: version 1, signed 2026-01-05" in text
    for text in (third, discharge):
        assert "Treatment plan: version 2, signed 2026-01-20" in text

    objective_11 = "Objective 1.1: Complete three thought records a week (target 2026-03-31)"
    objective_12 = "Objective 1.2: Walk 20 minutes on four days a week (target 2026-04-30)"
    objective_21 = "Objective 2.1: Email HR about a phased return (target 2026-04-15)"
    assert f"{objective_11}: improved \u2014 completed two records. Interventions: Cognitive behavioural therapy thought records" in first
    assert f"{objective_12}: stable \u2014 walked once" in first
    assert f"{objective_11}: improved \u2014 three records this week. Interventions: Cognitive behavioural therapy thought records" in second
    assert re.search(re.escape(f"{objective_12}: improved \u2014 walked four days. Interventions: ")
                     + "[Bb]ehavioural activation", second)
    assert f"{objective_21}: stable \u2014 not yet" in second
    assert f"{objective_21}: improved \u2014 emailed HR. Interventions: " in third
    assert objective_11 not in third  # met in plan version 2: no longer rated
    # Today's interventions each serve an objective: nothing is left unlinked.
    assert "PHQ-9: 16 (moderately severe)" in intake and "PHQ-9: 6" in third

    assert discharge.startswith("DISCHARGE SUMMARY\n")
    assert ("PHQ-9 16 (moderately severe) on 2026-01-05 (first); PHQ-9 4 (minimal) on 2026-02-02 (last): down 12"
            in discharge)
    assert "GAD-7 12 (moderate) on 2026-01-05 (first); GAD-7 7 (mild) on 2026-01-26 (last): down 5" in discharge


def test_every_note_and_both_plan_versions_verify(thread):
    workspace = thread["made"].open()
    try:
        from tui.services.signing import Signatures

        signatures = Signatures(workspace)
        assert [signatures.verify(n).status for n in thread["notes"]] == [sig.VERIFIED] * 5
        verdicts = TreatmentPlans(workspace).verify(thread["made"].client_ids[CODE])
        assert [(v.version, v.ok) for v in verdicts] == [(1, True), (2, True)]
    finally:
        workspace.close()


# --- the records-request PDF ------------------------------------------------------------

def test_the_records_request_pdf_reads_the_whole_thread(thread):
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(thread["pdf"])).pages)
    flat = " ".join(text.split())
    assert "Diagnosis (ICD-10-CM): F33.1 Major depressive disorder, recurrent, moderate (primary, onset" in flat
    assert "Objective 1.1 (met, target 2026-03-31): Complete three thought records a week" in flat
    assert "Planned intervention: CBT thought records" in flat
    assert "Version 1 · signed 2026-01-05" in flat and "Version 2 · signed 2026-01-20" in flat
    assert flat.count("Plan version") >= 2 and "SIGNATURE INVALID" not in flat
    assert "Note 5 of 5" in flat and "DISCHARGE SUMMARY" in flat
    # The notes' own objective lines, as signed.
    assert "Objective 2.1: Email HR about a phased return (target 2026-04-15): improved — emailed HR" in flat


# --- the FHIR Bundle --------------------------------------------------------------------

def test_the_fhir_bundle_links_diagnosis_plan_objectives_sessions_and_scores(thread):
    from fhir.resources.R4B.bundle import Bundle

    bundle = json.loads(thread["bundle"])
    Bundle.model_validate(bundle)
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}

    def of(kind):
        return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]

    (condition,) = [c for c in of("Condition") if "coding" in c["code"]]
    assert condition["code"]["coding"][0]["code"] == "F33.1"
    condition_url = next(u for u, r in urls.items() if r is condition)
    (plan,) = of("CarePlan")
    assert {"reference": condition_url} in plan["addresses"]
    goals = {urls[g["reference"]]["description"]["text"]: urls[g["reference"]] for g in plan["goal"]}
    assert set(goals) >= {"Reduce depressive symptoms", "Return to work",
                          "Objective 1.1: Complete three thought records a week"}
    met = goals["Objective 1.1: Complete three thought records a week"]
    assert met["lifecycleStatus"] == "completed" and met["target"] == [{"dueDate": "2026-03-31"}]
    walking = goals["Objective 1.2: Walk 20 minutes on four days a week"]
    assert walking["achievementStatus"]["coding"][0]["code"] == "improving"
    served = {a["detail"]["description"]: urls[a["detail"]["goal"][0]["reference"]]["description"]["text"]
              for a in plan["activity"]}
    assert served == {"CBT thought records": "Objective 1.1: Complete three thought records a week",
                      "Behavioural activation": "Objective 1.2: Walk 20 minutes on four days a week",
                      "Problem solving": "Objective 2.1: Email HR about a phased return"}

    encounters = sorted(of("Encounter"), key=lambda e: e["period"]["start"])
    assert len(encounters) == 5
    assert encounters[0]["type"][0]["coding"][0]["code"] == "90791"
    for encounter in encounters:
        assert [urls[d["condition"]["reference"]]["code"]["coding"][0]["code"] for d in encounter["diagnosis"]] == [
            "F33.1"]
    documents = of("DocumentReference")
    assert len(documents) == 5
    decoded = [base64.b64decode(d["content"][0]["attachment"]["data"]).decode() for d in documents]
    for signed in thread["texts"]:  # each DocumentReference carries a signed text byte for byte
        assert any(d.rstrip("\n") == signed.rstrip("\n") for d in decoded)
    phq9 = sorted((o["effectiveDateTime"][:10], o["valueQuantity"]["value"]) for o in of("Observation")
                  if o["code"]["coding"][0]["code"] == "44261-6")
    assert phq9 == [("2026-01-05", 16), ("2026-01-12", 13), ("2026-01-19", 9), ("2026-01-26", 6), ("2026-02-02", 4)]


def test_medplum_finds_no_error_in_the_thread(thread, require):
    require((VALIDATOR / "node_modules" / "@medplum" / "core").is_dir(),
            "the FHIR validator is not installed: npm ci --prefix tests/fhir_validator")
    node = VALIDATOR / "node_modules" / ".bin" / "node"
    node_path = str(node) if node.exists() else shutil.which("node")
    require(node_path, "no Node to run the FHIR validator")
    done = subprocess.run([node_path, str(VALIDATOR / "validate.mjs"), "-"], input=thread["bundle"].encode(),
                          capture_output=True, timeout=120, check=False)
    report = json.loads(done.stdout)
    errors = [(r["resource"], i) for r in report["results"] for i in r["issues"] if i["severity"] in ("error", "fatal")]
    assert errors == [] and done.returncode == 0, errors[:5]


# --- the TUI ----------------------------------------------------------------------------

async def test_the_tui_shows_the_thread(thread):
    app = thread["made"].app()
    async with app.run_test(size=(130, 44)) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count >= 1, "the client row")
        await pilot.press("t")
        chart = await wait_for_screen(pilot, ChartScreen)
        await wait_until(pilot, lambda: chart.chart is not None, "the chart")
        text = screen_text(app)
        assert "Diagnoses: F33.1 Major depressive disorder, recurrent, moderate (primary, onset" in text
        assert "Plan version 2, signed 2026-01-20" in text
        assert "INTAKE" in text and "DISCHARGE" in text  # the template each note was signed under
        for day in ("2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"):
            assert day in text, day

        await pilot.press("p")
        plan = await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: plan.status is not None, "the plan")
        text = screen_text(app)
        assert "Plan version 2, signed 2026-01-20" in text
        assert "1.1   met" in text and "target 2026-03-31" in text
        listed = plan.query_one(RowList)
        while listed.current.key != ("objective", thread["objectives"]["1.2"]):
            await pilot.press("down")
        await settle(pilot)
        detail = screen_text(app)
        # Its history from the three progress notes, with what was done for it.
        assert "2026-01-12" in detail and "2026-01-19" in detail and "2026-01-26" in detail
        assert "walked four days" in detail and "Behavioural activation" in detail.replace("behavioural", "Behavioural")
        await pilot.press("escape")
        chart = await wait_for_screen(pilot, ChartScreen)
        # The third progress note (the chart lists newest first), as signed.
        await pilot.press("down", "enter")
        view = await wait_for_screen(pilot, NoteViewScreen)
        await settle(pilot)
        def shown() -> str:  # the whole note as the view holds it (it scrolls past the screen)
            return str(view.query_one("#note-text", Static).render())

        await wait_until(pilot, lambda: "Objective 2.1" in shown(), "the note's objective lines")
        text = shown()
        assert f"Note {thread['notes'][3]}" in screen_text(app) and "Seal verified: signature verified" in screen_text(app)
        assert "Treatment plan: version 2, signed 2026-01-20" in text
        assert "Objective 2.1: Email HR about a phased return (target 2026-04-15): improved" in text
        assert view is app.screen
