"""ICD-10-CM search and the Diagnosis value, over the real code set (simple-icd-10-cm)."""

import subprocess
import sys
from datetime import date

import pytest

from tui.domain import diagnoses
from tui.domain.diagnoses import CodeSet, Diagnosis, DiagnosisError, diagnosis_problems, normalise_code


@pytest.fixture(scope="module")
def codes() -> CodeSet:
    return diagnoses.code_set()  # built once for the module (seconds)


def codes_of(entries):
    return [e.code for e in entries]


# --- the code set -----------------------------------------------------------------------

@pytest.mark.parametrize("code,title", [
    ("F32.1", "Major depressive disorder, single episode, moderate"),
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
    ("Z63.0", "Problems in relationship with spouse or partner"),
    ("R45.851", "Suicidal ideations"),
    ("F32.A", "Depression, unspecified"),
    ("T14.91XA", "Suicide attempt, initial encounter"),  # a 7th-character extension
])
def test_real_billable_codes(codes, code, title):
    entry = codes.lookup(code)
    assert entry is not None and entry.billable and entry.title == title
    assert codes.lookup(code.replace(".", "").lower()) == entry


@pytest.mark.parametrize("heading", ["F32", "F43.1", "F41", "Z63", "T14.91"])
def test_headings_exist_but_are_not_billable(codes, heading):
    entry = codes.lookup(heading)
    assert entry is not None and not entry.billable


@pytest.mark.parametrize("missing", ["F32.99", "F99.9X", "U99", "ZZZ", "", "F30-F39", "5", "[red]F32[/]"])
def test_what_is_not_a_code(codes, missing):
    assert codes.lookup(missing) is None


def test_the_code_set_is_the_whole_release(codes):
    assert len(codes) > 90_000  # ICD-10-CM has ~98,000 codes including headings
    assert codes.version.startswith("ICD-10-CM")
    billable = codes.search("F", limit=100_000)
    assert billable and all(e.billable and e.code.startswith("F") for e in billable)


# --- search by code -----------------------------------------------------------------------

def test_an_exact_code_comes_first(codes):
    for query in ("F32.1", "f32.1", "F321", " f321 "):
        assert codes_of(codes.search(query))[:1] == ["F32.1"]


def test_a_code_prefix_lists_its_billable_codes_in_code_order(codes):
    found = codes_of(codes.search("F43.1"))
    assert found[:3] == ["F43.10", "F43.11", "F43.12"]
    assert "F43.1" not in found
    assert codes_of(codes.search("F32"))[:3] == ["F32.0", "F32.1", "F32.2"]
    assert codes_of(codes.search("z63"))[0] == "Z63.0"


def test_headings_when_asked(codes):
    found = codes_of(codes.search("F43.1", billable_only=False))
    assert found[0] == "F43.1" and "F43.10" in found


def test_limit(codes):
    assert len(codes.search("F", limit=5)) == 5
    assert codes.search("F", limit=0) == []


# --- search by words ----------------------------------------------------------------------

@pytest.mark.parametrize("query,first", [
    ("generalized anxiety", "F41.1"),
    ("generalised anxiety", "F41.1"),          # British spelling
    ("generalized anx", "F41.1"),              # still typing
    ("major depressive single moderate", "F32.1"),
    ("depressive single episode moderate", "F32.1"),
    ("relationship partner", "Z63.0"),
    ("suicidal ideation", "R45.851"),
    ("si", "R45.851"),
    ("ptsd", "F43.10"),
    ("post traumatic stress", "F43.10"),
    ("posttraumatic stress", "F43.10"),
    ("prolonged grief", "F43.81"),
])
def test_words_find_the_code(codes, query, first):
    found = codes.search(query)
    assert found and found[0].code == first, codes_of(found)


def test_every_word_must_match(codes):
    found = codes.search("anxiety generalized")
    assert found and all("anxiety" in e.title.lower() and "generalized" in e.title.lower() for e in found)
    assert codes.search("anxiety xyzzy") == []


def test_mental_health_codes_rank_first(codes):
    found = codes.search("anxiety", limit=10)
    assert [e.code[0] for e in found[:5]] == ["F"] * 5
    assert all(e.billable for e in found)


def test_depression_finds_depressive_disorders_too(codes):
    found = codes_of(codes.search("depression", limit=200))
    assert "F32.A" in found and "F32.1" in found and "F33.1" in found


@pytest.mark.parametrize("hostile", ["", "   ", "[red]x[/]", "\x1b[31mF32", "\u202eF32.1", "x" * 10_000,
                                     "F32.1" * 500, ",,,", "\x00"])
def test_hostile_queries_never_raise(codes, hostile):
    found = codes.search(hostile)
    assert isinstance(found, list) and len(found) <= 20


def test_titles_are_one_line_of_text(codes):
    for entry in codes.search("intoxication", limit=500):
        assert entry.title == " ".join(entry.title.split()) and entry.title.isprintable()


