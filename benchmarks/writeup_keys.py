"""Keys a write-up takes (issue 11), besides free text: goal <= 25 for an individual note
from a realistic 30-jotting session, <= 15 for each extra member of a three-member group.

Driven through the real app (Pilot at 120x40, a real profile: SQLCipher in a temp dir,
MemoryKeyring) the way a clinician would: end the session (ctrl+o twice), then on each step
f4 where there are sections (carry every ◆), f3 where the mental status is, f2 on a risk
statement left incomplete, Tab to a required box still empty and type it (typing is free
text, not counted; the Tab is), ctrl+n on; at Review one space per warning, ctrl+s; in a
group, ctrl+n from a signed note to the next member's. Every key pressed is logged.

    .venv/bin/python benchmarks/writeup_keys.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine_line  # noqa: E402

GOAL_INDIVIDUAL = 25
GOAL_PER_EXTRA_MEMBER = 15
SIZE = (120, 40)

THIRTY = [
    '" work has been a lot', '" I cant switch off at night', '" my sister is visiting',
    "o tired, flat affect", "o good eye contact", "o fidgeting when discussing work",
    "> CR on catastrophizing", "> PE re sleep hygiene", "> BA scheduling a walk", "> MI re alcohol use",
    "< able to reframe", "< agreed to try the walk", "< ambivalent about cutting down",
    "* avoidance keeps the worry going", "* perfectionism at work", "* sleep and mood linked",
    "! denies SI/HI/SH", "! no access to means",
    "hw sleep diary", "hw walk twice this week",
    "? ask about sister's visit", "? revisit drinking",
    "phq9 1 2 1 1 2 1 1 1 0", "gad7 12",
    "g1 + 2 nights of 7 hrs", "g2 = one panic attack",
    "~ I felt protective of her today", "~ notice my own tiredness",
    "#sleep", "talked about the holidays",
]
MEMBERS = [("C-201", "Alice Brown", ["Ask for help before a crisis"]), ("C-202", "Tom Fox", ["Name anger early"]),
           ("C-203", "Priya Shah", ["Rest without guilt"])]
GROUP = [
    "* distress tolerance: TIPP skills", "> taught TIPP, paced breathing as a group", "> role-play: asking for help",
    '@AB " I always end up apologising', "@AB o spoke up twice unprompted", "@AB < tried paced breathing, it helped",
    "@AB g1 + asked her partner for help", "@AB phq9 14",
    "@TF o quiet first half, arms crossed", '@TF " my brother hasnt called', "@TF < named anger in the role-play",
    "@TF g1 = still bottles it up",
    '@PS " Im tired of being the strong one', "@PS o tearful, engaged", "@PS < tried step 1 of the role-play",
    "@PS g1 + took a rest day", "! @PS passive SI last week, no plan, no intent", "! @PS protective: sister, her cat",
    "! @PS denies HI/SH", "! @AB denies SI/HI/SH", "! @TF denies SI/HI/SH",
    "hw practise TIPP daily", "~ group felt flat, I was tired",
]
FREE_TEXT = {"plan": "Continue weekly.", "dynamics": "Supportive; members took turns.",
             "goals_addressed": "Goal 1 worked on in the role-play."}


async def choose_template(pilot, screen, key: str, keys: list[str]) -> None:  # noqa: ANN001
    """On the Session step: Tab to the Template picker and type its first letter until it is
    ``key`` (every key counted)."""
    for _ in range(40):
        focused = pilot.app.focused
        if focused is not None and focused.id == "fact-template":
            break
        await pilot.press("tab")
        keys.append("tab")
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if screen.writeup.template.key == key:
            return
        await pilot.press(key[0])  # a letter jumps to the next template starting with it
        keys.append(key[0])
    raise RuntimeError(f"template {key!r} not reached: {screen.writeup.template.key}")


async def drive(pilot, screen, keys: list[str]) -> None:  # noqa: ANN001
    """One note from its first step to signed."""
    from textual.widgets import SelectionList

    from tui.widgets.writeup_steps import CombinedStep, MentalStatusPane, ReviewPane, RiskPane, SectionPane, step_part

    async def press(*names: str) -> None:
        for name in names:
            await pilot.press(name)
            keys.append(name)

    async def idle() -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    while not isinstance(screen.panes[screen.step], ReviewPane):
        pane = screen.panes[screen.step]
        sections = ([p for p in pane.parts if isinstance(p, SectionPane)] if isinstance(pane, CombinedStep)
                    else [pane] if isinstance(pane, SectionPane) else [])
        if sections:
            await press("f4")
            await idle()
            empty = {f.section for f in screen.service.lint(screen.writeup) if f.rule == "section.required-empty"}
            for section in sections:
                if section.spec.key in empty:
                    # Tab from the picker into the box, type (free text), like a clinician would.
                    section.query_one("#picker").focus()
                    await press("tab")
                    await pilot.press(*[{" ": "space", ".": "full_stop", ";": "semicolon", "1": "1"}.get(c, c)
                                        for c in FREE_TEXT.get(section.spec.key, "Discussed.")])
        if step_part(pane, MentalStatusPane) is not None:
            await press("f3")
        risk = screen.writeup.draft.risk
        risk_pane = step_part(pane, RiskPane)
        if risk_pane is not None and not (risk.is_stated and risk.level):
            if risk.si == "endorsed":
                # Tab (really pressed, each counted) to the level and a letter ("m" moderate), then
                # on to the safety plan and "r" (reviewed) if the jottings did not say.
                for target, letter in (("risk-level", "m"), ("risk-safety-plan", "r")):
                    if target == "risk-safety-plan" and risk.safety_plan:
                        continue
                    for _ in range(30):
                        if pilot.app.focused is not None and pilot.app.focused.id == target:
                            break
                        await press("tab")
                    await press(letter)
            else:
                await press("f2")
        await press("ctrl+n")
        await idle()
    review = screen.panes[-1]
    warnings = review.query_one("#review-warnings", SelectionList)
    if warnings.display and warnings.option_count:
        warnings.focus()
        for _ in range(warnings.option_count):
            await press("space")
    await press("ctrl+s")
    for _ in range(200):
        await idle()
        if screen.signed is not None:
            return
    raise RuntimeError(f"not signed: {[f.message for f in screen.service.lint(screen.writeup)]}")


def counted(keys: list[str]) -> int:
    return sum(1 for k in keys if not k.startswith("("))


INTAKE = [
    '" I havent slept properly since the layoff', '" my wife says Im not myself', "o dishevelled, slowed speech",
    "o flat affect, tearful when discussing work", "* MDD single episode moderate, r/o GAD",
    "> psychoeducation on depression and sleep", "< open to weekly CBT", "! denies SI/HI/SH", "! no firearms at home",
    "phq9 2 2 2 2 1 2 2 1 0", "gad7 11", "hw sleep diary", "? ask about alcohol", "~ reminds me of my father",
]
DISCHARGE = [
    '" I feel like myself again', "o bright affect, good eye contact", "< using the relapse plan on his own",
    "> reviewed relapse prevention plan", "phq9 4", "gad7 5", "! denies SI/HI/SH", "g1 + sleeping 7 hours most nights",
    "g2 + no panic attacks in 6 weeks", "hw keep the plan on the fridge", "? refer to group if relapse",
]


async def one_template(root: Path, template: str, lines: list[str],
                       free_text: dict[str, str]) -> tuple[int, list[str]]:
    """An intake or a discharge write-up: the Session step's template picker chosen by key."""
    from tui.app import make_app
    from tui.screens.writeup import WriteupScreen

    config, keystore, ids = profile(root, [("AB12", "Alex", ["Sleep 7 hours", "Fewer panic attacks"])])
    session_id = with_session(config, keystore, "AB12", lines, end=True)
    app = make_app(config, keystore=keystore)
    keys: list[str] = []
    FREE_TEXT.update(free_text)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if app.workspace is not None and hasattr(app.screen, "open_writeup"):
                break
        app.screen.open_writeup(session_id)
        for _ in range(400):
            await pilot.pause()
            if isinstance(app.screen, WriteupScreen) and app.screen.panes:
                break
        keys.append("(open the write-up: Enter on the chart's row)")
        await choose_template(pilot, app.screen, template, keys)
        await drive(pilot, app.screen, keys)
    return counted(keys) + 1, keys  # + the Enter that opened it


