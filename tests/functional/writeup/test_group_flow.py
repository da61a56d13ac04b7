"""A full group flow: mark three clients, start the group, jot (lines about one member start
with @CODE), end, write the group part once and each member's part (4 steps each), ctrl+n from
one signed member note to the next."""

from __future__ import annotations

from textual.widgets import DataTable, TextArea

from tui.screens.clients import ClientsScreen
from tui.screens.scratchpad import ScratchpadScreen
from tui.screens.writeup import WriteupScreen

from ..helpers import settle, wait_for_screen, wait_until
from .conftest import (
    SIZE, Keys, acknowledge_and_sign, build, drive_to_review, errors_text, header, review_text, sections_of,
    wait_ready,
)

MEMBERS = [("GA-01", "Sam Able", ["Use grounding when anxious"]), ("GB-02", "Lee Baker", ["Speak up in group"]),
           ("GC-03", "Ari Cole", ["Sleep 7 hours"])]
GROUP_JOTTINGS = [
    "* coping with the holidays",
    "> PE on grounding",
    *[f"@{code} o engaged and shared an example" for code, _, _ in MEMBERS],
    *[f"@{code} < receptive to feedback" for code, _, _ in MEMBERS],
    "hw practise grounding daily",
    *[f"@{code} g1 + used grounding twice" for code, _, _ in MEMBERS],
    "! denies SI/HI/SH",
]
MEMBER_PLAN = "Continue weekly group."
DYNAMICS = "Supportive; members took turns."


async def test_group_flow(root):
    made = build(root, MEMBERS)
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 3, "three clients listed")
        keys = Keys(pilot)
        await keys("space", "down", "space", "down", "space", "g")
        pad = await wait_for_screen(pilot, ScratchpadScreen)
        assert pad.session.group_session_id
        # The jottings arrive as a terminal paste (bracketed paste), like typed text.
        from textual import events
        pad.query_one("#jottings").post_message(events.Paste("\n".join(GROUP_JOTTINGS)))
        await wait_until(pilot, lambda: pad.query_one("#jottings").text.count("\n") >= len(GROUP_JOTTINGS) - 1,
                         "the jottings in the scratchpad")
        await keys("ctrl+o", "ctrl+o")
        signed_texts: dict[str, str] = {}

        # -- first member: the group part is written here, once --------------------------------
        screen = await wait_ready(pilot)
        assert screen.writeup.template.key == "group"
        first = screen.writeup.client_label
        # Issue 11: the shared part once, then 4 steps; no "Group: Group topic".
        assert [p.title for p in screen.panes] == ["Session (whole group)", "Group part (names no one)",
                                                   "In the group", "Progress and plan", "Measures and risk",
                                                   "Review and sign"]
        assert [s.spec.title for s in sections_of(screen.panes[1])] == [
            "Group topic", "Group interventions", "Group dynamics"]
        await keys("ctrl+n")
        await drive_to_review(keys, screen, fill={"dynamics": DYNAMICS, "plan": MEMBER_PLAN})
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        signed_texts[first] = screen.signed.text

        # -- second member: ctrl+n after signing opens the next member ---------------------------
        await keys("ctrl+n")
        await wait_until(pilot, lambda: app.screen is not screen and isinstance(app.screen, WriteupScreen),
                         "the next member's write-up")
        screen = await wait_ready(pilot)
        second = screen.writeup.client_label
        assert second != first
        assert len(screen.panes) == 4  # the shared part was settled with the first signed note
        assert screen.writeup.draft.facts.duration_min == screen.writeup.session["duration_min"]
        # The group part is already there (copied, not retyped).
        assert screen.writeup.draft.group_part["dynamics"] == DYNAMICS
        assert "coping with the holidays" in screen.writeup.draft.group_part["topic"]
        # Naming another member in an individualized section is an error that blocks signing.
        await drive_to_review(keys, screen, fill={"response": f" Encouraged {first} to go first.",
                                                  "plan": MEMBER_PLAN})
        assert f"names another group member ({first})" in errors_text(screen)
        await keys("ctrl+s")
        await settle(pilot)
        assert screen.signed is None
        assert f"names another group member ({first})" in header(screen)
        # Go back to that section (ctrl+g, the step list, Enter) and take the name out.
        titles = [p.title for p in screen.panes]
        target = next(i for i, p in enumerate(screen.panes)
                      if any(s.spec.key == "response" for s in sections_of(p)))
        await keys("ctrl+g")
        await keys(*["up"] * (len(titles) - 1 - target), "enter")
        await settle(pilot)
        assert screen.step == target
        response = next(s for s in sections_of(screen.panes[target]) if s.spec.key == "response")
        editor = response.query_one("#section-text", TextArea)
        typed = f" Encouraged {first} to go first."
        assert editor.text.endswith(typed)
        end = editor.document.end
        editor.delete((end[0], end[1] - len(typed)), end)  # an edit, as the keyboard would make it
        await wait_until(pilot, lambda: first not in screen.writeup.draft.sections["response"], "the name removed")
        await keys("ctrl+g")
        await keys("end", "enter")
        await settle(pilot)
        assert errors_text(screen) == ""
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None
        signed_texts[second] = screen.signed.text

        # -- third member ----------------------------------------------------------------------
        await keys("ctrl+n")
        await wait_until(pilot, lambda: app.screen is not screen and isinstance(app.screen, WriteupScreen),
                         "the third member's write-up")
        screen = await wait_ready(pilot)
        third = screen.writeup.client_label
        await drive_to_review(keys, screen, fill={"plan": MEMBER_PLAN})
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None
        signed_texts[third] = screen.signed.text
        assert screen.next_member_session is None  # everyone is done
        assert "ctrl+o copies" in review_text(screen) or "Signed and locked" in str(
            screen.panes[-1].query_one("#review-status").render())

    assert sorted(signed_texts) == [code for code, _, _ in MEMBERS]
    for code, text in signed_texts.items():
        assert f"Client: {code}" in text
        assert "GROUP PART" in text and "INDIVIDUALIZED PART" in text
        assert DYNAMICS in text and "coping with the holidays" in text and "psychoeducation on grounding" in text
        assert "CPT: 90853" in text
        others = [c for c in signed_texts if c != code]
        for other in others:
            assert other not in text
        for _, name, _ in MEMBERS:
            assert name not in text
    ws = made.open()
    try:
        notes = ws.record.query("SELECT status FROM progress_notes")
        assert [n["status"] for n in notes] == ["signed"] * 3
    finally:
        ws.close()