# --- start-up does not pay ------------------------------------------------------------------

def test_importing_the_app_does_not_load_the_code_set():
    code = ("import sys, tui.app, tui.domain.diagnoses as d; "
            "assert 'simple_icd_10_cm' not in sys.modules, 'loaded at import'; assert not d.is_loaded()")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_code_set_is_built_once(codes):
    assert diagnoses.is_loaded()
    assert diagnoses.code_set() is codes
    assert diagnoses.search("F41.1")[0].code == "F41.1"


# --- codes and diagnoses ------------------------------------------------------------------

@pytest.mark.parametrize("typed,code", [("f321", "F32.1"), (" F32.1 ", "F32.1"), ("F43.10", "F43.10"),
                                         ("t1491xa", "T14.91XA"), ("QA0.8", "QA0.8"), ("z630", "Z63.0")])
def test_normalise_code(typed, code):
    assert normalise_code(typed) == code


@pytest.mark.parametrize("bad", ["", "32.1", "F", "F3", "F32.12345", "F32-1", "[b]F32[/b]", "F32.1\x1b"])
def test_malformed_codes_are_refused(bad):
    with pytest.raises(DiagnosisError, match="not an ICD-10-CM code"):
        normalise_code(bad)


def test_a_chosen_diagnosis_takes_the_official_title(codes):
    dx = Diagnosis.chosen("f321", primary=True, onset="2025-11-02", today=date(2026, 3, 1), codes=codes)
    assert dx == Diagnosis("F32.1", "Major depressive disorder, single episode, moderate", True, date(2025, 11, 2))
    assert dx.label() == "F32.1 Major depressive disorder, single episode, moderate (primary)"
    assert Diagnosis.from_dict(dx.to_dict()) == dx


@pytest.mark.parametrize("code,message", [
    ("F32", "heading, not a billable code"),
    ("F43.1", "heading, not a billable code"),
    ("F32.99", "not in the ICD-10-CM code set"),
    ("F99.9X", "not in the ICD-10-CM code set"),
    ("hello", "HEL.LO is not in the ICD-10-CM code set"),  # letters fit the shape since QA0 (2026)
    ("12", "not an ICD-10-CM code"),
])
def test_only_billable_codes_can_be_chosen(codes, code, message):
    with pytest.raises(DiagnosisError, match=message):
        Diagnosis.chosen(code, codes=codes)


def test_onset_in_the_future_is_refused(codes):
    with pytest.raises(DiagnosisError, match="in the future"):
        Diagnosis.chosen("F41.1", onset=date(2026, 3, 2), today=date(2026, 3, 1), codes=codes)
    assert Diagnosis.chosen("F41.1", onset=date(2026, 3, 1), today=date(2026, 3, 1), codes=codes).onset


@pytest.mark.parametrize("onset", ["yesterday", "2026-02-30", 20260101, "01/02/2026"])
def test_onset_must_be_a_date(onset):
    with pytest.raises(DiagnosisError, match="Onset must be a date"):
        Diagnosis("F41.1", "Generalized anxiety disorder", onset=onset)


def test_a_stored_diagnosis_loads_without_the_code_set():
    # A code retired in a later release stays readable with the title it was recorded with.
    old = Diagnosis.from_dict({"code": "F99.9X", "title": "Some retired code", "primary": True, "onset": ""})
    assert old.code == "F99.9X" and old.onset is None


@pytest.mark.parametrize("title", ["", "  ", "Anxiety\x1b[31m", "Anxiety\u202e", "x" * 301])
def test_titles_must_be_plain_text(title):
    with pytest.raises(DiagnosisError):
        Diagnosis("F41.1", title)


def test_primary_must_be_a_bool():
    with pytest.raises(DiagnosisError, match="true or false"):
        Diagnosis("F41.1", "Generalized anxiety disorder", primary="yes")


def test_problems_with_a_list():
    gad = Diagnosis("F41.1", "Generalized anxiety disorder", primary=True)
    mdd = Diagnosis("F32.1", "Major depressive disorder, single episode, moderate")
    assert diagnosis_problems([]) == []
    assert diagnosis_problems([gad, mdd]) == []
    assert diagnosis_problems([mdd]) == ["Mark one diagnosis as primary."]
    two = Diagnosis("F32.1", mdd.title, primary=True)
    assert diagnosis_problems([gad, two]) == ["Only one diagnosis can be primary (F41.1, F32.1 are marked)."]
    assert diagnosis_problems([gad, mdd, mdd]) == ["F32.1 is listed twice."]
    later = Diagnosis("Z63.0", "Problems in relationship with spouse or partner", onset=date(2026, 5, 1))
    assert diagnosis_problems([gad, later], today=date(2026, 4, 1)) == ["Onset 2026-05-01 for Z63.0 is in the future."]