async def individual(root: Path) -> tuple[int, list[str]]:
    from tui.screens.scratchpad import ScratchpadScreen
    from tui.screens.writeup import WriteupScreen

    config, keystore, _ = profile(root, [("AB12", "Alex", ["Sleep 7 hours", "Fewer panic attacks"])])
    from tui.app import make_app

    with_session(config, keystore, "AB12", THIRTY)
    app = make_app(config, keystore=keystore, jot_code="AB12")
    keys: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            await pilot.pause()
            if isinstance(app.screen, ScratchpadScreen) and app.screen.query_one("#jottings").text.count("\n") >= 29:
                break
        for name in ("ctrl+o", "ctrl+o"):
            await pilot.press(name)
            keys.append(name)
        for _ in range(400):
            await pilot.pause()
            if isinstance(app.screen, WriteupScreen) and app.screen.panes:
                break
        await drive(pilot, app.screen, keys)
    return counted(keys), keys


async def group(root: Path) -> list[tuple[str, int, list[str]]]:
    from tui.app import make_app
    from tui.screens.writeup import WriteupScreen

    config, keystore, ids = profile(root, MEMBERS)
    session_id = with_group(config, keystore, list(ids.values()), GROUP)
    app = make_app(config, keystore=keystore)
    out = []
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            await pilot.pause()
            if app.workspace is not None and hasattr(app.screen, "open_writeup"):
                break
        app.screen.open_writeup(session_id)
        previous = None
        for _ in MEMBERS:
            keys: list[str] = []
            if previous is not None:
                await pilot.press("ctrl+n")  # from the signed note to the next member's
                keys.append("ctrl+n")
            for _ in range(400):
                await pilot.pause()
                if isinstance(app.screen, WriteupScreen) and app.screen is not previous and app.screen.panes:
                    break
            screen = app.screen
            await drive(pilot, screen, keys)
            out.append((screen.writeup.client_label, counted(keys), keys))
            previous = screen
    return out


