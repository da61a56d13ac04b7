"""PCL-5 and the C-SSRS screener after signing (issue 13 item 5): trended in the chart, in the
before-session panel and in the records request, the C-SSRS always as a risk level in words."""

from __future__ import annotations

from tui.widgets.score_trend import trend_words


def test_chart_trends_pcl5_and_cssrs(env):
    client = env.client("MM-1", "Moe Measures")
    first = env.session(client, "2026-03-02T10:00:00+00:00", jottings=["pcl5 52", "cssrs n n n", "phq9 14"])
    env.sign(first, "2026-03-02T11:00:00+00:00")
    second = env.session(client, "2026-03-09T10:00:00+00:00", jottings=["pcl5 30", "cssrs n n n"])
    env.sign(second, "2026-03-09T11:00:00+00:00")
    chart = env.chart.chart(client)
    assert [total for _, total in chart.pcl5] == [52, 30]
    assert [total for _, total in chart.cssrs] == [0, 0]
    assert [total for _, total in chart.phq9] == [14]
    words = trend_words("PCL-5", "pcl5", chart.pcl5)
    assert words.startswith("PCL-5 30 (below cut-off)") and "down 22 since the first of 2 (52, probable PTSD)" in words
    assert trend_words("C-SSRS", "cssrs", chart.cssrs).startswith("C-SSRS screen negative on")

    panel = env.chart.before_session(client)
    assert any(s.startswith("PCL-5 30 (below cut-off)") for s in panel.more_scores), panel.more_scores
    assert any(s.startswith("C-SSRS screen negative") for s in panel.more_scores), panel.more_scores

    request = env.export.client("MM-1", "md")
    assert "| Date | PCL-5 | C-SSRS | PHQ-9 |" in request
    assert "| 52 (probable PTSD) | screen negative (no to every question asked) | 14 (moderate) |" in request
    assert "C-SSRS 0" not in request


def test_cssrs_trend_words_say_the_level():
    scores = [("2026-03-02", 3), ("2026-03-09", 1)]
    assert trend_words("C-SSRS", "cssrs", scores) == (
        "C-SSRS screen low risk on 2026-03-09, lower since the first of 2 (high risk)")


def test_every_band_of_every_instrument_has_a_colour():
    from tui.domain.measures import INSTRUMENTS
    from tui.widgets.score_trend import BAND_STYLES

    missing = [(key, name) for key, inst in INSTRUMENTS.items() for _, name in inst.bands if name not in BAND_STYLES]
    assert not missing
