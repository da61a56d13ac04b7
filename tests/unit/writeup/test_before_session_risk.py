"""Before session reads the latest signed note's risk statement, and lists notes still due."""

from tui.services.chart import ClientChart
from tui.services.writeup import WriteupService

from .conftest import complete, sign


def test_panel_says_what_the_signed_note_says_and_what_is_missing(env, client):
    svc = WriteupService(env.ws)
    first = env.session(client, ["! passive SI, no plan, no intent", "! denies HI, denies SH",
                                 "! protective: children", "! moderate risk", "> safety plan reviewed"])
    w = complete(svc.open(first.id))
    sign(svc, w)
    env.session(client, ['" second session, not written up'])

    panel = ClientChart(env.ws).before_session(client)
    assert "Endorses SI: passive SI, no plan, no intent." in panel.risk_summary
    assert "Protective factors: children." in panel.risk_summary and "Safety plan reviewed." in panel.risk_summary
    assert panel.risk_level == "moderate"
    assert [what for _, what in panel.missing_notes] == ["no note"]