def profile(root: Path, clients):  # noqa: ANN001, ANN201
    from tui.config import Config
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.storage.keyring_access import MemoryKeyring

    config = Config(profile_dir=root / "p", config_path=root / "p" / "config.toml", clinician_name="Bench",
                    credentials="LCSW")
    keystore = MemoryKeyring()
    opened, _ = access.initialise(config, keystore, None)
    ws = Workspace(opened, config)
    ids = {code: ws.add_client(code, name, "", goals) for code, name, goals in clients}
    ws.close()
    return config, keystore, ids


def _ws(config, keystore):  # noqa: ANN001, ANN202
    from tui.services import access
    from tui.services.workspace import Workspace

    return Workspace(access.unlock(config, keystore=keystore), config)


def with_session(config, keystore, code: str, lines: list[str], *, end: bool = False) -> int:  # noqa: ANN001
    from tui.storage.vault import JottingLine

    ws = _ws(config, keystore)
    try:
        s = ws.start_session(ws.client_by_code(code)["id"])
        ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(lines)])
        if end:
            ws.end_session(s)
        return s.id
    finally:
        ws.close()


def with_group(config, keystore, ids: list[int], lines: list[str]) -> int:  # noqa: ANN001
    from tui.storage.vault import JottingLine

    ws = _ws(config, keystore)
    try:
        s = ws.start_group_session(ids)
        ws.save_jottings(s, [JottingLine(i, t) for i, t in enumerate(lines)])
        ws.end_session(s)
        return s.id
    finally:
        ws.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        count, keys = asyncio.run(individual(Path(a)))
        members = asyncio.run(group(Path(b)))
    with tempfile.TemporaryDirectory() as c, tempfile.TemporaryDirectory() as d:
        intake = asyncio.run(one_template(Path(c), "intake", INTAKE, {
            "history": "No prior treatment. Two drinks most nights. Father had depression."}))
        discharge = asyncio.run(one_template(Path(d), "discharge", DISCHARGE, {
            "reason": "Goals met; agreed together to end."}))
    print(machine_line())
    print(f"individual SOAP, 30 jottings: {count} keys (goal <= {GOAL_INDIVIDUAL}: "
          f"{'met' if count <= GOAL_INDIVIDUAL else 'NOT met'})\n  {' '.join(keys)}")
    for i, (code, n, keys) in enumerate(members):
        goal = "" if i == 0 else (f" (goal <= {GOAL_PER_EXTRA_MEMBER}: "
                                  f"{'met' if n <= GOAL_PER_EXTRA_MEMBER else 'NOT met'})")
        print(f"group member {i + 1} ({code}{', with the shared part' if i == 0 else ''}): {n} keys{goal}\n"
              f"  {' '.join(keys)}")
    for name, (n, keys) in (("intake", intake), ("discharge summary", discharge)):
        print(f"{name} (template chosen on the Session step): {n} keys\n  {' '.join(keys)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
