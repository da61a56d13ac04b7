"""The treatment plan: ICD-10-CM diagnoses, problems, goals with their numbered objectives
(target dates) and planned interventions, each goal's and objective's progress from the signed
notes, the plan's review date, and its signed versions (issue 13 item 2).

The list shows every goal with its objectives under it ("Goal 1 …", "  1.1 …"); the keys act
on the row under the cursor. Edits save at once; S signs what the plan states then as its next
version, and the line under the title says which version is in force and whether it has
changes not signed yet."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from ..domain.visible import make_visible
from ..widgets.key_footer import KeyFooter
from ..widgets.row_list import RowList
from ._base import HushpadScreen
from .text_prompt import TextPrompt

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace

GOAL_STATUSES = ("active", "met", "discontinued")
PLAN_RECENT_NOTES = 300  # history from the newest notes; each goal or objective shows its last 30 entries
HISTORY_STYLE = {"improved": "#7f9474", "stable": "", "deteriorated": "#b07a70", "met": "#7f9474"}
ATTENTION = "bold #b58a70"
_DAY_PARTS = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})(\d{2})(\d{2})")


def v(text: Any) -> str:
    """Typed text as shown: control and bidi characters visible, never obeyed (one line)."""
    return make_visible(str(text or ""), keep="")


def parse_plan_day(text: str) -> str:
    """A plan date typed leniently: "2027-01-31", "2027-1-31", "2027/01/31" or "20270131";
    "" when blank. Anything else raises ValueError with the message to show."""
    raw = text.strip()
    if not raw:
        return ""
    found = _DAY_PARTS.fullmatch(raw)
    try:
        if found is None:
            raise ValueError
        year, month, day_ = (int(part) for part in (found.groups()[:3] if found.group(1) else found.groups()[3:]))
        if not 1900 <= year <= 2199:
            raise ValueError
        return date(year, month, day_).isoformat()
    except ValueError:
        raise ValueError(f"{raw[:20]!r} is not a date: type YYYY-MM-DD, e.g. 2027-01-31.") from None


class DatePrompt(TextPrompt):
    """Ask for a date (YYYY-MM-DD): a date that is not one is refused here, with the reason, and
    the prompt stays open. Returns the ISO date, "" when left blank (if ``blank`` says what
    that means), or None when cancelled."""

    def __init__(self, title: str, value: str = "", *, blank: str = "") -> None:
        super().__init__(title, value, 20)
        self.blank = blank

    def on_mount(self) -> None:  # TextPrompt's on_mount (the focus) runs too: Textual calls each class's
        self._hint(self._usual())

    def _usual(self) -> str:
        return "YYYY-MM-DD" + (f"; blank: {self.blank}" if self.blank else "") + ". Enter saves, Esc cancels."

    def _hint(self, text: str, *, problem: bool = False) -> None:
        self.query_one(".hint", Static).update(Text(text, style=ATTENTION if problem else ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # not TextPrompt's handler: this one checks the date first
        try:
            day_ = parse_plan_day(event.value)
        except ValueError as exc:
            self._hint(str(exc), problem=True)
            return
        if not day_ and not self.blank:
            self._hint("Type a date: YYYY-MM-DD, e.g. 2027-01-31. Esc cancels.", problem=True)
            return
        self.dismiss(day_)


@dataclass(frozen=True)
class PlanRow:
    """One line of the plan list: a goal, or one of its objectives."""

    goal: dict[str, Any]
    objective: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, int]:
        return ("objective", self.objective["id"]) if self.objective is not None else ("goal", self.goal["id"])

    @property
    def number(self) -> str:
        if self.objective is None:
            return str(self.goal["ordinal"])
        return f"{self.goal['ordinal']}.{self.objective.get('ordinal') or '?'}"


def plan_rows(goals: list[dict[str, Any]]) -> list[PlanRow]:
    rows = []
    for goal in goals:
        rows.append(PlanRow(goal))
        rows.extend(PlanRow(goal, objective) for objective in goal.get("objectives") or [])
    return rows


def plan_row(row: PlanRow) -> Text:
    """"Goal 1  active       Reduce …" or "  1.1   active       target 2027-01-31  Complete …"."""
    item = row.objective if row.objective is not None else row.goal
    status = str(item.get("status") or "active")
    active = status == "active"
    if row.objective is None:
        text = Text(f"Goal {row.goal['ordinal']:<3}", style="bold" if active else "dim")
    else:
        text = Text(f"  {row.number:<6}", style="" if active else "dim")
    text.append(f"{status:<13}", style="" if active else "dim")
    if row.objective is not None and row.objective.get("target_date"):
        text.append(f"target {row.objective['target_date']}  ", style="" if active else "dim")
    text.append(v(item["description"]), style="" if active else "dim")
    return text


def diagnoses_text(rows: list[dict[str, Any]]) -> Text:
    """The plan's diagnoses, primary first: "F33.1 Major … (primary, onset 2025-11)"."""
    from ..services.diagnoses import plan_label

    text = Text("Diagnoses (ICD-10-CM)\n", style="bold")
    if not rows:
        text.append("  none yet. Press d to add one.", style="dim")
    for index, row in enumerate(rows):
        text.append(("\n" if index else "") + "  " + v(plan_label(row)), style="bold" if row["is_primary"] else "")
    return text


