"""A synthetic Hushpad profile for the timeline benchmarks (and anyone else).

    .venv/bin/python benchmarks/make_profile.py --clients 50 --big-sessions 10000 --out DIR

makes, in DIR:

- ``DIR/profile/``: a real profile (SQLCipher record + vault, keys.json), created through
  ``access.initialise`` exactly as `hushpad init` does, but with the device key held in a
  ``MemoryKeyring`` rather than the OS keyring;
- ``DIR/bench-keyring.json`` (mode 0600): that keyring's one entry (profile id -> wrapped
  device key). ``load(DIR)`` rebuilds the MemoryKeyring from it, so any process can open the
  profile: ``config, keystore = make_profile.load(DIR)``, then
  ``access.unlock(config, keystore=keystore)`` or ``make_app(config, keystore=keystore)``.
  THIS FILE IS THE KEY TO THE PROFILE: synthetic data only, never a real caseload.
- ``DIR/profile.json``: what was made (client codes and ids, session counts, the recovery code).

Clients: ``BIG-01`` with ``--big-sessions`` sessions, ``MID-01`` with ``--mid-sessions`` (100:
the comparison client for the chart benchmark), and ``C-003``… with ``--small-sessions`` each,
up to ``--clients`` in all. Every ended session but each client's latest has a signed SOAP
note, a PHQ-9 and a GAD-7, and a risk assessment. Every client's sessions are weekly, ending
on 2025-06-02, so the profile is the same whatever day it is made.

Speed: the notes are not signed one by one through WriteupService (tens of thousands of
transactions); each note's draft is built in memory, its canonical text rendered by the
same ``canonical_text`` the write-up signs with (so every seal verifies), and the rows
inserted in bulk through ``RecordStore.transaction``. Notes are inserted as drafts and then
flipped to ``signed`` with one UPDATE per batch, so the ``note_search_on_sign`` trigger
fills the FTS index exactly as real signing does. A handful of notes per client are signed
through the real ``WriteupService.sign`` as well, as a cross-check that both paths agree.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tui.config import Config  # noqa: E402
from tui.storage.keyring_access import MemoryKeyring  # noqa: E402

KEYRING_FILE = "bench-keyring.json"
META_FILE = "profile.json"
SIGNER_NAME = "Bench Clinician"
CREDENTIALS = "LCSW"
LAST_DAY = datetime(2025, 6, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))

WORDS = ("sleep worry work sister argument avoidance walk diary panic breathing exposure grief mother "
         "exam class commute anger rumination weekend appetite energy motivation routine friend "
         "budget move habit trigger relapse craving values boundary").split()
ASSESSMENTS = [
    "Depressive symptoms easing with behavioural activation.",
    "Worry remains high; avoidance keeps it going.",
    "Sleep improving; mood steadier than last month.",
    "Panic frequency down; still avoids driving alone.",
    "Grief more accessible; less avoidance of reminders.",
    "Self-criticism after small setbacks; some reframing.",
]


def config_for(out: Path) -> Config:
    profile_dir = out / "profile"
    return Config(profile_dir=profile_dir, config_path=profile_dir / "config.toml",
                  clinician_name=SIGNER_NAME, credentials=CREDENTIALS)


def load(out: str | Path) -> tuple[Config, MemoryKeyring]:
    """The profile's config and a MemoryKeyring holding its device key."""
    out = Path(out)
    keystore = MemoryKeyring()
    for profile_id, value in json.loads((out / KEYRING_FILE).read_text()).items():
        keystore.set(profile_id, value)
    return config_for(out), keystore


def meta(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / META_FILE).read_text())


def open_workspace(out: str | Path):  # noqa: ANN201
    from tui.services import access
    from tui.services.workspace import Workspace

    config, keystore = load(out)
    return Workspace(access.unlock(config, keystore=keystore), config)


# -- building ---------------------------------------------------------------------
def _note_text(rng: random.Random, n: int) -> dict[str, str]:
    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12))).capitalize() + "."

    return {
        "subjective": f"Reports {rng.choice(WORDS)} and {rng.choice(WORDS)} this week (session {n}). {sentence()}",
        "objective": f"Appeared {rng.choice(['tired', 'brighter', 'restless', 'calm'])}. {sentence()}",
        "assessment": rng.choice(ASSESSMENTS) + " " + sentence(),
        "plan": f"Continue weekly; {rng.choice(['sleep diary', 'two walks', 'thought record'])} as homework.",
    }


