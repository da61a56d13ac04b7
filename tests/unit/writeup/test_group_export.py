"""A records request for one group member carries only that member's own lines."""

import json

from tui.services.records_export import RecordsExport
from tui.storage.vault import JottingLine

LINES = [
    '@AB " I always end up apologising',          # Alice's
    "@TF o quiet, arms crossed",                  # Tom's
    "o Tom tearful about his brother",            # Tom's, by name
    "~ @AB reminds me of my sister",              # private about Alice
    "~ @TF he irritates me, supervision",         # private about Tom
    "~ group felt flat, I was tired",             # private about no one
    "* topic: shame",                             # the group's
]


def test_include_private_exports_only_the_clients_own_group_lines(env):
    alice = env.ws.add_client("C-201", "Alice Brown", "", [])
    tom = env.ws.add_client("C-202", "Tom Fox", "", [])
    session = env.ws.start_group_session([alice, tom])
    env.ws.save_jottings(session, [JottingLine(i, t) for i, t in enumerate(LINES)])
    env.ws.end_session(session)

    exported = json.loads(RecordsExport(env.ws).client("C-201", "json", include_private=True))
    texts = [j["text"] for s in exported["psychotherapy_notes"] for j in s["jottings"]]
    assert texts == ['@AB " I always end up apologising', "~ @AB reminds me of my sister"]

    markdown = RecordsExport(env.ws).client("C-202", "md", include_private=True)
    for line in LINES:
        mine = line in ("@TF o quiet, arms crossed", "o Tom tearful about his brother", "~ @TF he irritates me, supervision")
        assert (line in markdown) is mine, line

