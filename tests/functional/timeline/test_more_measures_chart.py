"""The chart trends PCL-5 and the C-SSRS screener once a signed note holds them (issue 13
item 5), the C-SSRS as a risk level in words; a client never given them shows no such line."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.widgets.score_trend import ScoreTrend

from ..helpers import SIZE, Client, PastSession, build_profile, settle, wait_for_screen, wait_until
from .conftest import sign_sessions


async def _chart(pilot, row: int) -> ChartScreen:
    screen = await wait_for_screen(pilot, ClientsScreen)
    table = screen.query_one(DataTable)
    await wait_until(pilot, lambda: table.row_count == 2, "two client rows")
    await settle(pilot)
    for _ in range(row):
        await pilot.press("down")
    await pilot.press("t")
    chart = await wait_for_screen(pilot, ChartScreen)
    await wait_until(pilot, lambda: chart.chart is not None, "the chart to load")
    await settle(pilot)
    return chart


async def test_chart_lines_for_pcl5_and_cssrs(tmp_path):
    made = build_profile(
        tmp_path / "p",
        [Client("PT-01", "Pat Trauma"), Client("ZZ-02", "Zed Plain")],
        [PastSession("PT-01", "2025-02-03T10:00:00+00:00", "2025-02-03T10:50:00+00:00", 50,
                     [(0, "pcl5 47"), (1, "cssrs n n n"), (2, "! denies SI/HI/SH")]),
         PastSession("PT-01", "2025-02-10T10:00:00+00:00", "2025-02-10T10:50:00+00:00", 50,
                     [(0, "pcl5 31"), (1, "cssrs n n n")]),
         PastSession("ZZ-02", "2025-02-11T10:00:00+00:00", "2025-02-11T10:50:00+00:00", 50, [(0, "phq9 5")])],
    )
    s1, s2, s3 = made.session_ids
    sign_sessions(made, [(s1, "2025-02-03T12:00:00+00:00", "Trauma symptoms high.", "low"),
                         (s2, "2025-02-10T12:00:00+00:00", "Trauma symptoms easing.", "low"),
                         (s3, "2025-02-11T12:00:00+00:00", "Mild low mood.", "low")])
    app = made.app()
    async with app.run_test(size=SIZE) as pilot:
        chart = await _chart(pilot, 0)
        assert chart.chart.client["code"] == "PT-01"
        pcl5, cssrs = chart.query_one("#trend-pcl5", ScoreTrend), chart.query_one("#trend-cssrs", ScoreTrend)
        assert pcl5.display and cssrs.display
        assert "PCL-5 31 (near cut-off, 31–33) on 2025-02-10, down 16 since the first of 2 (47, probable PTSD)" in str(pcl5.render())
        assert "C-SSRS screen negative on 2025-02-10, no change since the first of 2" in str(cssrs.render())
        await pilot.press("escape")
        chart = await _chart(pilot, 1)
        assert chart.chart.client["code"] == "ZZ-02"
        assert not chart.query_one("#trend-pcl5", ScoreTrend).display
        assert not chart.query_one("#trend-cssrs", ScoreTrend).display