def _bulk_client(workspace: Any, client_id: int, code: str, sessions: int, rng: random.Random,
                 goal_ids: list[int], batch: int = 1000) -> int:
    """Insert `sessions` weekly sessions ending at LAST_DAY; all but the latest get a signed note."""
    from dataclasses import replace

    from tui.domain.billing import suggest_cpt
    from tui.domain.canonical import canonical_text, content_hash
    from tui.domain.measures import MeasureScore
    from tui.domain.models import GoalProgress, MentalStatus, NoteDraft, Plan, RiskStatement, SessionFacts
    from tui.domain.templates import BUILTIN_TEMPLATES
    from tui.domain.visible import make_visible

    template = BUILTIN_TEMPLATES["soap"]
    signer = workspace.config.signer
    record = workspace.record
    mse = MentalStatus.within_normal_limits()
    base_risk = RiskStatement(si="denied", hi="denied", self_harm="denied", level="low",
                              protective_factors="family; future plans")
    phq, gad = rng.randint(8, 22), rng.randint(6, 17)
    signed = 0
    for first in range(0, sessions, batch):
        rows = []
        for index in range(first, min(sessions, first + batch)):
            number = index + 1
            start = LAST_DAY - timedelta(weeks=sessions - number, hours=rng.randint(0, 6))
            minutes = rng.choice([45, 50, 53, 55])
            end = start + timedelta(minutes=minutes)
            if number == sessions:
                rows.append((start, end, minutes, None))  # the latest is left as a note due
                continue
            phq = max(0, min(27, phq + rng.choice([-2, -1, 0, 0, 1, 1])))
            gad = max(0, min(21, gad + rng.choice([-2, -1, 0, 0, 1])))
            late = number % 9 == 0
            signed_at = (end + timedelta(hours=30 if late else 2)).isoformat(timespec="seconds")
            level = "high" if phq >= 24 else "moderate" if phq >= 18 else "low"
            draft = NoteDraft(
                facts=SessionFacts(date=start.date().isoformat(), start_time=start.strftime("%H:%M"),
                                   duration_min=minutes, session_number=number,
                                   cpt_code=suggest_cpt(minutes, "individual").code or "", template_key="soap"),
                template_key="soap", sections=_note_text(rng, number), mental_status=mse,
                interventions=["Cognitive restructuring"], measures=[MeasureScore("phq9", phq), MeasureScore("gad7", gad)],
                risk=replace(base_risk, level=level, safety_plan_reviewed=level != "low"),
                goals=[GoalProgress(str(g), f"Goal {i + 1}", rng.choice(["improved", "stable", "deteriorated"]),
                                    "synthetic") for i, g in enumerate(goal_ids)],
                plan=Plan(next_session=(start + timedelta(days=7)).date().isoformat(), homework="sleep diary"),
            )
            text = make_visible(canonical_text(draft, template, client_label=code, signer=signer,
                                                   credentials=CREDENTIALS, signed_at=signed_at, late_entry=late))
            rows.append((start, end, minutes, (draft, text, signed_at, late, level, phq, gad)))
        with record.transaction() as conn:
            note_ids = []
            for start, end, minutes, note in rows:
                session_id = conn.execute(
                    "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, ?)",
                    (client_id, start.isoformat(), end.isoformat(), minutes)).lastrowid
                if note is None:
                    continue
                draft, text, signed_at, late, level, phq_total, gad_total = note
                payload = draft.to_dict()
                note_id = conn.execute(
                    """INSERT INTO progress_notes (session_id, template, status, draft_json, canonical_text,
                           content_hash, signer, credentials, signed_at, late_entry, summary, created_at, updated_at)
                       VALUES (?, 'soap', 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (session_id, json.dumps(payload, ensure_ascii=False), text, content_hash(text), signer, CREDENTIALS,
                     signed_at, int(late), draft.sections["assessment"][:200], signed_at, signed_at)).lastrowid
                note_ids.append(note_id)
                conn.executemany(
                    "INSERT INTO note_sections (note_id, key, title, body, ordinal) VALUES (?, ?, ?, ?, ?)",
                    [(note_id, s.key, s.title, draft.sections.get(s.key, ""), i) for i, s in enumerate(template.sections)])
                conn.executemany(
                    """INSERT INTO measure_scores (client_id, session_id, instrument, total, administered_at)
                       VALUES (?, ?, ?, ?, ?)""",
                    [(client_id, session_id, "phq9", phq_total, signed_at),
                     (client_id, session_id, "gad7", gad_total, signed_at)])
                conn.execute(
                    """INSERT INTO risk_assessments (client_id, session_id, suicidal_ideation, homicidal_ideation,
                           self_harm, level, protective_factors, safety_plan_reviewed, assessed_at)
                       VALUES (?, ?, 'denied', 'denied', 'denied', ?, 'family; future plans', ?, ?)""",
                    (client_id, session_id, level, int(level != "low"), signed_at))
            # Draft -> signed: the FTS trigger indexes each note, as real signing does.
            conn.executemany("UPDATE progress_notes SET status = 'signed' WHERE id = ?", [(i,) for i in note_ids])
        signed += len(note_ids)
    return signed


def _sign_through_service(workspace: Any, client_id: int, rng: random.Random, when: datetime) -> int:
    """One more session signed by the real WriteupService (cross-check of the bulk path)."""
    from dataclasses import replace

    from tui.services.writeup import WriteupService, finding_id
    from tui.storage.vault import JottingLine

    with workspace.record.transaction() as conn:
        session_id = int(conn.execute(
            "INSERT INTO sessions (client_id, started_at, ended_at, duration_min) VALUES (?, ?, ?, 50)",
            (client_id, when.isoformat(), (when + timedelta(minutes=50)).isoformat())).lastrowid)
    workspace.vault.save_jottings(f"session:{session_id}", [
        JottingLine(0, '" sleeping better, 6 hrs'), JottingLine(5, "! denies SI/HI/SH"),
        JottingLine(9, "phq9 9"), JottingLine(9, "gad7 7"), JottingLine(12, "~ private synthetic aside"),
        JottingLine(20, "? ask about the move")])
    service = WriteupService(workspace)
    writeup = service.open(session_id)
    for key, text in _note_text(rng, 0).items():
        writeup.draft.sections[key] = text
    if not writeup.draft.risk.level:  # risk came up ("!"), so the level must be stated to sign
        writeup.draft.risk = replace(writeup.draft.risk, level="low")
    findings = service.lint(writeup)
    service.sign(writeup, {finding_id(f) for f in findings if f.level == "warning"},
                 signed_at=(when + timedelta(hours=2)).isoformat(timespec="seconds"))
    return session_id


def make(out: Path, clients: int = 50, big_sessions: int = 10_000, mid_sessions: int = 100,
         small_sessions: int = 12, seed: int = 1) -> dict[str, Any]:
    from tui.services import access
    from tui.services.workspace import Workspace

    out.mkdir(parents=True, exist_ok=True)
    if (out / "profile").exists():
        raise SystemExit(f"{out / 'profile'} exists already; choose an empty --out")
    config = config_for(out)
    keystore = MemoryKeyring()
    profile, recovery_code = access.initialise(config, keystore, None)
    key_path = out / KEYRING_FILE
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({k: bytes(v).decode("utf-8") for k, v in keystore._items.items()}, fh)
    workspace = Workspace(profile, config)
    rng = random.Random(seed)
    made: dict[str, Any] = {"clients": {}, "recovery_code": recovery_code}
    try:
        plan = [("BIG-01", big_sessions), ("MID-01", mid_sessions)]
        plan += [(f"C-{i:03d}", small_sessions) for i in range(3, clients + 1)]
        for code, count in plan[:clients]:
            goals = ["Sleep 7 hours on most nights", "Fewer panic attacks"]
            client_id = workspace.add_client(code, f"{code} Synthetic (fictional)", "1980-01-01", goals)
            goal_ids = [g["id"] for g in workspace.record.goals(client_id)]
            signed = _bulk_client(workspace, client_id, code, count, rng, goal_ids)
            made["clients"][code] = {"id": client_id, "sessions": count, "signed_notes": signed}
        # The real signing path too, for a few clients (its seal and FTS row must agree with the bulk ones).
        for code in list(made["clients"])[:3]:
            entry = made["clients"][code]
            _sign_through_service(workspace, entry["id"], rng, LAST_DAY - timedelta(days=3))
            entry["sessions"] += 1
            entry["signed_notes"] += 1
    finally:
        workspace.close()
    (out / META_FILE).write_text(json.dumps(made, indent=2))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--big-sessions", type=int, default=10_000)
    parser.add_argument("--mid-sessions", type=int, default=100)
    parser.add_argument("--small-sessions", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    made = make(args.out, args.clients, args.big_sessions, args.mid_sessions, args.small_sessions, args.seed)
    notes = sum(c["signed_notes"] for c in made["clients"].values())
    print(f"made {len(made['clients'])} clients, {notes} signed notes in {time.perf_counter() - started:.1f} s")
    print(f"profile: {args.out / 'profile'}   key: {args.out / KEYRING_FILE} (MemoryKeyring; see make_profile.load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
