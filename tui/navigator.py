"""The one navigator: turns a screen's intent (tui/screens/intents.py) into a pushed screen.

Only this module (and the app) imports the full screens; screens post intents instead.
What follows a screen's close is decided here too: an ended session opens its write-up, a
signed group note opens the next member's, and the screen that asked hears ``Returned``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .screens.intents import (
    Intent, OpenBeforeSession, OpenChart, OpenNote, OpenNotesDue, OpenPrivateJottings, OpenScratchpad, OpenSearch,
    OpenTreatmentPlan, OpenWriteup, Returned, StartSession,
)

if TYPE_CHECKING:
    from textual.screen import Screen

    from .app import HushpadApp
    from .services.workspace import ScratchpadStart, Workspace


class Navigator:
    def __init__(self, app: "HushpadApp") -> None:
        self.app = app

    def go(self, intent: Intent, origin: Any = None) -> None:
        match intent:
            case StartSession():
                self._start_session(intent, origin)
            case OpenScratchpad(start=start):
                self._push(self._scratchpad(start), intent, origin, then=lambda ended: ended and self.go(
                    OpenWriteup(start.session.id), origin))
            case OpenWriteup(session_id=session_id):
                from .screens.writeup import WriteupScreen

                self._push(WriteupScreen(session_id), intent, origin,
                           then=lambda next_session: next_session and self.go(OpenWriteup(next_session), origin))
            case OpenChart(client_id=client_id):
                from .screens.chart import ChartScreen

                self._push(ChartScreen(client_id), intent, origin)
            case OpenBeforeSession(client_id=client_id):
                from .screens.before_session import BeforeSessionScreen

                self._push(BeforeSessionScreen(client_id), intent, origin,
                           then=lambda result: result == "start" and self.go(StartSession(client_id), origin))
            case OpenNotesDue():
                from .screens.notes_due import NotesDueScreen

                self._push(NotesDueScreen(), intent, origin)
            case OpenSearch(client_id=client_id):
                from .screens.search import SearchScreen

                self._push(SearchScreen(client_id), intent, origin)
            case OpenNote(note_id=note_id):
                from .screens.note_view import NoteViewScreen

                self._push(NoteViewScreen(note_id), intent, origin)
            case OpenPrivateJottings(session_id=session_id, date=date):
                from .screens.private_jottings import PrivateJottingsScreen

                self._push(PrivateJottingsScreen(session_id, date), intent, origin)
            case OpenTreatmentPlan(client_id=client_id):
                from .screens.treatment_plan import TreatmentPlanScreen

                self._push(TreatmentPlanScreen(client_id), intent, origin)

    def _push(self, screen: "Screen[Any]", intent: Intent, origin: Any, then: Any = None) -> None:
        def closed(result: Any) -> None:
            if origin is not None and origin.is_attached:
                origin.post_message(Returned(intent, result))
            if then is not None:
                then(result)

        self.app.push_screen(screen, closed)

    @staticmethod
    def _scratchpad(start: "ScratchpadStart") -> "Screen[Any]":
        from .screens.scratchpad import ScratchpadScreen

        return ScratchpadScreen(start.session, start.lines, start.questions)

    def _start_session(self, intent: StartSession, origin: Any) -> None:
        def start(workspace: "Workspace") -> "ScratchpadStart":
            if intent.group:
                return workspace.open_scratchpad(workspace.start_group_session(list(intent.group)))
            client_id = intent.client_id
            if client_id is None:
                client_id = workspace.client_by_code(intent.code or "")["id"]
            return workspace.open_scratchpad(workspace.start_session(client_id))

        def problem(text: str) -> None:
            if origin is None:  # `hushpad jot CODE`: nothing to go back to; leave with one clear line
                self.app.startup_failed(text)
            else:
                origin.show_status(text)

        self.app.run_use_case(start, lambda ready: self.go(OpenScratchpad(ready), origin), problem,
                              group="session-start")
