"""Disk use of a scripted 60-minute session: WAL size and profile size against the text typed.

    .venv/bin/python benchmarks/wal_growth.py            # both scenarios
    .venv/bin/python benchmarks/wal_growth.py --quick    # a 15-minute session only

Each scenario types a session's jottings into a real profile (``profile.initialise`` with a
MemoryKeyring) through the real save path, ``VaultStore.save_jottings``, saving the whole
document as the Autosaver does: one save per ~0.3 s of typing (about every keystroke at
clinical typing speed), with pauses between lines that cost nothing. Now and then an
earlier line is corrected, a line is inserted in the middle, or a word is deleted.

- ``session``: 60 minutes, 45 jottings of 40-110 characters (about 3-4 KB of text).
- ``heavy``: the issue's case, a 15 KB document (a long group session), saved the same way.

Each scenario runs twice in the same run: ``rows`` is today's save path; ``document`` is
the baseline, the old whole-document save (one JSON row per session, SQLite's default
checkpointing), rebuilt here on the same SQLCipher store class so the two compare fairly.

Time is simulated (the saves run back to back), so the script takes seconds, not an hour.
Reported: the vault WAL's largest and final size, the vault's files (db, -wal, -shm) at
their largest and after close, and the whole profile folder while open (without the
deliberate reserve.bin, shown apart), each as a ratio to the UTF-8 size of the final text.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tui.storage.db import EncryptedStore  # noqa: E402
from tui.storage.keyring_access import MemoryKeyring  # noqa: E402
from tui.storage.paths import ProfilePaths  # noqa: E402
from tui.storage.profile import initialise  # noqa: E402
from tui.storage.record import now_iso  # noqa: E402
from tui.storage.reserve import RESERVE_NAME  # noqa: E402
from tui.storage.vault import VAULT_V1, JottingLine  # noqa: E402

WORDS = ("sleep worry work sister argument avoidance walk diary panic breathing exposure grief mother exam "
         "class commute anger rumination weekend appetite energy motivation routine friend budget habit "
         "trigger relapse craving values boundary reports tearful flat affect denies SI/HI CR BA PE MI").split()
MARKERS = ['" ', "o ", "> ", "< ", "* ", "! ", "hw ", "? ", "~ ", "", "", ""]
CHARS_PER_SECOND = 3.5  # a clinician half-watching the keyboard
SAVE_EVERY_S = 0.3  # the Autosaver's delay: one save per 0.3 s burst of typing


def sentence(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    text = rng.choice(MARKERS)
    while len(text) < target:
        text += rng.choice(WORDS) + " "
    return text.strip()


def folder_size(path: Path, prefix: str = "") -> int:
    return sum(p.stat().st_size for p in path.iterdir()
               if p.is_file() and p.name.startswith(prefix) and p.name != RESERVE_NAME)


class WholeDocumentVault(EncryptedStore):
    """The baseline: the save path before issue 9 (whole document per save, default WAL)."""

    name = "vault"
    migrations = (VAULT_V1,)

    def __init__(self, path: Path, key: bytes) -> None:
        super().__init__(path, key, create=True)
        self.conn.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's defaults
        self.conn.execute("PRAGMA journal_size_limit = -1")

    def _checkpoint_if_big(self) -> None:
        pass

    def save_jottings(self, doc_key: str, lines: list[JottingLine]) -> int:
        payload = json.dumps([[line.minute, line.text] for line in lines], ensure_ascii=False)
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO jotting_documents (doc_key, lines_json, revision, updated_at) VALUES (?, ?, 1, ?)
                   ON CONFLICT (doc_key) DO UPDATE SET lines_json = excluded.lines_json,
                     revision = jotting_documents.revision + 1, updated_at = excluded.updated_at""",
                (doc_key, payload, now_iso()))
            return int(conn.execute("SELECT revision FROM jotting_documents WHERE doc_key = ?", (doc_key,)).fetchone()[0])

    def load_jottings(self, doc_key: str) -> list[JottingLine]:
        row = self.query_one("SELECT lines_json FROM jotting_documents WHERE doc_key = ?", (doc_key,))
        return [JottingLine(int(m), str(t)) for m, t in json.loads(row["lines_json"])] if row else []


