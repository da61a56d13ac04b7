"""A score trend drawn in text: one bar per administration, coloured by band, then the
trend said in words (issue 11: "(-10 over 19) bands 5/10/15/20" was cryptic)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..domain.measures import INSTRUMENTS, display_name, stored_band

BARS = " ▁▂▃▄▅▆▇█"
BAND_STYLES = {
    "minimal": "#7f9474",
    "mild": "#9c9a78",
    "moderate": "#b39a6b",
    "moderately severe": "#b58a70",
    "severe": "#b07a70",
    # PCL-5 and the C-SSRS screener: quiet below the cut-off, warm above it.
    "below cut-off": "#7f9474",
    "near cut-off, 31–33": "#b39a6b",
    "probable PTSD": "#b07a70",
    "negative": "#7f9474",
    "low risk": "#9c9a78",
    "moderate risk": "#b39a6b",
    "high risk": "bold #b07a70",
}
RISK_STYLES = {"low": "", "moderate": "#b39a6b", "high": "bold #b07a70"}  # quiet unless it matters
THRESHOLDS = {"phq9": (5, 10, 15, 20), "gad7": (5, 10, 15)}


def _maximum(instrument: str) -> int:
    inst = INSTRUMENTS[instrument]
    return 3 if inst.scoring == "risk" else inst.item_count * inst.item_max


def trend_text(instrument: str, scores: list[tuple[str, int]], width: int) -> Text:
    label = display_name(instrument)
    if not scores:
        return Text(f"{label:<6} no scores yet", style="dim")
    room = max(4, width - 40)
    shown = scores[-room:]
    out = Text(f"{label:<6} ")
    top = _maximum(instrument)
    for _, total in shown:
        bar = BARS[min(len(BARS) - 1, round(total / top * (len(BARS) - 1)))]
        out.append(bar or " ", style=BAND_STYLES.get(stored_band(instrument, total), ""))
    out.append("  " + trend_words(label, instrument, scores), style=BAND_STYLES.get(stored_band(instrument, scores[-1][1]), ""))
    return out


def trend_words(label: str, instrument: str, scores: list[tuple[str, int]]) -> str:
    """The trend in words: "PHQ-9 6 (mild), down 10 since the first of 19 (16, moderately severe)"."""
    last_date, last = scores[-1]
    first = scores[0][1]
    delta = last - first
    if instrument == "cssrs":  # a risk level, not a quantity: said in words, never as a number
        words = f"{label} screen {stored_band(instrument, last)} on {last_date}"
        if len(scores) == 1:
            return words + ", the first screen"
        change = "no change" if delta == 0 else ("higher" if delta > 0 else "lower")
        return f"{words}, {change} since the first of {len(scores)} ({stored_band(instrument, first)})"
    words = f"{label} {last} ({stored_band(instrument, last)}) on {last_date}"
    if len(scores) == 1:
        return words + ", the first score"
    change = "no change" if delta == 0 else f"{'up' if delta > 0 else 'down'} {abs(delta)}"
    return (f"{words}, {change} since the first of {len(scores)} "
            f"({first}, {stored_band(instrument, first)})")


class ScoreTrend(Widget):
    DEFAULT_CSS = """
    ScoreTrend { height: 1; }
    """

    def __init__(self, instrument: str, scores: list[tuple[str, int]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.instrument = instrument
        self.scores = scores

    def set_scores(self, scores: list[tuple[str, int]]) -> None:
        self.scores = scores
        self.refresh()

    def render(self) -> Text:
        return trend_text(self.instrument, self.scores, self.size.width or 80)
