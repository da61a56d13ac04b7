"""Search across signed notes and addenda (FTS5 inside the encrypted record), and, only on
explicit request and audited, a plain substring search through the private jottings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..domain.visible import make_visible
from ..storage import queries
from .reading import RecordReader, day

SEARCH_LIMIT = 200
SCOPED_COUNT_CAP = 1000  # one client's matches are counted up to this
SNIPPET_START, SNIPPET_END = "\x01", "\x02"  # never typed by a user; turned into styling, never markup


@dataclass(frozen=True)
class SearchHit:
    note_id: int
    client_code: str
    date: str
    kind: str
    snippet: str  # with SNIPPET_START/END around matches


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit]
    private_hits: list[tuple[int, str, str]] = field(default_factory=list)  # (session_id, date, line)
    more: bool = False  # total is a lower bound: more than that many notes match

    @property
    def total_text(self) -> str:
        return f"{self.total:,}{'+' if self.more else ''}"


def fts_query(text: str) -> str | None:
    """User text as a literal FTS5 query: every token a quoted string, ANDed.

    Quotes, *, -, NEAR, OR, brackets and colons all lose their FTS meaning.
    """
    # A NUL ends the query string inside FTS5 ("unterminated string"): it separates words instead.
    tokens = [t for t in re.split(r"[\s\x00]+", text.strip()) if t]
    tokens = [t for t in tokens if re.search(r"\w", t)]  # punctuation alone matches nothing in unicode61
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens[:32])


class NoteSearch(RecordReader):
    def search(self, text: str, client_id: int | None = None, *, include_private: bool = False,
               limit: int = SEARCH_LIMIT) -> SearchResults:
        query = fts_query(text)
        if query is None:
            return SearchResults(text, 0, [])
        total = queries.search_count(self.record, query, client_id, SCOPED_COUNT_CAP)
        more = client_id is not None and total > SCOPED_COUNT_CAP
        if client_id is not None:
            total = min(total, SCOPED_COUNT_CAP)
        rows = queries.search_hits(self.record, query, client_id, limit, (SNIPPET_START, SNIPPET_END))
        hits = [SearchHit(r["note_id"], r["code"], day(r["started_at"]), r["kind"],
                          make_visible(r["snippet"], keep=f"\n\t{SNIPPET_START}{SNIPPET_END}")) for r in rows]
        private_hits = self._search_private(text, client_id) if include_private else []
        return SearchResults(text, total, hits, private_hits, more)

    def _search_private(self, text: str, client_id: int | None) -> list[tuple[int, str, str]]:
        """Only on explicit request: a plain substring search through the vault, audited."""
        from ..storage.vault import doc_key_for

        needle = text.strip().casefold()
        if not needle:
            return []
        seen: set[str] = set()
        hits = []
        for session in queries.sessions_of(self.record, client_id, newest_first=True):
            key = doc_key_for(session)
            if key in seen:
                continue
            seen.add(key)
            for line in self.workspace.vault.load_jottings(key):
                if needle in line.text.casefold():
                    hits.append((session["id"], day(session["started_at"]), make_visible(line.text)))
        self.record.audit(self.actor, "private jottings searched",
                          subject=f"client:{client_id}" if client_id is not None else "all clients")
        return hits
