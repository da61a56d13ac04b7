"""Use-cases over an unlocked profile: clients, treatment-plan goals, sessions, jottings.

Screens call these (from workers when they touch the disk); nothing here knows
about Textual.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..domain import clock
from ..domain.one_line import clean_line
from ..errors import HushpadError

if TYPE_CHECKING:
    from ..config import Config
    from ..domain.shorthand import ShorthandRules
    from ..storage.profile import OpenProfile
    from ..storage.vault import JottingLine

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
NAME_LIMIT = 120
GOAL_LIMIT = 500


class ValidationError(HushpadError):
    pass


@dataclass(frozen=True)
class SessionInfo:
    id: int
    client_id: int
    client_code: str
    started_at: datetime
    ended_at: datetime | None
    doc_key: str
    group_session_id: int | None
    resumed: bool
    client_name: str = ""


@dataclass(frozen=True)
class DiscardPlan:
    """What discarding a session destroys: shown to the clinician before they confirm."""

    session_ids: tuple[int, ...]  # one, or every member's for a group
    group_session_id: int | None
    codes: tuple[str, ...]
    started_at: datetime
    ended: bool
    doc_key: str
    jotting_lines: int  # lines with any text
    drafts: int  # unsigned notes begun


def clean_text(value: str, limit: int, what: str) -> str:
    """One line of user text (domain.one_line.clean_line), length capped. Callers that can
    say what changed (the client form, ``client add``) call clean_line first and say it."""
    text = clean_line(value).text
    if len(text) > limit:
        raise ValidationError(f"The {what} is too long ({len(text)} characters; at most {limit}).")
    return text


def check_code(code: str) -> str:
    code = code.strip()
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            "A client code is 1–32 letters, digits, '.', '_' or '-', starting with a letter or digit "
            "(codes are shown on screen instead of names)."
        )
    return code


def check_date_of_birth(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"Date of birth must be YYYY-MM-DD, e.g. 1984-03-07 (got {value!r}).") from None
    if born > clock.today() or born.year < 1900:
        raise ValidationError("Date of birth must be a real past date.")
    return born.isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class ScratchpadStart:
    """Everything the scratchpad needs, loaded off the UI thread before it opens."""

    session: SessionInfo
    lines: list["JottingLine"] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


class Workspace:
    def __init__(self, profile: "OpenProfile", config: "Config") -> None:
        self.profile = profile
        self.config = config

    @property
    def rules(self) -> "ShorthandRules":
        return self.config.shorthand  # parsed once, when the config was loaded

    @property
    def record(self):  # noqa: ANN201 - RecordStore, imported lazily
        return self.profile.record

    @property
    def vault(self):  # noqa: ANN201
        return self.profile.vault

    def close(self) -> None:
        self.profile.close()

    # -- clients -----------------------------------------------------------
    def client_by_code(self, code: str) -> dict[str, Any]:
        row = self.record.client_by_code(code.strip())
        if row is None:
            raise ValidationError(f"No client with code {code.strip()!r}. Add one with `hushpad client add CODE`.")
        return row

    def add_client(self, code: str, display_name: str = "", date_of_birth: str = "",
                   goals: list[str] | None = None) -> int:
        code = check_code(code)
        name = clean_text(display_name, NAME_LIMIT, "name")
        born = check_date_of_birth(date_of_birth)
        goal_texts = [clean_text(g, GOAL_LIMIT, "goal") for g in (goals or []) if g.strip()]
        if self.record.client_by_code(code) is not None:
            raise ValidationError(f"There is already a client with code {code!r}.")
        client_id = self.record.add_client(code, name, born)
        for text in goal_texts:
            self.record.add_goal(client_id, text)
        return client_id

    def update_client(self, client_id: int, code: str, display_name: str, date_of_birth: str,
                      goals: list[str]) -> None:
        code = check_code(code)
        name = clean_text(display_name, NAME_LIMIT, "name")
        born = check_date_of_birth(date_of_birth)
        goal_texts = [clean_text(g, GOAL_LIMIT, "goal") for g in goals if g.strip()]
        other = self.record.client_by_code(code)
        if other is not None and other["id"] != client_id:
            raise ValidationError(f"There is already a client with code {code!r}.")
        self.record.update_client(client_id, code=code, display_name=name, date_of_birth=born)
        self.record.replace_active_goals(client_id, goal_texts)

    def goals(self, client_id: int) -> list[dict[str, Any]]:
        return self.record.goals(client_id)

    # -- sessions ----------------------------------------------------------
    def _session_info(self, row: dict[str, Any], code: str, resumed: bool, name: str = "") -> SessionInfo:
        from ..storage.vault import doc_key_for

        return SessionInfo(
            client_name=name,
            id=row["id"], client_id=row["client_id"], client_code=code,
            started_at=_parse_time(row["started_at"]) or clock.now(), ended_at=_parse_time(row["ended_at"]),
            doc_key=doc_key_for(row), group_session_id=row["group_session_id"], resumed=resumed,
        )

    def start_session(self, client_id: int) -> SessionInfo:
        """Resume this client's unfinished session, or begin a new one now."""
        client = self.record.client(client_id)
        if client is None:
            raise ValidationError("That client no longer exists.")
        open_row = self.record.query_one(
            "SELECT * FROM sessions WHERE client_id = ? AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1",
            (client_id,),
        )
        if open_row is not None:
            return self._session_info(open_row, client["code"], resumed=True, name=client["display_name"])
        with self.record.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO sessions (client_id, started_at, modality) VALUES (?, ?, 'individual')",
                (client_id, clock.now().isoformat()),
            )
            session_id = int(cur.lastrowid)
        row = self.record.session(session_id)
        assert row is not None
        return self._session_info(row, client["code"], resumed=False, name=client["display_name"])

    def start_group_session(self, client_ids: list[int]) -> SessionInfo:
        """One jotting document for the group, linked to a session per member."""
        if len(client_ids) < 2:
            raise ValidationError("A group session needs at least two clients.")
        codes = []
        started = clock.now().isoformat()
        with self.record.transaction() as conn:
            group_id = int(conn.execute("INSERT INTO group_sessions (started_at) VALUES (?)", (started,)).lastrowid)
            first_session = 0
            for client_id in client_ids:
                code = conn.execute("SELECT code FROM clients WHERE id = ?", (client_id,)).fetchone()
                if code is None:
                    raise ValidationError("A chosen client no longer exists.")
                codes.append(code[0])
                cur = conn.execute(
                    "INSERT INTO sessions (client_id, group_session_id, started_at, modality) VALUES (?, ?, ?, 'group')",
                    (client_id, group_id, started),
                )
                first_session = first_session or int(cur.lastrowid)
        row = self.record.session(first_session)
        assert row is not None
        return self._session_info(row, " ".join(codes), resumed=False)

    def group_members(self, group_session_id: int) -> list[dict[str, Any]]:
        return self.record.query(
            """SELECT s.id AS session_id, c.id AS client_id, c.code, c.display_name
                 FROM sessions s JOIN clients c ON c.id = s.client_id
                WHERE s.group_session_id = ? ORDER BY c.code""",
            (group_session_id,),
        )

    def load_jottings(self, session: SessionInfo) -> list["JottingLine"]:
        return self.vault.load_jottings(session.doc_key)

    def save_jottings(self, session: SessionInfo, lines: list["JottingLine"]) -> int:
        return self.vault.save_jottings(session.doc_key, lines)

    # -- a session started by mistake ----------------------------------------
    def discard_plan(self, session_id: int) -> "DiscardPlan":
        """What discarding this session (the whole group, for a group) would destroy.

        Refused while any member's note is signed (a signed note's session is permanent) or a
        draft of it is open in another running Hushpad."""
        from ..storage.vault import doc_key_for
        from .writeup import _pid_alive  # the one liveness rule for draft claims

        row = self.record.session(session_id)
        if row is None:
            raise ValidationError("That session no longer exists.")
        group_id = row["group_session_id"]
        members = self.record.query(
            f"""SELECT s.id, s.started_at, c.code, n.status, n.editing_pid
                  FROM sessions s JOIN clients c ON c.id = s.client_id
                  LEFT JOIN progress_notes n ON n.session_id = s.id
                 WHERE {'s.group_session_id' if group_id else 's.id'} = ? ORDER BY c.code""",
            (group_id or session_id,))
        signed = [m["code"] for m in members if m["status"] == "signed"]
        if signed:
            raise ValidationError(f"This session has a signed note ({', '.join(signed)}), so it can never be "
                                  "discarded; correct a signed note with an addendum.")
        busy = [m for m in members if m["editing_pid"] and m["editing_pid"] != os.getpid()
                and _pid_alive(m["editing_pid"])]
        if busy:
            raise ValidationError(f"This session is being written up in another Hushpad (process "
                                  f"{busy[0]['editing_pid']}); close that first. Nothing was discarded.")
        doc_key = doc_key_for(row)
        return DiscardPlan(
            session_ids=tuple(int(m["id"]) for m in members), group_session_id=group_id,
            codes=tuple(str(m["code"]) for m in members), started_at=_parse_time(row["started_at"]) or clock.now(),
            ended=row["ended_at"] is not None, doc_key=doc_key,
            jotting_lines=sum(1 for line in self.vault.load_jottings(doc_key) if line.text.strip()),
            drafts=sum(1 for m in members if m["status"] == "draft"))

    def discard_plan_for_client(self, client_id: int) -> "DiscardPlan | None":
        """The client's latest session with no signed note (open or ended), or None."""
        row = self.record.query_one(
            """SELECT s.id FROM sessions s LEFT JOIN progress_notes n ON n.session_id = s.id
                WHERE s.client_id = ? AND (n.id IS NULL OR n.status != 'signed')
                ORDER BY s.started_at DESC, s.id DESC LIMIT 1""",
            (client_id,))
        return self.discard_plan(int(row["id"])) if row else None

    def discard_session(self, session_id: int, *, destroying: int = 0) -> "DiscardPlan":
        """Undo a session started by mistake, before any note of it is signed: the session (every
        member's, for a group), its unsigned drafts and its jottings go, so nothing stays due.

        `destroying` is how many jotting lines the clinician was shown and agreed to destroy; a
        session holding more than that (lines typed since) is kept. The audit log records the
        discard by ids and counts only, never jotting text."""
        plan = self.discard_plan(session_id)
        if plan.jotting_lines > destroying:
            raise ValidationError(
                f"This session has {plan.jotting_lines} jotting line(s) and discarding them was not confirmed; "
                "nothing was discarded.")
        ids = ",".join("?" * len(plan.session_ids))
        # The vault first: record ids can be reused once deleted, and a session given the same id
        # later must never find these jottings under its name. If the record step then fails, the
        # session stays, emptied, and can be discarded again.
        self.vault.delete_jottings(plan.doc_key)
        with self.record.transaction() as conn:
            if conn.execute(f"SELECT 1 FROM progress_notes WHERE status = 'signed' AND session_id IN ({ids})",
                            plan.session_ids).fetchone():
                raise ValidationError("A note of this session was signed meanwhile; it is kept.")
            conn.execute(f"DELETE FROM progress_notes WHERE session_id IN ({ids})", plan.session_ids)
            conn.execute(f"DELETE FROM sessions WHERE id IN ({ids})", plan.session_ids)
            if plan.group_session_id:
                conn.execute("DELETE FROM group_sessions WHERE id = ?", (plan.group_session_id,))
            subject = (f"group_session:{plan.group_session_id} sessions:{','.join(map(str, plan.session_ids))}"
                       if plan.group_session_id else f"session:{plan.session_ids[0]}")
            detail = (f"{plan.jotting_lines} jotting line(s) destroyed" if plan.jotting_lines
                      else "empty scratchpad")
            if plan.drafts:
                detail += f"; {plan.drafts} unsigned draft(s) removed"
            self.record.audit_in(conn, self.config.signer, "session discarded", subject=subject, detail=detail)
        return plan

    def end_session(self, session: SessionInfo) -> int:
        """Stamp the end time and duration (for every member of a group). Returns minutes."""
        ended = clock.now()
        minutes = max(1, round((ended - session.started_at).total_seconds() / 60))
        with self.record.transaction() as conn:
            if session.group_session_id:
                conn.execute("UPDATE group_sessions SET ended_at = ? WHERE id = ?",
                             (ended.isoformat(), session.group_session_id))
                conn.execute(
                    "UPDATE sessions SET ended_at = ?, duration_min = ? WHERE group_session_id = ? AND ended_at IS NULL",
                    (ended.isoformat(), minutes, session.group_session_id),
                )
            else:
                conn.execute("UPDATE sessions SET ended_at = ?, duration_min = ? WHERE id = ? AND ended_at IS NULL",
                             (ended.isoformat(), minutes, session.id))
        return minutes

    def latest_unsigned_session(self, client_id: int) -> int | None:
        row = self.record.query_one(
            """SELECT s.id FROM sessions s LEFT JOIN progress_notes n ON n.session_id = s.id
                WHERE s.client_id = ? AND s.ended_at IS NOT NULL AND (n.id IS NULL OR n.status != 'signed')
                ORDER BY s.started_at DESC LIMIT 1""",
            (client_id,),
        )
        return int(row["id"]) if row else None

    def carried_questions(self, session: SessionInfo) -> list[str]:
        """The `?` jottings from this client's previous session, to take up today."""
        from ..storage.vault import doc_key_for

        previous = self.record.query_one(
            """SELECT * FROM sessions WHERE client_id = ? AND id != ? AND started_at <= ?
                ORDER BY started_at DESC, id DESC LIMIT 1""",
            (session.client_id, session.id, session.started_at.isoformat()),
        )
        if previous is None:
            return []
        from ..domain.shorthand import Category, parse_jotting

        lines = self.vault.load_jottings(doc_key_for(previous))
        return [line.text.strip() for line in lines if parse_jotting(line.text, self.rules).category is Category.QUESTION]

    def open_scratchpad(self, session: SessionInfo) -> "ScratchpadStart":
        return ScratchpadStart(session, self.load_jottings(session), self.carried_questions(session))
