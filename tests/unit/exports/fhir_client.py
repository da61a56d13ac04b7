"""A realistic client for the FHIR export tests (and the validator test): an intake, weekly
progress notes (one by telehealth), an addendum, PHQ-9 and GAD-7 with their items, a PCL-5
with its items and a negative C-SSRS screen, a treatment plan with objectives (target dates,
planned interventions for each) and a goal-level intervention, progress, a group note, private ``~``
lines and jottings in the vault, and a hostile name. Built through the real services."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from tui.services.writeup import NoteRecords
from tui.storage.vault import JottingLine

TIMELINE_CONFTEST = Path(__file__).resolve().parents[1] / "timeline" / "conftest.py"


def _timeline_conftest():  # noqa: ANN202 - the timeline tests' real-profile Env (as tests/unit/security does)
    name = "timeline_conftest_for_fhir"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TIMELINE_CONFTEST)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclasses look themselves up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def build_env(root: Path) -> Any:
    """A real profile (SQLCipher in ``root``, an in-process keyring), Dana Reyes, LCSW."""
    return _timeline_conftest().build_env(root)


def cli_env(env: Any, monkeypatch: Any) -> None:
    """Hand the profile to the CLI (as the PDF tests do): a config with NPI and practice."""
    env.ws.close()
    (env.config.profile_dir / "config.toml").write_text(
        '[clinician]\nname = "Dana Reyes"\ncredentials = "LCSW"\nnpi = "1234567893"\n'
        '[practice]\nname = "Riverside Counselling"\naddress = "12 Main St\\nSpringfield"\n')
    monkeypatch.setattr("tui.cli._keystore", lambda config: env.keystore)
    monkeypatch.setenv("HUSHPAD_HOME", str(env.config.profile_dir))


HOSTILE_NAME = "[bold]x[/] \x1b[31m <script>alert(1)</script> Ro\u202ebin"
TILDE_CANARY = "TILDECANARY5521"
VAULT_CANARY = "VAULTCANARY7730"
HOSTILE_ASSESSMENT = 'Says "[red]fine[/]" <img src=x onerror=alert(1)> & \x1b[2J; {{ x }} ${y} \u202eevil'


def build_client(env: Any) -> dict[str, Any]:
    """Returns the client id, code and the ids made (notes, addenda, measures, sessions)."""
    cid = env.client("FH-01", HOSTILE_NAME, "1987-06-15", goals=["Sleep 7 hours a night", "Return to work part time"])
    problem = env.record.add_problem(cid, "Insomnia and low mood since redundancy")
    goals = env.record.goals(cid, active_only=False)
    for goal in goals:
        objective = env.record.add_objective(goal["id"], f"Objective for {goal['description']}", "2025-06-30")
        env.record.add_plan_intervention(goal["id"], "CBT-I: stimulus control and sleep window", objective)
    env.record.add_plan_intervention(goals[0]["id"], "Psychoeducation")  # for the goal as a whole
    with env.record.transaction() as conn:
        conn.execute("UPDATE goals SET problem_id = ? WHERE client_id = ?", (problem, cid))
    # ICD-10-CM diagnoses on the plan (issue 13 item 1), before the notes so each carries them;
    # one added and removed again: history, never exported as current.
    env.record.add_diagnosis(cid, "F33.1", "Major depressive disorder, recurrent, moderate", primary=True,
                             onset="2024-11-01")
    env.record.add_diagnosis(cid, "F51.01", "Primary insomnia")
    gone = env.record.add_diagnosis(cid, "F41.1", "Generalized anxiety disorder")
    env.record.remove_diagnosis(gone)
    made: dict[str, Any] = {"client": cid, "code": "FH-01", "notes": [], "sessions": [], "addenda": []}

    # Intake-like first session: history, PHQ-9 and GAD-7 with every item, private lines.
    s1 = env.session(cid, "2025-03-03T10:00:00+00:00", jottings=[
        f"~ {TILDE_CANARY} countertransference: reminds me of my father", "\" I haven't slept properly in months",
        "phq9 2 2 2 3 1 2 1 1 1", "gad7 2 2 2 1 1 2 1", "! passive SI without plan or intent; denies HI/SH",
        f"{VAULT_CANARY} raw jotting that stays in the vault"])
    n1 = sign_intake(env, s1, "2025-03-03T12:00:00+00:00")
    a1 = NoteRecords(env.ws).add_addendum(n1, "Addendum: collateral from GP received; no change to the plan.")
    made["notes"].append(n1)
    made["addenda"].append(a1)
    made["sessions"].append(s1)

    # Weekly progress notes; the second one by telehealth, with goal progress.
    for week, (start, jots, goals_progress) in enumerate([
        ("2025-03-10T10:00:00+00:00", ["phq9 14", "gad7 9", "g1 + slept 6 hours most nights"], {1: ("improved", "6 h")}),
        ("2025-03-17T10:00:00+00:00", ["phq9 1 1 1 1 1 1 1 1 0", "gad7 8", "g2 = applying"], {2: ("stable", "")}),
        ("2025-03-24T10:00:00+00:00", ["phq9 7", "pcl5 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 1", "cssrs n n n",
                                        f"~ {TILDE_CANARY} I felt bored"], {1: ("improved", "7 h"),
                                                                                  2: ("deteriorated", "setback")}),
    ], start=2):
        s = env.session(cid, start, jottings=[*jots, "! denies SI/HI/SH"])
        if week == 3:
            with env.record.transaction() as conn:
                conn.execute("UPDATE sessions SET setting = 'telehealth' WHERE id = ?", (s,))
        n = env.sign(s, start.replace("T10", "T12"), goals=goals_progress)
        made["notes"].append(n)
        made["sessions"].append(s)
    made["telehealth_session"] = made["sessions"][2]

    # A group session with another member; this client's group note is signed.
    other = env.client("FH-02", "Other Member", "1990-01-01")
    group = env.ws.start_group_session([cid, other])
    env.ws.save_jottings(group, [JottingLine(0, "* topic: sleep hygiene"), JottingLine(1, f"~ {TILDE_CANARY} group flat")])
    env.ws.end_session(group)
    gs = env.record.query_one("SELECT id FROM sessions WHERE client_id = ? AND group_session_id IS NOT NULL",
                              (cid,))["id"]
    made["group_note"] = sign_group(env, gs, _now_iso())
    made["notes"].append(made["group_note"])
    made["sessions"].append(gs)
    made["measures"] = [r["id"] for r in env.record.query("SELECT id FROM measure_scores WHERE client_id = ?", (cid,))]
    return made


def sign_intake(env: Any, session_id: int, signed_at: str) -> int:
    """The intake: PHQ-9 item 9 above 0, so the risk statement carries SI detail."""
    from dataclasses import replace

    from tui.services.writeup import WriteupService, finding_id

    service = WriteupService(env.ws)
    w = service.open(session_id)
    texts = {"subjective": "Intake. Referred by GP for low mood and insomnia after redundancy in 2024.",
             "assessment": HOSTILE_ASSESSMENT}
    for spec in w.template.sections:
        w.draft.sections[spec.key] = texts.get(spec.key, "Noted at intake.")
    w.draft.risk = replace(w.draft.risk, si="endorsed", si_detail="Passive thoughts, no plan or intent",
                           hi="denied", self_harm="denied", level="moderate", safety_plan_reviewed=True,
                           protective_factors="daughter, faith")
    warnings = {finding_id(f) for f in service.lint(w) if f.level == "warning"}
    return service.sign(w, warnings, signed_at=signed_at).note_id


def sign_group(env: Any, session_id: int, signed_at: str) -> int:
    """A group member's note: the shared part (topic, interventions, dynamics) and her own."""
    from dataclasses import replace

    from tui.services.writeup import WriteupService, finding_id

    service = WriteupService(env.ws)
    w = service.open(session_id)
    for spec in w.template.sections:
        text = {"topic": "Sleep hygiene", "group_interventions": "Psychoeducation and a worry-time exercise",
                "dynamics": "Members supported one another"}.get(spec.key, "Engaged and shared her sleep diary.")
        if spec.part == "group":
            w.draft.group_part[spec.key] = text
        else:
            w.draft.sections[spec.key] = text
    w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low",
                           protective_factors="family")
    warnings = {finding_id(f) for f in service.lint(w) if f.level == "warning"}
    return service.sign(w, warnings, signed_at=signed_at).note_id


def _now_iso() -> str:
    from tui.domain import clock

    return clock.now_iso()
