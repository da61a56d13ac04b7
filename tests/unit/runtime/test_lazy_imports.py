"""Import less (issue 14): the path a clinician waits on (`hushpad jot CODE`: the app module,
unlock, the record and vault opened, a session started and its jottings saved and read
back, audited) never loads sqlite_utils or the export and lookup libraries; schema work
(a migration, which every new profile runs) still does, and `store.db` still gives a
working sqlite_utils Database. Each case runs in a fresh interpreter on real SQLCipher
files on disk: sys.modules is per-process, so only a new process shows what a start imports.

The device key sits in a file-backed key store (a test stand-in for the Secret Service, so
that a second process can unlock what the first one made)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Loaded only where they are needed (exports, FTS and schema work, PDF and FHIR exports,
# diagnosis look-up, note rendering), never by the jotting path.
DEFERRED = ("sqlite_utils", "sqlite_fts4", "click", "pluggy", "fpdf", "fhir", "pypdf", "simple_icd_10_cm",
            "markdown_it", "tui.domain.canonical", "tui.domain.lint")

PRELUDE = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from tui.storage.keyring_access import BackendInfo

    class FileKeyring:
        def __init__(self, path):
            self.path = Path(path)
        def describe(self):
            return BackendInfo("file (test stand-in)", True, "test only")
        def _items(self):
            return json.loads(self.path.read_text()) if self.path.exists() else {}
        def get(self, profile_id):
            return self._items().get(profile_id)
        def set(self, profile_id, value):
            items = self._items(); items[profile_id] = value
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(items, fh)
        def delete(self, profile_id):
            items = self._items(); items.pop(profile_id, None)
            self.path.write_text(json.dumps(items))

    def loaded(names):
        return sorted({n for n in names for m in sys.modules if m == n or m.startswith(n + ".")})

    root, keys, deferred = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    from tui.config import load_config
    config = load_config(root, explicit_profile=True)
    """
)

SET_UP = PRELUDE + textwrap.dedent(
    """
    from tui.services import access
    from tui.services.workspace import Workspace
    profile, _code = access.initialise(config, FileKeyring(keys), None)  # every migration, v0 to the latest
    after_migrations = loaded(["sqlite_utils"])
    ws = Workspace(profile, config)
    ws.add_client("AB12", "Test Person")
    tables = profile.record.db.table_names()  # the lazy sqlite_utils handle works on the same connection
    ws.close()
    print(json.dumps({"after_migrations": after_migrations, "has_sessions_table": "sessions" in tables}))
    """
)

JOT = PRELUDE + textwrap.dedent(
    """
    import tui.cli, tui.app  # what `hushpad` imports before its first frame
    # what the unlock worker imports for `hushpad jot` (tui/app.py unlock_with_keyring)
    from tui.services import access
    from tui.services.workspace import Workspace
    from tui.screens import scratchpad
    from tui.services.saving import prepare_and_find
    from tui.storage.vault import JottingLine

    profile = access.unlock(config, keystore=FileKeyring(keys))
    ws = Workspace(profile, config)
    prepare_and_find(ws)
    start = ws.open_scratchpad(ws.start_session(ws.client_by_code("AB12")["id"]))
    ws.save_jottings(start.session, [JottingLine(1, "slept badly"), JottingLine(2, "argued with sister")])
    ws.record.audit("clinician", "test.jotted", f"session:{start.session.id}")
    read_back = [line.text for line in ws.load_jottings(start.session)]
    audited = ws.record.query_one("SELECT count(*) AS n FROM audit_log WHERE action = 'test.jotted'")["n"]
    ws.close()
    print(json.dumps({"deferred": loaded(deferred), "needed": loaded(["sqlcipher3", "cryptography", "textual"]),
                      "read_back": read_back, "audited": audited}))
    """
)


