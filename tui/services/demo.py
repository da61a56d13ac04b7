"""Fictional clients for `hushpad --demo`: enough history that every screen has content.

Every name here is invented and marked as such; none is a real person.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .workspace import Workspace

DEMO_CLIENTS = [
    ("DEMO-01", "Avery Demo (fictional)", "1988-04-12", ["Sleep 7 hours on most nights", "Return to work part-time"]),
    ("DEMO-02", "Blake Sample (fictional)", "1975-09-30", ["Reduce panic attacks to under one a week", "Drive to work alone"]),
    ("DEMO-03", "Casey Example (fictional)", "1999-01-05", ["Use two coping skills when urges arise", "Rebuild contact with family"]),
    ("DEMO-04", "Drew Placeholder (fictional)", "1964-11-21", ["Grieve with less avoidance", "Resume one valued activity weekly"]),
    ("DEMO-05", "Emery Testcase (fictional)", "2003-06-17", ["Attend classes four days a week", "Lower worry before exams"]),
    ("DEMO-06", "Finley Mock (fictional)", "1981-02-28", ["Speak up in two conversations a week", "Lower self-criticism"]),
]

JOTTINGS = [
    '" been sleeping maybe 5 hrs, wake at 4',
    "o tired, flat affect, good eye contact",
    "! denies SI/HI",
    "> CR on 'I always mess up'",
    "< able to name alternative thought",
    "* avoidance keeps the worry going #avoidance",
    "hw sleep diary, 3 nights",
    "? ask about sister's visit",
    "~ I felt protective; watch rescuing",
    "g1 + two nights of 7 hrs",
]


def seed_demo(workspace: "Workspace", months: int = 5, seed: int = 7) -> None:
    from ..storage.record import now_iso
    from ..storage.vault import JottingLine

    rng = random.Random(seed)
    record = workspace.record
    today = datetime.now().astimezone().replace(hour=10, minute=0, second=0, microsecond=0)
    for index, (code, name, born, goals) in enumerate(DEMO_CLIENTS):
        client_id = workspace.add_client(code, name, born, goals)
        weeks = months * 4 - index
        phq = rng.randint(12, 20)
        gad = rng.randint(9, 16)
        with record.transaction() as conn:
            for week in range(weeks, 0, -1):
                start = today - timedelta(weeks=week, hours=index)
                end = start + timedelta(minutes=rng.choice([45, 50, 53, 55]))
                session_id = conn.execute(
                    "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, ?)",
                    (client_id, start.isoformat(), end.isoformat(), int((end - start).total_seconds() // 60)),
                ).lastrowid
                phq = max(0, min(27, phq + rng.choice([-2, -1, -1, 0, 1])))
                gad = max(0, min(21, gad + rng.choice([-2, -1, 0, 0, 1])))
                if week % 2 == 0:
                    conn.execute(
                        "INSERT INTO measure_scores (client_id, session_id, instrument, total, administered_at) VALUES (?, ?, 'phq9', ?, ?)",
                        (client_id, session_id, phq, start.isoformat()),
                    )
                    conn.execute(
                        "INSERT INTO measure_scores (client_id, session_id, instrument, total, administered_at) VALUES (?, ?, 'gad7', ?, ?)",
                        (client_id, session_id, gad, start.isoformat()),
                    )
                level = "moderate" if phq >= 15 else "low"
                conn.execute(
                    """INSERT INTO risk_assessments (client_id, session_id, suicidal_ideation, homicidal_ideation,
                       self_harm, level, protective_factors, safety_plan_reviewed, assessed_at)
                       VALUES (?, ?, 'denied', 'denied', 'denied', ?, 'family support; future plans', ?, ?)""",
                    (client_id, session_id, level, int(level != "low"), start.isoformat()),
                )
                if week > 1:  # the most recent session is left for the demo's "note due"
                    _signed_note(conn, session_id, code, start, end, phq, gad, now_iso())
        last = record.query_one("SELECT id FROM sessions WHERE client_id = ? ORDER BY started_at DESC LIMIT 1", (client_id,))
        if last:
            lines = [JottingLine(minute * 5, text) for minute, text in enumerate(rng.sample(JOTTINGS, 7))]
            workspace.vault.save_jottings(f"session:{last['id']}", lines)


def _signed_note(conn, session_id: int, code: str, start: datetime, end: datetime, phq: int, gad: int, signed_at: str) -> None:
    import hashlib

    sections = [
        ("subjective", "Subjective", "Client reports sleep improving on most nights; worry about work remains."),
        ("objective", "Objective", "Calm, engaged, affect congruent. PHQ-9 %d, GAD-7 %d." % (phq, gad)),
        ("assessment", "Assessment", "Gradual progress toward goals; avoidance still maintains worry."),
        ("plan", "Plan", "Continue weekly CBT. Homework: sleep diary. Next session in one week."),
    ]
    text = "\n\n".join(f"{title}\n{body}" for _, title, body in sections)
    text = f"Progress note ({code}) {start:%Y-%m-%d %H:%M}\nRisk: denies SI, HI and self-harm.\n\n{text}\n"
    digest = hashlib.sha256(text.encode()).hexdigest()
    note_id = conn.execute(
        """INSERT INTO progress_notes (session_id, template, status, draft_json, canonical_text, content_hash,
           signer, credentials, signed_at, summary, created_at, updated_at)
           VALUES (?, 'SOAP', 'draft', ?, ?, ?, 'Demo Clinician', 'LCSW', ?, ?, ?, ?)""",
        (session_id, json.dumps({}), text, digest, end.isoformat(), sections[2][2], end.isoformat(), end.isoformat()),
    ).lastrowid
    for ordinal, (key, title, body) in enumerate(sections):
        conn.execute(
            "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, ?, ?, ?, ?)",
            (note_id, key, title, body, ordinal),
        )
    conn.execute("UPDATE progress_notes SET status = 'signed' WHERE id = ?", (note_id,))
