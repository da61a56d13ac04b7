"""Search signed notes (one client or all) with FTS5 inside the encrypted record.

What is typed is searched literally. Private jottings are searched only when asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static

from ..widgets.key_footer import KeyFooter
from ..widgets.row_list import RowList
from ._base import HushpadScreen
from .intents import OpenNote

if TYPE_CHECKING:
    from ..app import HushpadApp
    from ..services.search import SearchHit, SearchResults
    from ..services.workspace import Workspace

DEBOUNCE = 0.15


def hit_text(hit: "SearchHit | tuple[int, str, str]") -> Text:
    from ..services.search import SNIPPET_END, SNIPPET_START

    if isinstance(hit, tuple):  # a private jotting
        session_id, date, line = hit
        text = Text(f"{date:<11}{'private':<10}", style="italic dim")
        text.append(line.replace("\n", " "), style="italic")
        return text
    text = Text(f"{hit.date:<11}{hit.client_code:<10}{'+ ' if hit.kind == 'addendum' else ''}")
    snippet = hit.snippet.replace("\n", " ")
    # The snippet markers become styling spans; the text itself is never parsed as markup.
    for i, part in enumerate(snippet.split(SNIPPET_START)):
        if i == 0:
            text.append(part)
            continue
        match, _, rest = part.partition(SNIPPET_END)
        text.append(match, style="bold underline")
        text.append(rest)
    return text


class SearchScreen(HushpadScreen[None]):
    app: "HushpadApp"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "toggle_scope", "This client / all", id="search.scope", priority=True),
        Binding("ctrl+r", "toggle_private", "Include private jottings", id="search.private", priority=True),
        Binding("down", "to_results", "Results", show=False),
        Binding("escape", "back", "Back", id="search.back"),
    ]

    def __init__(self, client_id: int | None = None) -> None:
        super().__init__()
        self.home_client = client_id
        self.client_id = client_id
        self.include_private = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="search-scope", classes="screen-title", markup=False)
        yield Input(id="search-input", placeholder="search signed notes (typed literally)", compact=True)
        yield Static("", id="search-summary", classes="status-line", markup=False)
        yield RowList(hit_text, empty="Type to search.", id="search-results")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_scope()
        self.query_one(Input).focus()

    def _show_scope(self) -> None:
        scope = "this client's notes" if self.client_id is not None else "all clients' notes"
        private = " + private jottings (audited)" if self.include_private else ""
        self.query_one("#search-scope", Static).update(Text(f"Search {scope}{private}"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._run)

    def _run(self) -> None:
        self._timer = None
        self._search(self.query_one(Input).value, self.client_id, self.include_private)

    def _search(self, text: str, client_id: int | None, include_private: bool) -> None:
        def search(workspace: "Workspace") -> "SearchResults":
            from ..services.search import NoteSearch

            return NoteSearch(workspace).search(text, client_id, include_private=include_private)

        self.run_use_case(search, self._results, group="search")

    def show_status(self, text: str) -> None:
        self.query_one("#search-summary", Static).update(Text(text))

    def _results(self, results: "SearchResults") -> None:
        if results.query != self.query_one(Input).value:
            return  # an older search finishing late
        rows: list = [*results.hits, *results.private_hits]
        summary = f"{results.total_text} note match{'es' if results.total != 1 or results.more else ''}"
        if results.total > len(results.hits):
            summary += f", best {len(results.hits)} shown"
        if self.include_private:
            summary += f"; {len(results.private_hits)} private jotting line(s)"
        self.query_one("#search-summary", Static).update(Text(summary if results.query.strip() else ""))
        self.query_one(RowList).set_rows(rows)

    def action_toggle_scope(self) -> None:
        if self.home_client is None:
            return
        self.client_id = None if self.client_id is not None else self.home_client
        self._show_scope()
        self._run()

    def action_toggle_private(self) -> None:
        self.include_private = not self.include_private
        self._show_scope()
        self._run()

    def action_to_results(self) -> None:
        self.query_one(RowList).focus()

    @on(RowList.Chosen)
    def _open(self, event: RowList.Chosen) -> None:
        event.stop()
        if not isinstance(event.row, tuple):
            self.navigate(OpenNote(event.row.note_id))

    def action_back(self) -> None:
        self.dismiss(None)
