"""Full garbage collections wait for a pause (tui/heap.py): none starts by itself while the
app is unlocked, one runs once the clinician pauses or when it is overdue, and locking hands
collection back to the interpreter. Each case runs in a fresh interpreter: gc state is global."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PRELUDE = """
import gc
from tui.heap import Heap, OVERDUE_PASSES
full = []
gc.callbacks.append(lambda phase, info: phase == "start" and info["generation"] == 2 and full.append(1))
def churn(n):
    # Objects in reference cycles: garbage only the collector can free, so passes happen.
    for _ in range(n):
        a = []; a.append(a)
"""


def run(body: str) -> str:
    code = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_interpreter_runs_full_collections_on_its_own_without_deferral() -> None:
    # The control: the same churn does start full collections when nothing defers them.
    assert int(run("churn(2_000_000); print(len(full))")) > 0


def test_no_full_collection_starts_by_itself_while_deferred() -> None:
    out = run("""
        heap = Heap(); heap.freeze_base(); full.clear()
        before = gc.get_threshold()
        churn(2_000_000)
        print(len(full), before[2] >= 1_000_000)
    """)
    assert out == "0 True"


def test_a_pause_runs_the_due_collection_and_typing_does_not() -> None:
    out = run("""
        heap = Heap(); heap.freeze_base(); full.clear()
        churn(300_000)  # some middle-generation passes, fewer than overdue
        assert 10 <= gc.get_count()[2] < OVERDUE_PASSES, gc.get_count()
        typing = heap.collect_when_idle(0.1)   # keys still coming: wait
        paused = heap.collect_when_idle(1.5)   # a pause: run it now
        print(typing, paused, len(full), gc.get_count()[2])
    """)
    assert out == "False True 1 0"


def test_an_overdue_collection_runs_even_while_typing() -> None:
    out = run("""
        heap = Heap(); heap.freeze_base(); full.clear()
        churn(3_000_000)
        assert gc.get_count()[2] >= OVERDUE_PASSES, gc.get_count()
        print(heap.collect_when_idle(0.0), len(full))
    """)
    assert out == "True 1"


def test_lock_gives_collection_back_to_the_interpreter() -> None:
    out = run("""
        original = gc.get_threshold()
        heap = Heap(); heap.freeze_base(); heap.release()
        print(gc.get_threshold() == original, heap.collect_when_idle(10.0), gc.get_freeze_count())
    """)
    assert out == "True False 0"