def run_scenario(name: str, lines_wanted: int, low: int, high: int, minutes: int, seed: int,
                 mode: str = "rows") -> dict[str, float]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="hushpad-wal-") as tmp:
        paths = ProfilePaths(Path(tmp) / "profile")
        profile, _code = initialise(paths, MemoryKeyring(), None, actor="bench")
        try:
            client_id = profile.record.add_client("WAL01", "Bench Person")
            with profile.record.transaction() as conn:
                session_id = conn.execute(
                    "INSERT INTO sessions (client_id, started_at) VALUES (?, '2025-01-06T10:00:00+00:00')",
                    (client_id,)).lastrowid
            doc_key = f"session:{session_id}"
            vault = profile.vault
            if mode == "document":
                vault = WholeDocumentVault(paths.root / "vault-baseline.db", profile.deks()["vault"])
            vault_wal = Path(f"{vault.path}-wal")
            empty_profile = folder_size(paths.root)
            doc: list[JottingLine] = []
            saves, save_times, wal_max, vault_max, typed_chars = 0, [], 0, 0, 0

            def save() -> None:
                nonlocal saves, wal_max, vault_max
                start = time.perf_counter()
                vault.save_jottings(doc_key, list(doc))
                save_times.append(time.perf_counter() - start)
                saves += 1
                wal_max = max(wal_max, vault_wal.stat().st_size if vault_wal.exists() else 0)
                vault_max = max(vault_max, folder_size(paths.root, vault.path.name))

            chars_per_save = max(1, round(CHARS_PER_SECOND * SAVE_EVERY_S))
            for i in range(lines_wanted):
                minute = i * minutes // lines_wanted
                target = sentence(rng, low, high)
                roll = rng.random()
                if doc and roll < 0.05:  # insert a forgotten line in the middle
                    at = rng.randrange(len(doc))
                    doc.insert(at, JottingLine(minute, ""))
                else:
                    at = len(doc)
                    doc.append(JottingLine(minute, ""))
                for cut in range(chars_per_save, len(target) + chars_per_save, chars_per_save):
                    doc[at] = JottingLine(minute, target[:cut])
                    typed_chars += chars_per_save
                    save()
                if doc and rng.random() < 0.10:  # correct an earlier line
                    j = rng.randrange(len(doc))
                    doc[j] = JottingLine(doc[j].minute, doc[j].text + " (corr)")
                    save()
                if len(doc) > 3 and rng.random() < 0.03:  # delete a line typed by mistake
                    del doc[rng.randrange(len(doc))]
                    save()
            text_bytes = sum(len(line.text.encode()) for line in doc) or 1
            assert vault.load_jottings(doc_key) == doc, "the saved document differs from what was typed"
            open_wal = vault_wal.stat().st_size if vault_wal.exists() else 0
            open_profile = folder_size(paths.root)
            reserve = (paths.root / RESERVE_NAME).stat().st_size if (paths.root / RESERVE_NAME).exists() else 0
        finally:
            if vault is not profile.vault:
                vault.close()
            profile.close()
        closed_vault = folder_size(paths.root, vault.path.name)
        closed_profile = folder_size(paths.root)
    return {
        "scenario": f"{name}/{mode}", "lines": len(doc), "text": text_bytes, "saves": saves,
        "wal_max": wal_max, "wal_end": open_wal, "vault_max": vault_max, "vault_closed": closed_vault,
        "reserve": reserve,
        "profile_empty": empty_profile, "profile_open": open_profile, "profile_closed": closed_profile,
        "save_ms_median": statistics.median(save_times) * 1000, "save_ms_p99": sorted(save_times)[int(len(save_times) * .99)] * 1000,
    }


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one 15-minute session only")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scenarios = [("session", 45, 40, 110, 60), ("heavy", 200, 60, 100, 60)]
    if args.quick:
        scenarios = [("session-15min", 12, 40, 110, 15)]
    results = [run_scenario(*s, seed=args.seed, mode=mode) for s in scenarios for mode in ("document", "rows")]
    print(f"{'scenario':<18}{'lines':>6}{'text':>11}{'saves':>7}{'WAL max':>13}{'WAL end':>12}{'vault max':>12}"
          f"{'vault closed':>14}{'profile open*':>15}{'save ms p50/p99':>18}")
    for r in results:
        print(f"{r['scenario']:<18}{r['lines']:>6}{kib(r['text']):>11}{r['saves']:>7}{kib(r['wal_max']):>13}"
              f"{kib(r['wal_end']):>12}{kib(r['vault_max']):>12}{kib(r['vault_closed']):>14}{kib(r['profile_open']):>15}"
              f"{r['save_ms_median']:>10.2f}/{r['save_ms_p99']:.2f}")
    print(f"* without reserve.bin ({kib(results[-1]['reserve'])}, kept on purpose for a full disk); the document rows "
          "also hold the rows profile's (unused) vault.db")
    by_name = {r["scenario"]: r for r in results}
    for name, *_ in scenarios:
        old, new = by_name[f"{name}/document"], by_name[f"{name}/rows"]
        print(f"SUMMARY {name}: vault files at their largest {new['vault_max'] / new['text']:.1f}x text "
              f"(baseline whole-document save {old['vault_max'] / old['text']:.1f}x; ratio {new['vault_max'] / old['vault_max']:.3f}), "
              f"WAL max {new['wal_max'] / new['text']:.1f}x text (baseline {old['wal_max'] / old['text']:.1f}x), "
              f"save p50 {new['save_ms_median'] / old['save_ms_median']:.2f}x baseline; goal: a small multiple of the text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
