"""The treatment plan: ICD-10-CM diagnoses, problems, goals, objectives and interventions, with
each goal's progress history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..widgets.key_footer import KeyFooter
from ._base import HushpadScreen
from ..widgets.row_list import RowList

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace

GOAL_STATUSES = ("active", "met", "discontinued")
PLAN_RECENT_NOTES = 300  # goal history from the newest notes; each goal shows its last 30 entries
HISTORY_STYLE = {"improved": "#7f9474", "stable": "", "deteriorated": "#b07a70"}


def goal_row(goal: dict[str, Any]) -> Text:
    text = Text(f"Goal {goal['ordinal']:<3}", style="bold" if goal["status"] == "active" else "dim")
    text.append(f"{goal['status']:<13}", style="" if goal["status"] == "active" else "dim")
    text.append(goal["description"])
    return text


def diagnoses_text(rows: list[dict[str, Any]]) -> Text:
    """The plan's diagnoses, primary first: "F33.1 Major … (primary, onset 2025-11)"."""
    from ..services.diagnoses import plan_label

    text = Text("Diagnoses (ICD-10-CM)\n", style="bold")
    if not rows:
        text.append("  none yet. Press d to add one.", style="dim")
    for index, row in enumerate(rows):
        text.append(("\n" if index else "") + "  " + plan_label(row), style="bold" if row["is_primary"] else "")
    return text


def goal_detail(goal: dict[str, Any] | None, problems: list[dict[str, Any]]) -> Text:
    text = Text()
    if problems:
        text.append("Problems\n", style="bold")
        for problem in problems:
            text.append(f"  • {problem['description']} ({problem['status']})\n")
        text.append("\n")
    if goal is None:
        text.append("No goals yet. Press g to add one.", style="dim")
        return text
    text.append(f"Goal {goal['ordinal']}: ", style="bold")
    text.append(goal["description"] + "\n")
    text.append("Objectives\n", style="bold")
    text.append("".join(f"  • {o['description']}\n" for o in goal["objectives"]) or "  —\n")
    text.append("Interventions\n", style="bold")
    text.append("".join(f"  • {i['description']}\n" for i in goal["interventions"]) or "  —\n")
    text.append("Progress from signed notes\n", style="bold")
    if not goal["history"]:
        text.append("  none recorded yet\n", style="dim")
    for day, status, evidence in goal["history"][-30:]:
        text.append(f"  {day}  ")
        text.append(f"{status:<13}", style=HISTORY_STYLE.get(status, ""))
        text.append(f"{evidence}\n")
    return text


class TreatmentPlanScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "add_goal", "Add goal", id="plan.add_goal"),
        Binding("e", "edit_goal", "Edit goal", id="plan.edit_goal"),
        Binding("o", "add_objective", "Add objective", id="plan.add_objective", show=False),
        Binding("i", "add_intervention", "Add intervention", id="plan.add_intervention", show=False),
        Binding("p", "add_problem", "Add problem", id="plan.add_problem", show=False),
        Binding("s", "cycle_status", "Goal status", id="plan.status"),
        Binding("d", "add_diagnosis", "Add diagnosis", id="plan.add_diagnosis"),
        Binding("r", "remove_diagnosis", "Remove diagnosis", id="plan.remove_diagnosis", show=False),
        Binding("m", "primary_diagnosis", "Make diagnosis primary", id="plan.primary_diagnosis", show=False),
        Binding("escape", "back", "Back", id="plan.back"),
    ]

    def __init__(self, client_id: int) -> None:
        super().__init__()
        self.client_id = client_id
        self.plan: dict[str, Any] = {"problems": [], "goals": [], "diagnoses": []}

    def compose(self) -> ComposeResult:
        yield Static("Treatment plan", classes="screen-title", markup=False)
        yield Static("", id="plan-diagnoses", markup=False)
        yield RowList(goal_row, empty="No goals yet. Press g to add one.", id="plan-goals", classes="plan-goals")
        with VerticalScroll(id="plan-detail-scroll"):
            yield Static("", id="plan-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.load()

    def load(self) -> None:
        client_id = self.client_id

        def plan(workspace: "Workspace") -> dict[str, Any]:
            from ..services.chart import ClientChart

            from ..services.diagnoses import current

            plan = ClientChart(workspace).treatment_plan(client_id, recent_notes=PLAN_RECENT_NOTES)
            return {**plan, "diagnoses": current(workspace.record, client_id)}

        self.run_use_case(plan, self._loaded, group="plan-load")

    def show_status(self, text: str) -> None:
        self.query_one("#plan-detail", Static).update(Text(text))

    def _loaded(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.query_one("#plan-diagnoses", Static).update(diagnoses_text(plan.get("diagnoses", [])))
        self.query_one(RowList).set_rows(self.plan["goals"], keep_cursor=True)
        self._detail()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        self._detail()

    def _goal(self) -> dict[str, Any] | None:
        return self.query_one(RowList).current

    def _detail(self) -> None:
        self.query_one("#plan-detail", Static).update(goal_detail(self._goal(), self.plan["problems"]))

    def _edit(self, change: Callable[[Any], None]) -> None:
        self._apply(change)

    def _apply(self, change: Callable[[Any], None]) -> None:
        self.run_use_case(lambda workspace: change(workspace.record), lambda _: self.load(), group="plan-edit")

    def _ask(self, title: str, then: Callable[[Any, str], None], value: str = "") -> None:
        from ..services.workspace import GOAL_LIMIT, clean_text
        from .text_prompt import TextPrompt

        def done(text: str | None) -> None:
            if text:
                cleaned = clean_text(text, GOAL_LIMIT, "text")
                self._edit(lambda record: then(record, cleaned))

        self.app.push_screen(TextPrompt(title, value, GOAL_LIMIT), done)

    def action_add_goal(self) -> None:
        self._ask("New goal", lambda record, text: record.add_goal(self.client_id, text))

    def action_edit_goal(self) -> None:
        goal = self._goal()
        if goal is not None:
            self._ask(f"Goal {goal['ordinal']}", lambda record, text: record.set_goal_text(goal["id"], text),
                      goal["description"])

    def action_add_objective(self) -> None:
        goal = self._goal()
        if goal is not None:
            self._ask(f"Objective for goal {goal['ordinal']}", lambda record, text: record.add_objective(goal["id"], text))

    def action_add_intervention(self) -> None:
        goal = self._goal()
        if goal is not None:
            self._ask(f"Intervention for goal {goal['ordinal']}",
                      lambda record, text: record.add_plan_intervention(goal["id"], text))

    def action_add_problem(self) -> None:
        self._ask("Problem", lambda record, text: record.add_problem(self.client_id, text))

    def action_cycle_status(self) -> None:
        goal = self._goal()
        if goal is not None:
            status = GOAL_STATUSES[(GOAL_STATUSES.index(goal["status"]) + 1) % len(GOAL_STATUSES)]
            self._edit(lambda record: record.set_goal_status(goal["id"], status))

    def action_back(self) -> None:
        self.dismiss(None)

    # -- diagnoses (ICD-10-CM) ----------------------------------------------------------
    def action_add_diagnosis(self) -> None:
        from .diagnosis_picker import DiagnosisPicker, PickedDiagnosis

        client_id = self.client_id
        has_primary = any(r["is_primary"] for r in self.plan.get("diagnoses", []))

        def done(picked: PickedDiagnosis | None) -> None:
            if picked is None:
                return

            def add(workspace: "Workspace") -> None:
                from ..services.diagnoses import Diagnoses

                Diagnoses(workspace).add(client_id, picked.code, primary=picked.primary, onset=picked.onset)

            self.run_use_case(add, lambda _: self._changed(f"Added {picked.code}."), self._problem, group="plan-edit")

        self.app.push_screen(DiagnosisPicker(primary=not has_primary), done)

    def _choose_diagnosis(self, title: str, then: Callable[["Workspace", int], None], said: str) -> None:
        from .diagnosis_picker import DiagnosisChooser

        rows = self.plan.get("diagnoses", [])
        if not rows:
            self.show_status("No diagnosis on the plan yet. Press d to add one.")
            return

        def done(chosen: int | None) -> None:
            if chosen is not None:
                code = next((r["code"] for r in rows if r["id"] == chosen), "")
                self.run_use_case(lambda workspace: then(workspace, chosen),
                                  lambda _: self._changed(f"{code} {said}."), self._problem, group="plan-edit")

        self.app.push_screen(DiagnosisChooser(title, rows), done)

    def action_remove_diagnosis(self) -> None:
        from ..services.diagnoses import Diagnoses

        self._choose_diagnosis("Remove which diagnosis? (it stays in the plan's history)",
                               lambda workspace, dx: Diagnoses(workspace).remove(dx), "removed from the plan")

    def action_primary_diagnosis(self) -> None:
        from ..services.diagnoses import Diagnoses

        self._choose_diagnosis("Make which diagnosis primary?",
                               lambda workspace, dx: Diagnoses(workspace).set_primary(dx), "is now primary")

    def _changed(self, said: str) -> None:
        self.load()
        self.notify(said, timeout=3)

    def _problem(self, text: str) -> None:
        self.notify(text, severity="warning", timeout=6)
