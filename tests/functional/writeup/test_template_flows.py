"""One keyboard flow per template, from the opened write-up to a signed note."""

from __future__ import annotations

import pytest


from .conftest import SIZE, Keys, acknowledge_and_sign, build, drive_to_review, open_writeup, sections_of

JOTTINGS = [
    '" I keep waking at 4am',
    "o tired, flat affect, good eye contact",
    "> CR on catastrophizing about work",
    "< able to reframe one thought",
    "* avoidance keeps the worry going",
    "! denies SI/HI/SH",
    "hw sleep diary three nights",
    "? ask about sister",
    "g1 + 2 nights of 7 hrs",
    "phq9 11",
    "~ I felt protective of her today",
]

CUSTOM = {
    "followup": {
        "name": "Follow-up",
        "sections": [
            {"title": "Presenting concerns", "prompt": "What brought them in today", "required": True,
             "feeds": ["quote", "observation"]},
            {"title": "Work done", "required": True, "feeds": ["intervention", "response"]},
            {"title": "Next steps", "key": "next_steps", "feeds": ["homework", "question"]},
        ],
    }
}

EXPECTED = {
    # template key -> {section key: fragments carried in by f4}
    "soap": {"subjective": ['"I keep waking at 4am"'], "objective": ["tired, flat affect"],
             "assessment": ["able to reframe", "avoidance keeps the worry going"]},
    "dap": {"data": ['"I keep waking at 4am"', "tired, flat affect"],
            "assessment": ["able to reframe", "avoidance keeps"]},
    "birp": {"behavior": ['"I keep waking at 4am"', "tired"],
             "intervention": ["cognitive restructuring on catastrophizing about work"],
             "response": ["able to reframe"]},
    "girp": {"goals": ["2 nights of 7 hrs"], "intervention": ["cognitive restructuring on catastrophizing"],
             "response": ["able to reframe", '"I keep waking at 4am"', "tired"]},
    "narrative": {"narrative": ['"I keep waking at 4am"', "tired", "cognitive restructuring", "able to reframe",
                                "avoidance keeps"]},
    "followup": {"presenting_concerns": ['"I keep waking at 4am"', "tired"],
                 "work_done": ["cognitive restructuring", "able to reframe"]},
    # Issue 13 item 4: the intake and the discharge summary are templates like the others.
    "intake": {"presenting_problem": ['"I keep waking at 4am"'], "history": ["No prior treatment"],
               "observations": ["tired, flat affect"],
               "assessment": ["able to reframe", "avoidance keeps the worry going"],
               "plan": ["cognitive restructuring on catastrophizing"]},
    "discharge": {"reason": ['"I keep waking at 4am"'],
                  "course": ["tired", "cognitive restructuring", "able to reframe", "avoidance keeps"]},
}
TITLES = {"intake": "INTAKE ASSESSMENT", "discharge": "DISCHARGE SUMMARY"}
# Typed where no jotting feeds a required section (the intake's History).
FILL = {"intake": {"history": "No prior treatment; no substance use."}}


@pytest.mark.parametrize("key", list(EXPECTED))
async def test_flow_per_template(root, key):
    made = build(root, [("AB12", "Alex", ["Sleep 7 hours"])], [("AB12", JOTTINGS)],
                 default_template=key, templates=CUSTOM if key == "followup" else {})
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_writeup(pilot, made.sessions[0])
        assert screen.writeup.template.key == key
        # Issue 11: every template section is on a step of its own name, in order, within 7 steps.
        assert len(screen.panes) <= 7
        on_steps = [section.spec.title for p in screen.panes for section in sections_of(p)]
        assert on_steps == [s.title for s in screen.writeup.template.sections]
        titles = [p.title for p in screen.panes]
        assert len(set(titles)) == len(titles)
        keys = Keys(pilot)
        await keys("ctrl+n")
        await drive_to_review(keys, screen, fill=FILL.get(key))
        await acknowledge_and_sign(keys, screen)
        assert screen.signed is not None, screen.service.lint(screen.writeup)
        text = screen.signed.text
        assert TITLES.get(key, f"PROGRESS NOTE ({screen.writeup.template.name.upper()})") in text.upper()
        assert "I felt protective" not in text
        assert "Denies SI, HI and self-harm." in text
        # Homework and the question for next time are stated once, in the plan fields
        # (issue 11: a SOAP note repeated them in two sections).
        assert text.count("sleep diary three nights") == 1 and "Homework: sleep diary three nights" in text
        assert text.count("ask about sister") == 1 and "Next focus: ask about sister" in text
    ws = made.open()
    try:
        note = ws.record.note_for_session(made.sessions[0])
        assert note["status"] == "signed" and note["template"] == key
        assert note["canonical_text"] == text
        bodies = {r["key"]: r["body"] for r in ws.record.query(
            "SELECT key, body FROM note_sections WHERE note_id = ?", (note["id"],))}
        for section, fragments in EXPECTED[key].items():
            for fragment in fragments:
                assert fragment in bodies[section], (section, fragment, bodies[section])
    finally:
        ws.close()
