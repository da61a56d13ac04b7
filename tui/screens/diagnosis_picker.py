"""Pick an ICD-10-CM diagnosis for the treatment plan (issue 13 item 1), and choose one of the
plan's diagnoses (to remove it or make it primary).

The search runs in a thread worker: the first one builds the code set (seconds, ~200 MB), and
says "loading the ICD-10-CM code set…" meanwhile; the screen never waits for it. Typing starts
a new search that supersedes the last (an exclusive worker group: an older result is dropped).
Enter on a result chooses it; then primary (space) and an optional onset (YYYY-MM or
YYYY-MM-DD); ctrl+s or Enter in the onset adds it. Dismisses with the choice, or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from ..widgets.key_footer import KeyFooter
from ._base import HushpadDialog

LOADING = "loading the ICD-10-CM code set…"
RESULTS = 30


@dataclass(frozen=True)
class PickedDiagnosis:
    code: str
    title: str
    primary: bool
    onset: str  # "" or as typed, already checked


class DiagnosisPicker(HushpadDialog["PickedDiagnosis | None"]):
    DEFAULT_CSS = """
    DiagnosisPicker #dx-results { height: 12; background: $panel; margin: 1 0; }
    DiagnosisPicker #dx-status { color: $text-muted; }
    DiagnosisPicker #dx-chosen { margin-top: 1; }
    DiagnosisPicker Checkbox { border: none; padding: 0; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "add", "Add diagnosis", id="diagnosis.add"),
        Binding("escape", "cancel", "Cancel", id="diagnosis.cancel"),
    ]

    def __init__(self, *, primary: bool = False, today: date | None = None) -> None:
        super().__init__()
        self.primary_default = primary
        self.today = today
        self.entries: list[Any] = []
        self.chosen: Any = None
        self.searches = 0  # how many searches came back (tests wait on it)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="dx-dialog"):
            yield Static("Add a diagnosis (ICD-10-CM)", classes="dialog-title", markup=False)
            yield Input(placeholder="code or words: F33.1, recurrent depression, ptsd", max_length=100,
                        compact=True, id="dx-query")
            yield Static("", id="dx-status", markup=False)
            yield OptionList(id="dx-results")
            yield Static("Nothing chosen yet: Enter on a result.", id="dx-chosen", markup=False)
            yield Checkbox("Primary diagnosis", self.primary_default, id="dx-primary")
            yield Input(placeholder="onset, optional: YYYY-MM or YYYY-MM-DD", max_length=10, compact=True,
                        id="dx-onset")
            yield Static("Type to search · ↓ to the results, Enter chooses · ctrl+s adds · Esc cancels",
                         classes="hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        from ..domain import diagnoses as icd

        self.query_one("#dx-query", Input).focus()
        if not icd.is_loaded():
            self.show_status(LOADING)
            self.run_task(icd.code_set, lambda _codes: self._loaded(), group="dx-load")

    def _loaded(self) -> None:
        if not self.query_one("#dx-query", Input).value.strip():
            self.show_status("Type a code or words of its title.")

    def show_status(self, text: str) -> None:
        self.query_one("#dx-status", Static).update(text)

    # -- search ---------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "dx-query":
            return
        event.stop()
        query = event.value.strip()
        if not query:
            self._show([])
            return
        self._search(query)

    def _search(self, query: str) -> None:
        from ..domain import diagnoses as icd

        if not icd.is_loaded():
            self.show_status(LOADING)
        self.run_task(lambda: icd.search(query, limit=RESULTS), lambda found: self._found(query, found),
                      group="dx-search")

    def _found(self, query: str, found: list[Any]) -> None:
        self.searches += 1
        if query != self.query_one("#dx-query", Input).value.strip():
            return  # typed on since: the newer search answers
        self._show(found)
        self.show_status(f"{len(found)} billable code{'s' if len(found) != 1 else ''}"
                         + (f" (the first {RESULTS})" if len(found) == RESULTS else "") if found
                         else f"No billable ICD-10-CM code matches {query!r}.")

    def _show(self, entries: list[Any]) -> None:
        self.entries = entries
        results = self.query_one("#dx-results", OptionList)
        results.clear_options()
        results.add_options([Option(f"{e.code:<9}{e.title}") for e in entries])
        if entries:
            results.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "dx-query":
            if self.entries:
                self.query_one("#dx-results", OptionList).focus()
        else:
            self.action_add()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.entries):
            self.chosen = self.entries[event.option_index]
            self.query_one("#dx-chosen", Static).update(f"Chosen: {self.chosen.code} {self.chosen.title}")
            self.query_one("#dx-onset", Input).focus()

    # -- done -----------------------------------------------------------------------------
    def action_add(self) -> None:
        from ..services.diagnoses import DiagnosisProblem, parse_onset

        if self.chosen is None:
            self.show_status("Choose a code first: type, then Enter on a result.")
            return
        onset = self.query_one("#dx-onset", Input).value.strip()
        try:
            parse_onset(onset, today=self.today or date.today())
        except DiagnosisProblem as exc:
            self.show_status(str(exc))
            self.query_one("#dx-onset", Input).focus()
            return
        self.dismiss(PickedDiagnosis(self.chosen.code, self.chosen.title,
                                     self.query_one("#dx-primary", Checkbox).value, onset))

    def action_cancel(self) -> None:
        self.dismiss(None)


class DiagnosisChooser(HushpadDialog["int | None"]):
    """One of the plan's current diagnoses, for an action (remove, make primary): its id."""

    DEFAULT_CSS = """
    DiagnosisChooser #dx-choose { height: auto; max-height: 12; background: $panel; margin-bottom: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="diagnosis.cancel"),
    ]

    def __init__(self, title: str, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        from ..services.diagnoses import plan_label

        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*[Option(plan_label(r)) for r in self.rows], id="dx-choose")
            yield Static("Enter chooses, Esc cancels.", classes="hint", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(self.rows[event.option_index]["id"]))

    def action_cancel(self) -> None:
        self.dismiss(None)
