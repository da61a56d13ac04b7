"""Hushpad's own low-contrast themes: calm enough to leave on while a client talks.

The palettes are plain data, so config.py can check a theme name without importing
Textual; the Textual ``Theme`` objects are built when the app first asks for ``THEMES``.
"""

from __future__ import annotations

from typing import Any

DUSK: dict[str, Any] = dict(
    name="hushpad-dusk",
    primary="#7d8a96",
    secondary="#8a8173",
    accent="#9a8f7c",
    foreground="#a9a59c",
    background="#1f2123",
    surface="#24272a",
    panel="#2a2d30",
    success="#7f9474",
    warning="#b39a6b",
    error="#b07a70",
    dark=True,
    variables={
        "footer-key-foreground": "#9a8f7c",
        "block-cursor-background": "#3a3f44",
        "block-cursor-foreground": "#c8c3b8",
        "block-cursor-text-style": "none",
        "input-selection-background": "#3a3f44",
        "scrollbar": "#2f3337",
        "scrollbar-hover": "#3a3f44",
    },
)

PAPER: dict[str, Any] = dict(
    name="hushpad-paper",
    primary="#6b7780",
    secondary="#7a7064",
    accent="#85786a",
    foreground="#4d4a45",
    background="#ecebe6",
    surface="#e4e2dc",
    panel="#dcd9d2",
    success="#5f7355",
    warning="#8c7447",
    error="#8d5a52",
    dark=False,
    variables={
        "block-cursor-text-style": "none",
        "footer-key-foreground": "#85786a",
    },
)

PALETTES = (DUSK, PAPER)
# Every theme a config may name: ours, and Textual's two built-ins.
THEME_NAMES: tuple[str, ...] = (*(p["name"] for p in PALETTES), "textual-dark", "textual-light")


def __getattr__(name: str) -> Any:
    if name == "THEMES":  # the Textual Theme objects, built on first use
        from textual.theme import Theme

        themes = tuple(Theme(**palette) for palette in PALETTES)
        globals()["THEMES"] = themes
        return themes
    raise AttributeError(name)