def status_text(label: str) -> Text:
    """PlanStatus.label, what needs doing standing out (changes not signed, a review overdue)."""
    text = Text()
    for index, part in enumerate(label.split(" · ")):
        if index:
            text.append(" · ", style="dim")
        needs = "not signed" in part or "overdue" in part or part == "no review date"
        text.append(part, style=ATTENTION if needs else "")
    return text


def _bullets(text: Text, items: list[Any], empty: str = "  —\n") -> None:
    if not items:
        text.append(empty, style="dim")
    for item in items:
        text.append(f"  • {v(item['description'] if isinstance(item, dict) else item)}\n")


def goal_detail(goal: dict[str, Any] | None, problems: list[dict[str, Any]]) -> Text:
    text = Text()
    if problems:
        text.append("Problems\n", style="bold")
        for problem in problems:
            text.append(f"  • {v(problem['description'])} ({problem['status']})\n")
        text.append("\n")
    if goal is None:
        text.append("No goals yet. Press g to add one.", style="dim")
        return text
    text.append(f"Goal {goal['ordinal']} ({goal['status']}): ", style="bold")
    text.append(v(goal["description"]) + "\n")
    text.append("Objectives\n", style="bold")
    for objective in goal.get("objectives") or []:
        target = f", target {objective['target_date']}" if objective.get("target_date") else ""
        text.append(f"  {goal['ordinal']}.{objective.get('ordinal') or '?'} ({objective['status']}{target}) "
                    f"{v(objective['description'])}\n")
    if not goal.get("objectives"):
        text.append("  none yet. Press o to add one.\n", style="dim")
    text.append("Planned interventions for the goal as a whole\n", style="bold")
    _bullets(text, [i for i in goal.get("interventions") or [] if i.get("objective_id") is None],
             "  none. Press i to plan one (on an objective's row: for that objective).\n")
    text.append("Progress from signed notes\n", style="bold")
    if not goal["history"]:
        text.append("  none recorded yet\n", style="dim")
    for day_, status, evidence in goal["history"][-30:]:
        text.append(f"  {day_}  ")
        text.append(f"{v(status):<13}", style=HISTORY_STYLE.get(status, ""))
        text.append(f"{v(evidence)}\n")
    return text


def objective_detail(goal: dict[str, Any], objective: dict[str, Any]) -> Text:
    text = Text()
    text.append(f"Goal {goal['ordinal']}: ", style="bold")
    text.append(v(goal["description"]) + "\n")
    text.append(f"Objective {goal['ordinal']}.{objective.get('ordinal') or '?'} ({objective['status']}): ",
                style="bold")
    text.append(v(objective["description"]) + "\n")
    text.append("Target date: ", style="bold")
    if objective.get("target_date"):
        text.append(f"{objective['target_date']}\n")
    else:
        text.append("none set. Press t to set one.\n", style="dim")
    text.append("Planned interventions\n", style="bold")
    _bullets(text, objective.get("interventions") or [], "  none yet. Press i to plan one.\n")
    text.append("Progress from signed notes\n", style="bold")
    history = objective.get("history") or []
    if not history:
        text.append("  none recorded yet\n", style="dim")
    for entry in history[-30:]:
        text.append(f"  {entry['day']}  ")
        text.append(f"{v(entry['status']):<13}", style=HISTORY_STYLE.get(entry["status"], ""))
        text.append(v(entry["evidence"]))
        if entry.get("interventions"):
            text.append(("  " if entry["evidence"] else "") + f"(interventions: {v(entry['interventions'])})",
                        style="dim")
        text.append("\n")
    return text


def _next_status(status: str) -> str:
    return GOAL_STATUSES[(GOAL_STATUSES.index(status) + 1) % len(GOAL_STATUSES)] if status in GOAL_STATUSES \
        else GOAL_STATUSES[0]


def _cleaned(text: str) -> str:
    from ..services.workspace import GOAL_LIMIT, clean_text

    return clean_text(text, GOAL_LIMIT, "text")


class TreatmentPlanScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "add_goal", "Add goal", id="plan.add_goal"),
        Binding("o", "add_objective", "Add objective", id="plan.add_objective", show=False),
        Binding("e", "edit_goal", "Edit", id="plan.edit_goal"),
        Binding("s", "cycle_status", "Status", id="plan.status"),
        Binding("S", "sign_plan", "Sign plan", id="plan.sign"),
        Binding("i", "add_intervention", "Add planned intervention", id="plan.add_intervention", show=False),
        Binding("t", "set_target", "Set objective target date", id="plan.target_date", show=False),
        Binding("v", "set_review", "Set plan review date", id="plan.review_date", show=False),
        Binding("p", "add_problem", "Add problem", id="plan.add_problem", show=False),
        Binding("d", "add_diagnosis", "Add diagnosis", id="plan.add_diagnosis"),
        Binding("r", "remove_diagnosis", "Remove diagnosis", id="plan.remove_diagnosis", show=False),
        Binding("m", "primary_diagnosis", "Make diagnosis primary", id="plan.primary_diagnosis", show=False),
        Binding("escape", "back", "Back", id="plan.back"),
    ]

    def __init__(self, client_id: int) -> None:
        super().__init__()
        self.client_id = client_id
        self.plan: dict[str, Any] = {"problems": [], "goals": [], "diagnoses": []}
        self.status: Any = None  # services.treatment_plan.PlanStatus, once loaded
        self._want: tuple[str, int] | None = None  # the row to put the cursor on after the next load
        self._signing = False

    def compose(self) -> ComposeResult:
        yield Static("Treatment plan", classes="screen-title", markup=False)
        yield Static("", id="plan-status", classes="status-line", markup=False)
        yield Static("", id="plan-diagnoses", markup=False)
        yield RowList(plan_row, empty="No goals yet. Press g to add one.", id="plan-goals", classes="plan-goals")
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
            from ..services.treatment_plan import TreatmentPlans

            plan = ClientChart(workspace).treatment_plan(client_id, recent_notes=PLAN_RECENT_NOTES)
            return {**plan, "diagnoses": current(workspace.record, client_id),
                    "status": TreatmentPlans(workspace).status(client_id)}

        self.run_use_case(plan, self._loaded, group="plan-load")

    def show_status(self, text: str) -> None:
        self.query_one("#plan-detail", Static).update(Text(text))

    def _loaded(self, plan: dict[str, Any]) -> None:
        row = self._row()
        want = self._want or (row.key if row is not None else None)
        self._want = None
        self.plan = plan
        self.status = plan.get("status")
        self.query_one("#plan-status", Static).update(status_text(self.status.label) if self.status else Text(""))
        self.query_one("#plan-diagnoses", Static).update(diagnoses_text(plan.get("diagnoses", [])))
        rows = plan_rows(plan["goals"])
        listed = self.query_one(RowList)
        listed.set_rows(rows, keep_cursor=True)
        keys = [r.key for r in rows]
        if want in keys:
            listed.cursor = keys.index(want)
        self._detail()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        self._detail()

    def _row(self) -> PlanRow | None:
        return self.query_one(RowList).current

    def _goal(self) -> dict[str, Any] | None:
        row = self._row()
        return row.goal if row is not None else None

    def _detail(self) -> None:
        row = self._row()
        if row is not None and row.objective is not None:
            detail = objective_detail(row.goal, row.objective)
        else:
            detail = goal_detail(row.goal if row else None, self.plan["problems"])
        self.query_one("#plan-detail", Static).update(detail)

    # -- editing ---------------------------------------------------------------------
    def _apply(self, change: Callable[[Any], Any], *, focus: str | None = None, said: str = "") -> None:
        """Run ``change(record)`` in a worker, then reload; ``focus`` ("goal"/"objective") puts
        the cursor on the row whose id ``change`` returned."""
        from ..services.workspace import ValidationError

        def edit(workspace: "Workspace") -> Any:
            try:
                return change(workspace.record)
            except ValueError as exc:  # the record's own refusals ("no longer on the plan")
                raise ValidationError(str(exc)) from None

        def done(result: Any) -> None:
            if focus is not None and isinstance(result, int):
                self._want = (focus, result)
            self.load()
            if said:
                self._say(said, timeout=3)

        self.run_use_case(edit, done, self._problem, group="plan-edit")

    def _ask(self, title: str, then: Callable[[Any, str], Any], value: str = "", *, focus: str | None = None,
             said: str = "") -> None:
        from ..services.workspace import GOAL_LIMIT

        def done(text: str | None) -> None:
            if text:
                self._apply(lambda record: then(record, _cleaned(text)), focus=focus, said=said)

        self.app.push_screen(TextPrompt(title, value, GOAL_LIMIT), done)

    def _need_goal(self) -> dict[str, Any] | None:
        goal = self._goal()
        if goal is None:
            self._say("The plan has no goals yet. Press g to add one.", timeout=4)
        return goal

    def action_add_goal(self) -> None:
        self._ask("New goal", lambda record, text: record.add_goal(self.client_id, text), focus="goal")

    def action_edit_goal(self) -> None:
        row = self._row()
        if row is None:
            self._need_goal()
        elif row.objective is not None:
            objective = row.objective
            self._ask(f"Objective {row.number}", lambda record, text: record.set_objective_text(objective["id"], text),
                      objective["description"])
        else:
            goal = row.goal
            self._ask(f"Goal {goal['ordinal']}", lambda record, text: record.set_goal_text(goal["id"], text),
                      goal["description"])

    def action_add_objective(self) -> None:
        goal = self._need_goal()
        if goal is None:
            return
        number = f"{goal['ordinal']}.{len(goal.get('objectives') or []) + 1}"

        def text_done(text: str | None) -> None:
            if not text:
                return

            def target_done(target: str | None) -> None:
                if target is not None:  # None: cancelled, nothing saved
                    self._apply(lambda record: record.add_objective(goal["id"], _cleaned(text), target or None),
                                focus="objective", said=f"Objective {number} added.")

            self.app.push_screen(DatePrompt(f"Target date for objective {number}", blank="no target date"),
                                 target_done)

        from ..services.workspace import GOAL_LIMIT

        self.app.push_screen(TextPrompt(f"Objective {number} (for goal {goal['ordinal']})", "", GOAL_LIMIT), text_done)

    def action_add_intervention(self) -> None:
        row = self._row()
        if row is None:
            self._need_goal()
            return
        goal, objective = row.goal, row.objective
        if objective is not None:
            self._ask(f"Planned intervention for objective {row.number}",
                      lambda record, text: record.add_plan_intervention(goal["id"], text, objective["id"]),
                      said=f"Intervention planned for objective {row.number}.")
        else:
            self._ask(f"Planned intervention for goal {goal['ordinal']} as a whole",
                      lambda record, text: record.add_plan_intervention(goal["id"], text),
                      said=f"Intervention planned for goal {goal['ordinal']}.")

    def action_set_target(self) -> None:
        row = self._row()
        if row is None or row.objective is None:
            self._say("A target date is an objective's: move to an objective's row (o adds one).", timeout=4)
            return
        objective = row.objective

        def done(target: str | None) -> None:
            if target is not None:
                self._apply(lambda record: record.set_objective_target(objective["id"], target or None),
                            said=f"Objective {row.number}: " + (f"target {target}." if target else "no target date."))

        self.app.push_screen(DatePrompt(f"Target date for objective {row.number}", objective.get("target_date") or "",
                                        blank="no target date"), done)

    def action_set_review(self) -> None:
        client_id = self.client_id
        current = self.status.review_due if self.status is not None else ""

        def done(review: str | None) -> None:
            if review:
                self._apply(lambda record: record.set_plan_review_due(client_id, review),
                            said=f"Plan review due {review}.")

        self.app.push_screen(DatePrompt("Plan review date", current), done)

    def action_add_problem(self) -> None:
        self._ask("Problem", lambda record, text: record.add_problem(self.client_id, text))

    def action_cycle_status(self) -> None:
        row = self._row()
        if row is None:
            self._need_goal()
        elif row.objective is not None:
            objective, status = row.objective, _next_status(row.objective["status"])
            self._apply(lambda record: record.set_objective_status(objective["id"], status),
                        said=f"Objective {row.number}: {status}.")
        else:
            goal, status = row.goal, _next_status(row.goal["status"])
            self._apply(lambda record: record.set_goal_status(goal["id"], status),
                        said=f"Goal {goal['ordinal']}: {status}.")

    def action_sign_plan(self) -> None:
        if self._signing:
            self._say("Signing the plan…", timeout=2)
            return
        client_id = self.client_id

        def sign(workspace: "Workspace") -> int:
            from ..services.treatment_plan import TreatmentPlans

            return TreatmentPlans(workspace).sign(client_id)

        def signed(version: int) -> None:
            self._signing = False
            self.load()
            self._say(f"Plan version {version} signed.", timeout=4)

        def refused(text: str) -> None:
            self._signing = False
            self._problem(text)

        self._signing = True
        if self.run_use_case(sign, signed, refused, group="plan-sign") is None:
            self._signing = False

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
        self._say(said, timeout=3)

    def _problem(self, text: str) -> None:
        self._say(text, severity="warning", timeout=6)

    def _say(self, text: str, *, severity: Any = "information", timeout: float = 3) -> None:
        """A notification, shown literally (a message may quote typed text: no markup)."""
        self.notify(text, severity=severity, timeout=timeout, markup=False)
