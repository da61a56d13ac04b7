"""Search: what is typed is searched literally (FTS5 syntax loses its meaning), never raises,
and stays bounded however many notes match."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.services.search import SEARCH_LIMIT, SNIPPET_END, SNIPPET_START, fts_query


@pytest.fixture
def notes(env):
    """Signed notes with words an FTS query would treat as syntax."""
    a, b = env.client("AA-01"), env.client("BB-02")
    texts = {
        "near": "Wombat moved NEAR the coast; OR else stayed.",
        "minus": "Self-criticism a well-known pattern for the wombat.",
        "star": 'Rated the quokka* week and said (quokka) "wonderful".',
        "prefix": "Quokkaland trip was wonderfulness itself.",
        "colon": "Focus: sleep^hygiene and body:mind links.",
        "plain": "Sleep diary shows five hours most nights.",
    }
    ids = {}
    for n, (key, text) in enumerate(texts.items()):
        session = env.session(a if key != "plain" else b, f"2025-01-{n + 1:02d}T10:00:00+00:00")
        ids[key] = env.sign(session, f"2025-01-{n + 1:02d}T12:00:00+00:00", assessment=text)
    return env, a, b, ids


def literal_oracle(env, typed: str) -> set[int]:
    """Notes whose text holds every typed word, each word's parts adjacent: the literal meaning."""
    notes = env.record.query("SELECT id, canonical_text FROM progress_notes WHERE status = 'signed'")
    wanted = [re.findall(r"\w+", word.casefold()) for word in typed.split()]
    wanted = [w for w in wanted if w]
    found = set()
    for note in notes:
        tokens = re.findall(r"\w+", note["canonical_text"].casefold())
        if wanted and all(any(tokens[i:i + len(w)] == w for i in range(len(tokens))) for w in wanted):
            found.add(note["id"])
    return found


@pytest.mark.parametrize("typed, must, must_not", [
    ('"wonderful"', {"star"}, {"prefix"}),
    ("quokka*", {"star"}, {"prefix"}),  # not a prefix query
    ("NEAR coast", {"near"}, set()),  # NEAR is a word here
    ("wombat OR coast", {"near"}, {"minus"}),  # OR is a word, not a disjunction
    ("well-known", {"minus"}, set()),
    ("wombat -criticism", {"minus"}, {"near"}),  # a minus is not NOT
    ("(quokka)", {"star"}, set()),
    ("body:mind", {"colon"}, set()),  # not a column filter
    ("^hygiene", {"colon"}, set()),  # not an initial-token query
    ("sleep^hygiene", {"colon"}, {"plain"}),
])
def test_fts_syntax_is_searched_literally(notes, typed, must, must_not):
    env, _a, _b, ids = notes
    results = env.search.search(typed)
    hit_ids = {h.note_id for h in results.hits}
    assert {ids[k] for k in must} <= hit_ids
    assert not {ids[k] for k in must_not} & hit_ids
    assert hit_ids == literal_oracle(env, typed)
    assert results.total == len(hit_ids)


@pytest.mark.parametrize("typed", ['"', '"unbalanced', "(", "((sleep", "sleep)", ")", "*", "-", ":", "^", "NEAR(",
                                   "NEAR(a b, 3)", "a OR", "AND", "NOT sleep", '""', "' OR 1=1 --", "col:", "{a b}:x",
                                   "\x00", "sleep\x00", "0\x00", "a\x00b", "\x01", "\x02", "   ", "", "-sleep -", "sleep*", "NEAR/2"])
def test_awkward_input_never_raises(notes, typed):
    env, a, _b, _ids = notes
    for client in (None, a):
        results = env.search.search(typed, client)
        assert results.total >= len(results.hits) >= 0


def test_client_scope(notes):
    env, a, b, ids = notes
    everywhere = {h.note_id for h in env.search.search("sleep").hits}
    assert everywhere == {h.note_id for h in env.search.search("sleep", a).hits} | {ids["plain"]}
    assert {h.note_id for h in env.search.search("diary", b).hits} == {ids["plain"]}
    assert env.search.search("diary", a).total == 0


def test_snippet_marks_matches_with_control_markers(notes):
    env, _a, _b, ids = notes
    (hit,) = env.search.search("coast").hits  # only in one note
    assert f"{SNIPPET_START}coast{SNIPPET_END}" in hit.snippet.lower()
    assert hit.client_code == "AA-01" and hit.date == "2025-01-01" and hit.kind == "note"


def test_addendum_is_searchable(notes):
    from tui.services.writeup import NoteRecords

    env, _a, _b, ids = notes
    NoteRecords(env.ws).add_addendum(ids["plain"], "Zebrafinch mentioned by the client.")
    hits = env.search.search("zebrafinch").hits
    assert [(h.note_id, h.kind) for h in hits] == [(ids["plain"], "addendum")]


def test_fts_query_quotes_every_token():
    assert fts_query('say "hi" NEAR me') == '"say" """hi""" "NEAR" "me"'
    assert fts_query("  ") is None and fts_query("- * ( )") is None
    assert fts_query(" ".join(["w"] * 100)).count('"w"') == 32


def test_results_are_capped_and_counted(env):
    """Many more matches than the cap: the count is exact, the list is capped."""
    a = env.client("AA-01")
    with env.record.transaction() as conn:
        conn.executemany(
            "INSERT INTO note_search (body, note_id, client_id, kind) VALUES (?, ?, ?, 'note')",
            [(f"common word {i}", 0, a) for i in range(SEARCH_LIMIT * 3)])
        # real notes too, so the joins to sessions/clients have rows
    for i in range(3):
        env.sign(env.session(a, f"2025-01-0{i + 1}T10:00:00+00:00"), f"2025-01-0{i + 1}T12:00:00+00:00",
                 assessment=f"common word real {i}")
    results = env.search.search("common word")
    assert results.total == SEARCH_LIMIT * 3 + 3
    assert len(results.hits) <= SEARCH_LIMIT
    assert len(env.search.search("common word", limit=7).hits) == 3  # orphans have no session to join


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
       | st.lists(st.sampled_from(['"', "*", "NEAR", "OR", "AND", "NOT", "-", "(", ")", ":", "^", "sleep", "{", "}",
                                   "+", "NEAR(", "'", "\\", "/", ",", "diary"]), max_size=12).map(" ".join)
       | st.lists(st.sampled_from(['"', "*", "NEAR", "OR", "-", "(", ")", ":", "^", "sleep"]), max_size=12).map("".join))
def test_search_never_raises(env_factory, text):
    search = env_factory.search
    for client in (None, 1):
        results = search.search(text, client)
        assert results.total >= len(results.hits)


def test_one_client_count_is_capped_and_says_so(env):
    from tui.services.search import SCOPED_COUNT_CAP

    a, b = env.client("AA-01"), env.client("BB-02")
    with env.record.transaction() as conn:
        conn.executemany("INSERT INTO note_search (body, note_id, client_id, kind) VALUES (?, 0, ?, 'note')",
                         [(f"plenty {i}", a) for i in range(SCOPED_COUNT_CAP + 5)] + [("plenty b", b)])
    scoped = env.search.search("plenty", a)
    assert (scoped.total, scoped.more, scoped.total_text) == (SCOPED_COUNT_CAP, True, f"{SCOPED_COUNT_CAP:,}+")
    everywhere = env.search.search("plenty")
    assert (everywhere.total, everywhere.more) == (SCOPED_COUNT_CAP + 6, False)
    small = env.search.search("plenty", b)
    assert (small.total, small.more, small.total_text) == (1, False, "1")
