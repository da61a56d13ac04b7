"""Textual's Footer, recomposed only when the keys it shows actually change.

Textual's Footer rebuilds all its key widgets whenever a screen's bindings are
refreshed, which happens on every focus change. In the write-up that was the
largest single cost of a step change (~80 style updates per step), usually to
redraw the same keys. The override itself (it must set a private Footer flag) lives in
_textual_compat.QuietFooter.
"""

from __future__ import annotations

from textual.screen import Screen

from ._textual_compat import QuietFooter


class KeyFooter(QuietFooter):
    def shown_keys(self, screen: Screen) -> tuple[tuple[str, str, bool], ...]:
        return tuple(
            (key, active.binding.description, active.enabled)
            for key, active in screen.active_bindings.items()
            if active.binding.show
        )
