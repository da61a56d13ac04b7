"""Issue 14: the configured theme is in force from the first frame, without a second CSS parse."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet

from tui.screens.clients import ClientsScreen
from tui.theme import DUSK, PAPER

from .helpers import SIZE, settle, wait_for_screen


@pytest.mark.parametrize("palette", [DUSK, PAPER], ids=["dark", "light"])
async def test_start_theme_is_applied_and_the_css_is_parsed_once(made_profile, monkeypatch, palette) -> None:
    reparses: list[int] = []
    real_reparse = Stylesheet.reparse

    def counting_reparse(self: Stylesheet) -> None:
        reparses.append(1)
        real_reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)
    app = made_profile(theme=palette["name"]).app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(pilot, ClientsScreen)
        await settle(pilot)
        assert app.theme == palette["name"]
        assert app.has_class(f"-theme-{palette['name']}")
        assert app.has_class("-dark-mode") is palette["dark"]
        assert app.has_class("-light-mode") is not palette["dark"]
        # The theme's variables reached the first parse: the screen is painted in its background.
        assert screen.styles.background == Color.parse(palette["background"])
        assert reparses == [], "the start theme made Textual re-parse every stylesheet"

        # Switching at run time still goes through Textual's own watcher, re-parse and all.
        other = PAPER if palette is DUSK else DUSK
        app.theme = other["name"]
        await settle(pilot)
        assert screen.styles.background == Color.parse(other["background"])
        assert app.has_class(f"-theme-{other['name']}") and not app.has_class(f"-theme-{palette['name']}")
        assert reparses, "a theme change at run time re-parses"
