"""Every session still without a signed note, across clients; overdue ones stand out. Under
them, signed notes awaiting a co-signature and treatment plans due for review (each box
hidden when it has nothing to say)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ..domain.session_facts import display_time
from ..widgets.key_footer import KeyFooter
from ..widgets.row_list import RowList
from ._base import HushpadScreen
from .intents import OpenWriteup, Returned

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.workspace import Workspace


def due_row(row: dict[str, Any]) -> Text:
    overdue = bool(row["overdue"])
    status = "draft" if row["note_status"] == "draft" else "no note"
    text = Text(f"{row['ended_at'][:16].replace('T', ' '):<18}{row['code']:<12}{status:<9}",
                style="bold #b58a70" if overdue else "")
    text.append("OVERDUE (>24 h)" if overdue else "due", style="bold #b58a70" if overdue else "dim")
    if row["group_session_id"]:
        text.append("  group", style="dim")
    return text


PLAN_REVIEW_LINES = 6  # the box shows this many plans, then "… and N more" (the list keeps the room)


def plan_review_lines(rows: list[dict[str, Any]]) -> Text:
    """"Plans due for review" and one line a plan: code, review date, overdue or due soon, version."""
    text = Text("Plans due for review", style="bold")
    for row in rows[:PLAN_REVIEW_LINES]:
        overdue = row["review"] == "overdue"
        text.append(f"\n  {row['code']:<12}review {row['review_due']}  ")
        text.append(f"{'OVERDUE' if overdue else 'due soon':<10}", style="bold #b58a70" if overdue else "dim")
        text.append(f"plan version {row['version']}" if row["version"] else "plan not signed yet",
                    style="" if row["version"] else "dim")
    if len(rows) > PLAN_REVIEW_LINES:
        text.append(f"\n  … and {len(rows) - PLAN_REVIEW_LINES} more", style="dim")
    return text


class NotesDueScreen(HushpadScreen[None]):
    app: "HushpadApp"

    # The column heads sit over the list's columns (the list is padded 0 1).
    DEFAULT_CSS = """
    NotesDueScreen #due-columns { padding: 0 1; }
    NotesDueScreen #due-plan-reviews { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "write_up", "Write up", id="due.write_up", priority=True),
        Binding("escape", "back", "Back", id="due.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("Notes due", classes="screen-title", markup=False)
        yield Static(Text(f"{'Session ended':<18}{'Client':<12}{'Status':<9}", style="dim"), id="due-columns")
        yield RowList(due_row, empty="No notes due. Every ended session has a signed note.", id="due-list")
        yield Static("", id="due-summary", classes="status-line", markup=False)
        # Signed notes sent to a supervisor and not answered yet (hidden when there are none).
        cosign = Static("", id="due-cosign", markup=False)
        cosign.display = False
        yield cosign
        # Treatment plans whose review is overdue or due within two weeks (hidden when none).
        reviews = Static("", id="due-plan-reviews", markup=False)
        reviews.display = False
        yield reviews
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(RowList).focus()
        self.load()

    def load(self) -> None:
        def rows(workspace: "Workspace") -> "tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]":
            from ..services.notes_due import NotesDue
            from ..services.signing import Reviews

            due = NotesDue(workspace)
            return due.rows(), Reviews(workspace).awaiting(), due.plan_reviews()

        self.run_use_case(rows, self._loaded, group="due-load")

    def show_status(self, text: str) -> None:
        self.query_one("#due-summary", Static).update(Text(text))

    def _loaded(self, loaded: "tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]") -> None:
        rows, awaiting, reviews = loaded
        self.query_one(RowList).set_rows(rows, keep_cursor=True)
        overdue = sum(1 for r in rows if r["overdue"])
        self.query_one("#due-summary", Static).update(Text(f"{len(rows)} due, {overdue} overdue."))
        box = self.query_one("#due-cosign", Static)
        box.update(Text("\n".join(
            f"Awaiting co-signature: note {r['note_id']} ({r['client_code']}, {display_time(r['started_at'])[:10]}), "
            f"sent to {r['supervisor']} on {display_time(r['sent_at'])[:10]}" for r in awaiting)))
        box.display = bool(awaiting)
        plans = self.query_one("#due-plan-reviews", Static)
        plans.update(plan_review_lines(reviews))
        plans.display = bool(reviews)

    @on(RowList.Chosen)
    def _chosen(self, event: RowList.Chosen) -> None:
        event.stop()
        self.action_write_up()

    def action_write_up(self) -> None:
        row = self.query_one(RowList).current
        if row is not None:
            self.navigate(OpenWriteup(row["session_id"]))

    def on_returned(self, _: Returned) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
