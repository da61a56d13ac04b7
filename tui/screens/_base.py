"""One way for screens (and the app) to run blocking work, and the few hooks the app calls.

`run_use_case(use_case, on_result, on_problem, group=...)` runs ``use_case(workspace)`` in a
thread worker. The outcome comes back to the UI thread as one message, handled here:

- locked (no workspace): ``on_problem("Hushpad is locked.")``, and the worker never starts;
- a HushpadError (the user's kind of problem): ``on_problem(str(exc))``;
- the result: ``on_result(result)``;
- anything else is unexpected: one calm, persistent line on the screen and a log entry naming
  only the exception type and where it was raised (never its message, which may quote a note).
  The app never exits, and nothing typed is touched.

Results of a worker that was cancelled (a newer one in the same exclusive group, or the screen
went away) are dropped, so an older load never overwrites a newer one.
Nothing here touches a widget from the thread: the worker only posts a message.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual.app import SystemCommand
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from ..errors import HushpadError
from ..widgets._textual_compat import node_bindings

if TYPE_CHECKING:
    from ..services.workspace import Workspace
    from .intents import Intent

R = TypeVar("R")
ResultT = TypeVar("ResultT")

LOCKED = "Hushpad is locked."
log = logging.getLogger("hushpad")
log.addHandler(logging.NullHandler())  # the embedding program decides where records go
_HERE = Path(__file__).resolve()
_PACKAGE = _HERE.parent.parent


def where(exc: BaseException) -> str:
    """module:function:line of the innermost Hushpad frame that raised: no values, no text."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)
            and Path(f.filename).resolve() != _HERE] or frames
    if not ours:
        return "unknown"
    frame = ours[-1]
    try:
        module = Path(frame.filename).resolve().relative_to(_PACKAGE.parent).with_suffix("")
        name = ".".join(module.parts)
    except ValueError:
        name = Path(frame.filename).stem
    return f"{name}:{frame.name}:{frame.lineno}"


def unexpected_line(exc: BaseException) -> str:
    return (f"Something unexpected went wrong ({type(exc).__name__}); nothing typed was lost. "
            "It is noted in the log.")


class WorkDone(Message):
    """A worker's outcome, back on the UI thread. Handled by the node that ran it, never bubbled."""

    bubble = False

    def __init__(self, worker: Worker[Any], result: Any = None, problem: str | None = None,
                 unexpected: BaseException | None = None, *, on_result: Callable[[Any], object] | None,
                 on_problem: Callable[[str], object] | None) -> None:
        super().__init__()
        self.worker = worker
        self.result = result
        self.problem = problem
        self.unexpected = unexpected
        self.on_result = on_result
        self.on_problem = on_problem


class RunsUseCases:
    """Mixin for a Screen, a ModalScreen or the App (anything with run_worker and post_message)."""

    def run_use_case(self, use_case: "Callable[[Workspace], R]", on_result: Callable[[R], object] | None = None,
                     on_problem: Callable[[str], object] | None = None, *, group: str,
                     exclusive: bool = True) -> Worker[None] | None:
        workspace = self.app.workspace  # type: ignore[attr-defined]
        if workspace is None:
            (on_problem or self.show_status)(LOCKED)
            return None
        return self.run_task(lambda: use_case(workspace), on_result, on_problem, group=group, exclusive=exclusive,
                             name=getattr(use_case, "__qualname__", group))

    def run_task(self, task: Callable[[], R], on_result: Callable[[R], object] | None = None,
                 on_problem: Callable[[str], object] | None = None, *, group: str, exclusive: bool = True,
                 name: str = "") -> Worker[None]:
        """Like run_use_case, for work that needs no unlocked workspace (unlocking itself)."""

        def work() -> None:
            worker = get_current_worker()
            try:
                result = task()
            except HushpadError as exc:
                done = WorkDone(worker, problem=str(exc), on_result=on_result, on_problem=on_problem)
            except Exception as exc:  # noqa: BLE001 - the one policy for the unexpected, on the UI thread
                done = WorkDone(worker, unexpected=exc, on_result=on_result, on_problem=on_problem)
            else:
                done = WorkDone(worker, result=result, on_result=on_result, on_problem=on_problem)
            self.post_message(done)  # type: ignore[attr-defined]

        return self.run_worker(work, name=name or group, group=group,  # type: ignore[attr-defined]
                               exclusive=exclusive, thread=True, exit_on_error=False)

    async def on_work_done(self, message: WorkDone) -> None:
        message.stop()
        if message.worker.is_cancelled:
            return  # superseded, or its screen is gone
        try:
            if message.unexpected is not None:
                self.report_unexpected(message.unexpected)
                return
            if message.problem is not None:
                outcome = (message.on_problem or self.show_status)(message.problem)
            elif message.on_result is not None:
                outcome = message.on_result(message.result)
            else:
                return
            if inspect.iscoroutine(outcome):  # an async handler; not dismiss()'s AwaitComplete
                await outcome
        except Exception as exc:  # noqa: BLE001 - a handler's slip is unexpected too: said calmly, never a crash
            self.report_unexpected(exc)

    def report_unexpected(self, exc: BaseException) -> None:
        log.error("unexpected %s at %s", type(exc).__name__, where(exc))
        self.show_status(unexpected_line(exc))

    def show_status(self, text: str) -> None:
        """Say it on this screen's status line (screens override; the default shows on the current one)."""
        screen = self.app.screen  # type: ignore[attr-defined]
        if screen is not self and isinstance(screen, AppFacing):
            screen.show_status(text)


def key_for(node: Any, binding_id: str) -> str:
    """How the (possibly remapped) key of a binding id reads, for a hint in a sentence."""
    for bindings in node_bindings(node).key_to_bindings.values():
        for binding in bindings:
            if binding.id == binding_id:
                return node.app.get_key_display(binding)
    return binding_id


class AppFacing:
    """What the app asks of a screen, typed: no getattr lookups.

    Defaults suit a screen with nothing unsaved and no status line of its own.
    """

    in_session: ClassVar[bool] = False  # the app's idle lock stands down; the curtain covers instead

    def before_keys_go(self, action: str) -> bool:
        """Save what is unsaved, synchronously, before `action` ("quit", "lock") takes the keys.

        False when text would be lost: the screen has then said why, and the action must not go ahead.
        """
        return True

    def show_status(self, text: str) -> None:
        return None

    def palette_commands(self) -> Iterable[SystemCommand]:
        return ()


class Navigates:
    def navigate(self, intent: "Intent") -> None:
        """Ask the app's navigator to open another screen; this one hears back with Returned."""
        from .intents import Navigate

        self.app.post_message(Navigate(intent, self))  # type: ignore[attr-defined]


class HushpadScreen(RunsUseCases, Navigates, AppFacing, Screen[ResultT], Generic[ResultT]):
    """A full screen."""


class HushpadDialog(RunsUseCases, Navigates, AppFacing, ModalScreen[ResultT], Generic[ResultT]):
    """A modal dialog (forms, prompts): opened directly by the screen that needs it."""
