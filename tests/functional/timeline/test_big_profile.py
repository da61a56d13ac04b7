"""Bad input at scale: a 10,000-note profile (benchmarks/make_profile.py). A search matching
every note completes, the list holds the cap and the summary gives the count; the chart of
the 10,000-session client shows its first page, then every session. No time is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from tui.app import make_app
from tui.screens.chart import ChartScreen
from tui.screens.clients import ClientsScreen
from tui.screens.search import SearchScreen
from tui.services.chart import CHART_FIRST_PAGE
from tui.services.search import SCOPED_COUNT_CAP, SEARCH_LIMIT
from tui.widgets.row_list import RowList

from ..helpers import SIZE, screen_text, wait_for_screen, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import make_profile  # noqa: E402

BIG = 10_000


@pytest.fixture(scope="module")
def big_profile(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big")
    make_profile.make(out, clients=3, big_sessions=BIG, mid_sessions=5, small_sessions=2)
    return out


async def test_search_over_ten_thousand_notes_is_capped_and_counted(big_profile):
    config, keystore = make_profile.load(big_profile)
    meta = make_profile.meta(big_profile)
    notes = sum(c["signed_notes"] for c in meta["clients"].values())
    app = make_app(config, keystore=keystore)
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 3, "three clients")
        await pilot.press("ctrl+f")
        search = await wait_for_screen(pilot, SearchScreen)
        # "synthetic" is in the goal evidence of every bulk-signed note
        search.query_one(Input).value = "synthetic"
        results = search.query_one(RowList)
        summary = search.query_one("#search-summary", Static)
        await wait_until(pilot, lambda: len(results.rows) == SEARCH_LIMIT, "the capped result list", timeout=60)
        total = app.workspace.record.query_one(
            "SELECT count(*) AS n FROM note_search WHERE note_search MATCH '\"synthetic\"'")["n"]
        assert total >= BIG - 1
        assert f"{total:,} note matches, best {SEARCH_LIMIT} shown" in str(summary.render())
        await pilot.press("down", "end")  # to the last result: the list stays live
        assert results.cursor == SEARCH_LIMIT - 1
        assert total <= notes


async def test_big_chart_first_page_then_everything_and_scoped_search(big_profile):
    config, keystore = make_profile.load(big_profile)
    app = make_app(config, keystore=keystore)
    async with app.run_test(size=SIZE) as pilot:
        clients = await wait_for_screen(pilot, ClientsScreen)
        await wait_until(pilot, lambda: clients.query_one(DataTable).row_count == 3, "three clients")
        assert clients._current().code == "BIG-01"
        await pilot.press("t")
        chart = await wait_for_screen(pilot, ChartScreen)
        listed = chart.query_one(RowList)
        await wait_until(pilot, lambda: len(listed.rows) == BIG + 1, "every session", timeout=60)
        assert listed.rows[0].number == BIG + 1 and listed.rows[-1].number == 1
        await pilot.press("pagedown", "pagedown", "end")
        assert listed.cursor == BIG
        assert f"{'1':>5}  SOAP" in screen_text(app)
        await pilot.press("home", "slash")
        search = await wait_for_screen(pilot, SearchScreen)
        search.query_one(Input).value = "synthetic"
        summary = search.query_one("#search-summary", Static)
        await wait_until(pilot, lambda: "best" in str(summary.render()), "the scoped results", timeout=60)
        assert f"{SCOPED_COUNT_CAP:,}+ note matches, best {SEARCH_LIMIT} shown" in str(summary.render())
        assert CHART_FIRST_PAGE < BIG
