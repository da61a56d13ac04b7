"""Fictional clients for `hushpad --demo`: enough history that every screen has content.

Every name here is invented and marked as such; none is a real person. Notes are
written and signed through the same write-up service a clinician uses.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from ..domain import clock

if TYPE_CHECKING:
    from .workspace import Workspace

DEMO_CLIENTS = [
    ("DEMO-01", "Avery Demo (fictional)", "1988-04-12", ["Sleep 7 hours on most nights", "Return to work part-time"]),
    ("DEMO-02", "Blake Sample (fictional)", "1975-09-30", ["Fewer than one panic attack a week", "Drive to work alone"]),
    ("DEMO-03", "Casey Example (fictional)", "1999-01-05", ["Use two coping skills when urges arise", "Rebuild contact with family"]),
    ("DEMO-04", "Drew Placeholder (fictional)", "1964-11-21", ["Grieve with less avoidance", "Resume one valued activity weekly"]),
    ("DEMO-05", "Emery Testcase (fictional)", "2003-06-17", ["Attend classes four days a week", "Lower worry before exams"]),
    ("DEMO-06", "Finley Mock (fictional)", "1981-02-28", ["Speak up in two conversations a week", "Lower self-criticism"]),
]

QUOTES = ['" been sleeping maybe 5 hrs, wake at 4', '" work feels impossible some days', '" had a better week overall',
          '" my sister visited, it went ok', '" I keep replaying the argument']
OBSERVATIONS = ["o tired, flat affect, good eye contact", "o brighter affect, laughed twice", "o restless, fidgeting",
                "o tearful when discussing work"]
INTERVENTIONS = ["> CR on 'I always mess up'", "> BA: scheduled two walks", "> PE on the worry cycle",
                 "> MI on returning to the gym", "> mindfulness of breath, 5 min"]
RESPONSES = ["< able to name an alternative thought", "< engaged, agreed to try", "< skeptical but willing"]
THEMES = ["* avoidance keeps the worry going #avoidance", "* self-criticism after small setbacks #selfcrit",
          "* making links between sleep and mood #sleep"]
HOMEWORK = ["hw sleep diary, 3 nights", "hw two 10-minute walks", "hw thought record once a day"]
QUESTIONS = ["? ask about sister's visit", "? follow up on work meeting", "? check sleep diary"]
PRIVATE = ["~ I felt protective; watch rescuing", "~ wonder about grief under the anger", "~ I was tired today"]


def _session_jottings(rng: random.Random, phq: int, gad: int, goal_count: int) -> list[str]:
    lines = [rng.choice(QUOTES), rng.choice(OBSERVATIONS), "! denies SI/HI/SH", rng.choice(INTERVENTIONS),
             rng.choice(RESPONSES), rng.choice(THEMES), rng.choice(HOMEWORK), rng.choice(QUESTIONS), rng.choice(PRIVATE)]
    lines.append(f"phq9 {phq}")
    lines.append(f"gad7 {gad}")
    for ordinal in range(1, goal_count + 1):
        lines.append(f"g{ordinal} {rng.choice('++=-')} {rng.choice(['small steps', 'steady', 'harder week'])}")
    return lines


def seed_demo(workspace: "Workspace", months: int = 5, seed: int = 7) -> None:
    from ..domain.models import MentalStatus
    from ..domain.templates import offer_jottings
    from ..storage.vault import JottingLine
    from .writeup import WriteupService, finding_id

    rng = random.Random(seed)
    record = workspace.record
    service = WriteupService(workspace)
    today = clock.now().replace(hour=10, minute=0, second=0)
    for index, (code, name, born, goals) in enumerate(DEMO_CLIENTS):
        client_id = workspace.add_client(code, name, born, goals)
        weeks = months * 4 - index * 2
        phq, gad = rng.randint(13, 20), rng.randint(9, 16)
        for week in range(weeks, 0, -1):
            start = today - timedelta(weeks=week, hours=index)
            minutes = rng.choice([45, 50, 53, 55])
            with record.transaction() as conn:
                session_id = int(conn.execute(
                    "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, ?)",
                    (client_id, start.isoformat(), (start + timedelta(minutes=minutes)).isoformat(), minutes),
                ).lastrowid)
            phq = max(0, min(27, phq + rng.choice([-2, -1, -1, 0, 1])))
            gad = max(0, min(21, gad + rng.choice([-2, -1, 0, 0, 1])))
            lines = _session_jottings(rng, phq, gad, len(goals))
            workspace.vault.save_jottings(f"session:{session_id}",
                                          [JottingLine(i * 4, text) for i, text in enumerate(lines)])
            if week == 1:
                continue  # the latest session is left as a note due, so the write-up has work to show
            writeup = service.open(session_id)
            for spec in writeup.template.sections:
                carried = [service.carry(writeup, o.jotting) for o in offer_jottings(writeup.jottings, spec)
                           if o.feeds and o.carryable]
                writeup.draft.sections[spec.key] = "\n".join(carried) or "No change reported."
            writeup.draft.mental_status = MentalStatus.within_normal_limits()
            level = "moderate" if phq >= 18 else "low"
            writeup.draft.risk = replace(writeup.draft.risk, level=level, protective_factors="family; future plans",
                                         safety_plan_reviewed=level != "low")
            findings = service.lint(writeup)
            signed_at = (start + timedelta(hours=3 if week % 5 else 30)).isoformat(timespec="seconds")
            service.sign(writeup, {finding_id(f) for f in findings}, signed_at=signed_at)
