"""The records request lists the plan's ICD-10-CM diagnoses in its treatment plan section
(issue 13 item 1), in md, json and pdf: code, title, primary, onset, and a removed one as
history with the day it came off the plan."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from tui.services.reading import day

MDD = "F33.1 Major depressive disorder, recurrent, moderate (primary, onset 2025-11)"


def _client(env):
    client = env.client("DX-01", "Avery Example", "1988-04-12", goals=["Sleep 7 hours"])
    env.record.add_diagnosis(client, "F33.1", "Major depressive disorder, recurrent, moderate", primary=True,
                             onset="2025-11-01")
    gone = env.record.add_diagnosis(client, "F41.1", "Generalized anxiety disorder")
    env.record.remove_diagnosis(gone)
    return day(env.record.diagnoses(client, current_only=False)[1]["removed_at"])


def test_md_json_and_pdf_list_the_diagnoses(env):
    removed = _client(env)
    md = env.export.client("DX-01", "md")
    plan = md.split("## Treatment plan", 1)[1].split("## Measures", 1)[0]
    assert f"- Diagnosis (ICD-10-CM): {MDD}" in plan
    assert f"- Diagnosis (ICD-10-CM): F41.1 Generalized anxiety disorder [removed {removed}]" in plan
    assert plan.index("F33.1") < plan.index("F41.1") < plan.index("Goal 1")

    data = json.loads(env.export.client("DX-01", "json"))
    assert [(d["code"], d["primary"], d["onset"], d["removed"]) for d in data["treatment_plan"]["diagnoses"]] == [
        ("F33.1", True, "2025-11-01", None), ("F41.1", False, None, removed)]
    assert data["treatment_plan"]["diagnoses"][0]["title"] == "Major depressive disorder, recurrent, moderate"

    pdf = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(env.export.client_pdf("DX-01"))).pages)
    flat = " ".join(pdf.split())
    assert f"Diagnosis (ICD-10-CM): {MDD}" in flat
    assert "F41.1 Generalized anxiety disorder [removed" in flat
