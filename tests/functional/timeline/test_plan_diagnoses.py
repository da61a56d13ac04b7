"""Diagnoses on the treatment plan in the TUI (issue 13 item 1): d opens a search over the real
ICD-10-CM code set that loads in a worker ("loading the ICD-10-CM code set…", keys still
answered), Enter chooses, primary and onset (checked), the plan shows code, title, primary and
onset; m makes another primary, r removes one (kept as history). Footers fit 100 columns."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Checkbox, DataTable, Input, OptionList, Static

from tui.domain import diagnoses as icd
from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.diagnosis_picker import LOADING, DiagnosisChooser, DiagnosisPicker
from tui.screens.treatment_plan import TreatmentPlanScreen
from tui.widgets.key_footer import KeyFooter

from ..helpers import Client, screen_text, settle, wait_for_paint, wait_for_screen, wait_until

NARROW = (100, 30)
MDD = "F33.1 Major depressive disorder, recurrent, moderate"


def footer_fits(app, *labels: str) -> None:
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(KeyFooter)
    keys = [f"{k.key_display} {k.description}".strip() for k in footer.query(FooterKey)]
    drawn = screen_text(app).splitlines()[footer.region.y][footer.region.x:footer.region.right]
    for label in labels:
        assert label in keys, (label, keys)
    for label in keys:
        assert label in drawn, (label, drawn)


def plan_diagnoses(app) -> str:
    return str(app.screen.query_one("#plan-diagnoses", Static).render())


async def pick(pilot, query: str, *, onset: str = "", primary: bool | None = None) -> DiagnosisPicker:
    picker = await wait_for_screen(pilot, DiagnosisPicker)
    await pilot.press(*query)
    await wait_until(pilot, lambda: picker.entries and picker.query_one("#dx-query", Input).value == query
                     and picker.searches, "the search results")
    await wait_until(pilot, lambda: str(picker.query_one(OptionList).get_option_at_index(0).prompt).startswith(
        query.upper()), "the results of this query")
    await pilot.press("enter", "enter")  # to the results; choose the first
    await wait_until(pilot, lambda: picker.chosen is not None, "a chosen code")
    if primary is not None:
        picker.query_one("#dx-primary", Checkbox).value = primary
    if onset:
        await pilot.press(*onset)
    return picker


@pytest.fixture
def one_client(made_profile):
    return made_profile([Client("DX-07", "Robin Example", "1984-03-07", ["Sleep 7 hours"])])


async def test_add_mark_primary_and_remove(one_client, monkeypatch):
    monkeypatch.setattr(icd, "_CODE_SET", None)  # this process loads the code set afresh, as the app does
    # The real load, held until the test has seen the dialog answer keys meanwhile (it takes
    # ~4 s from cold, less when the package is already imported: not a timing to rely on).
    gate = threading.Event()
    real = icd.CodeSet.from_package.__func__

    def held(cls):
        built = real(cls)
        assert gate.wait(30)
        return built

    monkeypatch.setattr(icd.CodeSet, "from_package", classmethod(held))
    app = one_client.app()
    async with app.run_test(size=NARROW) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 1, "the client row")
        await pilot.press("t")
        chart = await wait_for_screen(pilot, ChartScreen)
        await wait_until(pilot, lambda: chart.chart is not None, "the chart to load")
        await pilot.press("p")
        plan = await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: "none yet. Press d to add one." in plan_diagnoses(app), "the empty list")
        footer_fits(app, "d Add diagnosis", "g Add goal", "esc Back")

        await pilot.press("d")
        while not isinstance(app.screen, DiagnosisPicker):  # not wait_for_screen: it waits for workers
            await pilot.pause(0.02)
        picker = app.screen
        await pilot.pause(0.05)
        status = picker.query_one("#dx-status", Static)
        assert str(status.render()) == LOADING and not icd.is_loaded()
        await pilot.press(*"F33.1")  # typed while the code set loads: the keys are answered at once
        assert picker.query_one("#dx-query", Input).value == "F33.1"
        assert not icd.is_loaded() and str(status.render()) == LOADING
        await wait_for_paint(pilot, 3.0, strict=False)
        footer_fits(app, "^s Add diagnosis", "esc Cancel")
        assert not icd.is_loaded() and str(status.render()) == LOADING
        gate.set()
        await wait_until(pilot, lambda: picker.entries, "the first results", timeout=60)
        assert picker.entries[0].code == "F33.1" and "billable code" in str(status.render())
        assert all(e.billable for e in picker.entries)
        await pilot.press("ctrl+s")  # nothing chosen yet: said, still open
        assert app.screen is picker and "Choose a code first" in str(status.render())
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: picker.chosen is not None, "F33.1 chosen")
        assert picker.query_one("#dx-primary", Checkbox).value  # the first diagnosis: primary by default
        await pilot.press(*"2999-01", "enter")
        await settle(pilot)
        assert app.screen is picker and "in the future" in str(status.render())
        picker.query_one("#dx-onset", Input).value = "2025-11"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: f"{MDD} (primary, onset 2025-11)" in plan_diagnoses(app), "F33.1 on the plan")

        await pilot.press("d")
        picker = await pick(pilot, "F41.1")
        assert not picker.query_one("#dx-primary", Checkbox).value  # there is a primary already
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: "F41.1 Generalized anxiety disorder" in plan_diagnoses(app), "F41.1 added")
        text = plan_diagnoses(app)
        assert text.index(MDD) < text.index("F41.1") and "F41.1 Generalized anxiety disorder (" not in text

        await pilot.press("d")  # the same code twice: refused, the plan unchanged
        await pick(pilot, "F41.1")
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await settle(pilot)
        assert plan_diagnoses(app).count("F41.1") == 1

        await pilot.press("m")
        chooser = await wait_for_screen(pilot, DiagnosisChooser)
        footer_fits(app, "esc Cancel")
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: "F41.1 Generalized anxiety disorder (primary)" in plan_diagnoses(app),
                         "F41.1 primary")
        assert f"{MDD} (onset 2025-11)" in plan_diagnoses(app)
        assert chooser is not app.screen

        await pilot.press("r")
        await wait_for_screen(pilot, DiagnosisChooser)
        await pilot.press("enter")  # the first: F41.1, primary
        await wait_for_screen(pilot, TreatmentPlanScreen)
        await wait_until(pilot, lambda: "F41.1" not in plan_diagnoses(app), "F41.1 removed")
        assert f"{MDD} (onset 2025-11)" in plan_diagnoses(app)

    workspace = one_client.open()
    try:
        client = one_client.client_ids["DX-07"]
        history = workspace.record.diagnoses(client, current_only=False)
        assert [(r["code"], bool(r["removed_at"])) for r in history] == [("F33.1", False), ("F41.1", True)]
        actions = [(r["action"], r["detail"]) for r in workspace.record.audit_entries() if "diagnosis" in r["action"]]
        assert actions[::-1] == [("diagnosis added", "F33.1 primary"), ("diagnosis added", "F41.1"),
                                 ("diagnosis set primary", "F41.1"), ("diagnosis removed", "F41.1")]
    finally:
        workspace.close()
