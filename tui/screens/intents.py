"""Where a screen wants to go, as data. Screens post these (``self.navigate(OpenChart(id))``);
the app's one navigator (tui/navigator.py) opens the screen. So no screen imports another.

When a screen opened this way closes, the navigator tells the screen that asked with
``Returned(intent, result)``, so it can reload what the other screen may have changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from ..services.workspace import ScratchpadStart


@dataclass(frozen=True)
class OpenChart:
    client_id: int


@dataclass(frozen=True)
class OpenBeforeSession:
    client_id: int


@dataclass(frozen=True)
class OpenNotesDue:
    pass


@dataclass(frozen=True)
class OpenSearch:
    client_id: int | None = None


@dataclass(frozen=True)
class OpenNote:
    note_id: int


@dataclass(frozen=True)
class OpenWriteup:
    session_id: int


@dataclass(frozen=True)
class OpenPrivateJottings:
    session_id: int
    date: str


@dataclass(frozen=True)
class OpenTreatmentPlan:
    client_id: int


@dataclass(frozen=True)
class StartSession:
    """Resume or begin a session: for one client (id or code) or a group (several ids)."""

    client_id: int | None = None
    code: str | None = None
    group: tuple[int, ...] = ()


@dataclass(frozen=True)
class OpenScratchpad:
    start: "ScratchpadStart"


Intent = (OpenChart | OpenBeforeSession | OpenNotesDue | OpenSearch | OpenNote | OpenWriteup
          | OpenPrivateJottings | OpenTreatmentPlan | StartSession | OpenScratchpad)


class Navigate(Message):
    """Up to the app: go where `intent` says. `origin` hears back with Returned."""

    def __init__(self, intent: Intent, origin: Any) -> None:
        super().__init__()
        self.intent = intent
        self.origin = origin


class Returned(Message):
    """Down to the screen that asked: the screen it opened has closed with `result`."""

    bubble = False

    def __init__(self, intent: Intent, result: Any) -> None:
        super().__init__()
        self.intent = intent
        self.result = result