def run(code: str, root: Path, keys: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", code, str(root), str(keys), json.dumps(DEFERRED)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_jotting_path_imports_no_sqlite_utils_but_migrations_do(tmp_path: Path) -> None:
    root, keys = tmp_path / "profile", tmp_path / "keys.json"
    made = run(SET_UP, root, keys)
    # A migration is schema work: it loads sqlite_utils (lazily, from the migration runner).
    assert made == {"after_migrations": ["sqlite_utils"], "has_sessions_table": True}

    jot = run(JOT, root, keys)
    # The walk really opened the stores, wrote and read back (so an empty run cannot pass) ...
    assert jot["needed"] == ["cryptography", "sqlcipher3", "textual"]
    assert jot["read_back"] == ["slept badly", "argued with sister"]
    assert jot["audited"] == 1
    # ... and none of the deferred modules came with it.
    assert jot["deferred"] == [], f"imported on the jotting path: {jot['deferred']}"


def test_a_pending_migration_on_open_loads_sqlite_utils(tmp_path: Path) -> None:
    """An existing store one schema behind: opening it runs the migration, through sqlite_utils."""
    root = tmp_path / "d"
    root.mkdir()
    stores = textwrap.dedent(
        """
        from tui.storage.db import EncryptedStore
        class Old(EncryptedStore):
            migrations = (("CREATE TABLE a (x)",),)
        class New(EncryptedStore):
            migrations = (("CREATE TABLE a (x)",), ("CREATE TABLE b (y)",))
        """
    )
    make = PRELUDE + stores + 'Old(root / "s.db", bytes(range(32)), create=True).close()\nprint("{}")\n'
    run(make, root, tmp_path / "unused.json")
    upgrade = PRELUDE + stores + textwrap.dedent(
        """
        before = loaded(["sqlite_utils"])
        store = New(root / "s.db", bytes(range(32)))
        print(json.dumps({"before": before, "after": loaded(["sqlite_utils"]), "version": store.schema_version,
                          "tables": sorted(r["name"] for r in store.query("SELECT name FROM sqlite_master"))}))
        store.close()
        """
    )
    out = run(upgrade, root, tmp_path / "unused.json")
    assert out == {"before": [], "after": ["sqlite_utils"], "version": 2, "tables": ["a", "b"]}


def test_reopening_an_up_to_date_store_does_not_load_sqlite_utils(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    make = PRELUDE + textwrap.dedent(
        """
        from tui.storage.db import EncryptedStore
        class S(EncryptedStore):
            migrations = (("CREATE TABLE a (x, x2)",), ("INSERT INTO a VALUES (1, 2)",))
        S(root / "s.db", bytes(range(32)), create=True).close()
        print(json.dumps({"migrated": loaded(["sqlite_utils"])}))
        """
    )
    assert run(make, root, tmp_path / "unused.json") == {"migrated": ["sqlite_utils"]}
    reopen = PRELUDE + textwrap.dedent(
        """
        from tui.storage.db import EncryptedStore
        class S(EncryptedStore):
            migrations = (("CREATE TABLE a (x, x2)",), ("INSERT INTO a VALUES (1, 2)",))
        store = S(root / "s.db", bytes(range(32)))
        rows = store.query("SELECT x, x2, x AS x2 FROM a")  # duplicate names read as sqlite_utils read them
        before_db = loaded(["sqlite_utils"])
        handle = store.db
        print(json.dumps({"rows": rows, "before_db": before_db, "after_db": loaded(["sqlite_utils"]),
                          "same_conn": handle.conn is store.conn}))
        store.close()
        """
    )
    out = run(reopen, root, tmp_path / "unused.json")
    assert out == {"rows": [{"x": 1, "x2": 2, "x2_2": 1}], "before_db": [], "after_db": ["sqlite_utils"],
                   "same_conn": True}


def test_the_restarting_process_imports_nothing_beyond_its_own_module() -> None:
    # `hushpad` starts twice on Linux (tui/launch.py); the first process only re-executes
    # itself, so every module it loads is paid for again by the second (dataclasses, via
    # tui.hardening, was ~7 ms of each start).
    code = ("import sys; before = set(sys.modules); import tui.launch; "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout.strip())) - {"__future__"}  # site may load it first, or not
    assert loaded == {"tui", "tui.launch", "tui.scrub_settings"}
    # and the constants it sets are still the ones tui.hardening (doctor) checks against
    from tui import hardening, launch

    assert (hardening.MARK, hardening.PERTURB_BYTE, hardening.TCACHE_OFF) == (launch.MARK, launch.PERTURB_BYTE,
                                                                             launch.TCACHE_OFF)
