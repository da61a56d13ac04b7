"""Textual's Footer, recomposed only when the keys it shows actually change.

Textual's Footer rebuilds all its key widgets whenever a screen's bindings are
refreshed, which happens on every focus change. In the write-up that was the
largest single cost of a step change (~80 style updates per step), usually to
redraw the same keys.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._shown: tuple[tuple[str, str, bool], ...] | None = None

    def _signature(self, screen: Screen) -> tuple[tuple[str, str, bool], ...]:
        return tuple(
            (key, active.binding.description, active.enabled)
            for key, active in screen.active_bindings.items()
            if active.binding.show
        )

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            signature = self._signature(screen)
            if signature == self._shown:
                self._bindings_ready = True
                return
            self._shown = signature
        super().bindings_changed(screen)
