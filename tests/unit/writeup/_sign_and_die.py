"""Run by test_signing in a child process: open a write-up, fill it, and SIGKILL ourselves
inside sign_note's transaction, after every row is written and before the commit."""

import os
import sys
from dataclasses import replace
from pathlib import Path

from tui.config import Config
from tui.services.workspace import Workspace
from tui.services.writeup import WriteupService
from tui.storage import profile
from tui.storage.paths import ProfilePaths


def main(profile_dir: str, code: str, session_id: int) -> None:
    root = Path(profile_dir)
    config = Config(profile_dir=root, config_path=root / "config.toml", clinician_name="Dana Reyes",
                    credentials="LCSW")
    ws = Workspace(profile.unlock(ProfilePaths(root), recovery_code=code), config)
    svc = WriteupService(ws)
    w = svc.open(session_id)
    texts = {"subjective": "Subjective written in the child.", "objective": "Tired, good eye contact.",
             "assessment": "Progress on the sleep goal.", "plan": "Weekly; sleep diary."}
    for spec in w.template.sections:
        w.draft.sections[spec.key] = texts[spec.key]
    w.draft.risk = replace(w.draft.risk, si="denied", hi="denied", self_harm="denied", level="low")
    svc.save(w)
    print("about to sign", flush=True)
    from tui.services.writeup import finding_id

    warnings = {finding_id(f) for f in svc.lint(w) if f.level == "warning"}
    svc.sign(w, warnings, before_commit=lambda: os.kill(os.getpid(), 9))
    print("signed (should never print)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
