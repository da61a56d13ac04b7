"""Search ranking and matching on a small code set built from rows (no package load)."""

from tui.domain.diagnoses import CodeSet

ROWS = [
    ("5", "Mental, Behavioral and Neurodevelopmental disorders", False),  # a chapter: skipped
    ("F30-F39", "Mood [affective] disorders", False),                      # a block: skipped
    ("F32", "Depressive episode", False),
    ("F32.1", "Major depressive disorder, single episode, moderate", True),
    ("F32.A", "Depression, unspecified", True),
    ("F41.1", "Generalized anxiety disorder", True),
    ("F41.9", "Anxiety disorder, unspecified", True),
    ("O99.340", "Other mental disorders complicating pregnancy, unspecified trimester", True),
    ("R45.851", "Suicidal ideations", True),
    ("S00.00XA", "Unspecified superficial injury of\tscalp,  initial encounter", True),
    ("Z63.0", "Problems in relationship with spouse or partner", True),
    ("Z91.51", "Personal history of suicidal behavior", True),
]
CODES = CodeSet(ROWS, version="test")


def found(query, **kw):
    return [e.code for e in CODES.search(query, **kw)]


def test_chapters_and_blocks_are_not_codes():
    assert len(CODES) == len(ROWS) - 2
    assert CODES.lookup("F30-F39") is None


def test_whitespace_in_titles_is_tidied():
    assert CODES.lookup("S00.00XA").title == "Unspecified superficial injury of scalp, initial encounter"


def test_whole_words_outrank_prefixes_and_f_outranks_others():
    assert found("mental disorder")[0] == "O99.340"  # only title with both
    assert found("suicidal") == ["R45.851", "Z91.51"]  # R and Z rank alike; shorter title first
    assert found("anxiety") == ["F41.9", "F41.1"]  # starts with the word first


def test_code_prefix_and_words_together():
    assert found("F41 anxiety") == ["F41.1", "F41.9"]  # no title starts with "f41": code order
    assert found("F41 generalized") == ["F41.1"]
    assert found("F41.1") == ["F41.1"]


def test_headings_only_on_request():
    assert found("F32") == ["F32.1", "F32.A"]
    assert found("F32", billable_only=False) == ["F32", "F32.1", "F32.A"]


def test_behaviour_finds_behavior():
    assert found("behaviour") == ["Z91.51"]


def test_concurrent_first_calls_build_the_code_set_once(monkeypatch):
    import threading

    from tui.domain import diagnoses

    builds = []
    barrier = threading.Barrier(4)

    def slow_build():
        builds.append(1)
        return CodeSet(ROWS)

    monkeypatch.setattr(diagnoses, "_CODE_SET", None)
    monkeypatch.setattr(diagnoses.CodeSet, "from_package", staticmethod(slow_build))
    got = []

    def first_use():
        barrier.wait()
        got.append(diagnoses.code_set())

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len({id(g) for g in got}) == 1
