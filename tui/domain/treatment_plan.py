"""A treatment plan as it is signed: one structure, one text, one payload (issue 13 item 2).

The golden thread runs diagnosis → problem → goal → objective → planned intervention. A plan
version states all of it, with the plan's review date, and is signed with the clinician's
Ed25519 key like a note. ``plan_text`` is the only renderer, so verify can check that the
signed text says exactly what the signed structure holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import signature as sig
from .visible import make_visible

__all__ = ["PlanObjective", "PlanGoal", "PlanSnapshot", "objective_label", "plan_payload", "plan_text",
           "snapshot_from_rows", "verify_plan_versions", "review_state"]

OBJECTIVE_STATUSES = ("active", "met", "discontinued")


@dataclass(frozen=True)
class PlanObjective:
    ordinal: int
    description: str
    status: str = "active"
    target_date: str = ""
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanGoal:
    ordinal: int
    description: str
    status: str = "active"
    objectives: tuple[PlanObjective, ...] = ()
    interventions: tuple[str, ...] = ()  # planned for the goal as a whole (plans made before objectives had them)


@dataclass(frozen=True)
class PlanSnapshot:
    review_due: str = ""
    diagnoses: tuple[str, ...] = ()  # as the plan reads them: "F33.1 Major … (primary, onset 2025-11)"
    problems: tuple[str, ...] = ()  # "description (status)"
    goals: tuple[PlanGoal, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "review_due": self.review_due,
            "diagnoses": list(self.diagnoses),
            "problems": list(self.problems),
            "goals": [{"ordinal": g.ordinal, "description": g.description, "status": g.status,
                       "interventions": list(g.interventions),
                       "objectives": [{"ordinal": o.ordinal, "description": o.description, "status": o.status,
                                       "target_date": o.target_date, "interventions": list(o.interventions)}
                                      for o in g.objectives]}
                      for g in self.goals],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PlanSnapshot":
        return cls(
            review_due=str(data.get("review_due") or ""),
            diagnoses=tuple(str(d) for d in data.get("diagnoses") or ()),
            problems=tuple(str(p) for p in data.get("problems") or ()),
            goals=tuple(PlanGoal(
                int(g["ordinal"]), str(g["description"]), str(g.get("status") or "active"),
                tuple(PlanObjective(int(o["ordinal"]), str(o["description"]), str(o.get("status") or "active"),
                                    str(o.get("target_date") or ""), tuple(str(i) for i in o.get("interventions") or ()))
                      for o in g.get("objectives") or ()),
                tuple(str(i) for i in g.get("interventions") or ()))
                for g in data.get("goals") or ()),
        )


def objective_label(goal_ordinal: int, objective: PlanObjective | Mapping[str, Any]) -> str:
    """"Objective 1.2: Complete three thought records a week (target 2027-01-31)"."""
    if isinstance(objective, PlanObjective):
        ordinal, description, target = objective.ordinal, objective.description, objective.target_date
    else:
        ordinal, description, target = objective["ordinal"], objective["description"], objective.get("target_date")
    return f"Objective {goal_ordinal}.{ordinal}: {description}" + (f" (target {target})" if target else "")


def snapshot_from_rows(rows: Mapping[str, Any], diagnosis_label: Any) -> PlanSnapshot:
    """From ``queries.plan_snapshot_rows``; ``diagnosis_label`` reads one diagnosis row."""
    return PlanSnapshot(
        review_due=rows.get("review_due") or "",
        diagnoses=tuple(diagnosis_label(d) for d in rows.get("diagnoses") or ()),
        problems=tuple(f"{p['description']} ({p['status']})" for p in rows.get("problems") or ()),
        goals=tuple(PlanGoal(
            int(g["ordinal"]), str(g["description"]), str(g["status"]),
            tuple(PlanObjective(int(o["ordinal"] or 0), str(o["description"]), str(o["status"] or "active"),
                                str(o.get("target_date") or ""), tuple(str(i["description"]) for i in o["interventions"]))
                  for o in g["objectives"]),
            tuple(str(i["description"]) for i in g["interventions"]))
            for g in rows.get("goals") or ()),
    )


def plan_text(snapshot: PlanSnapshot, *, client_code: str, version: int, signer: str, credentials: str,
              signed_at: str) -> str:
    """The signed plan as a person reads it. Text the clinician typed is made visible (no
    control or escape characters), exactly as the note renderer does."""
    def v(text: str) -> str:
        return make_visible(text, keep="")

    who = f"{signer}, {credentials}" if credentials else signer
    out = [f"Treatment plan: {v(client_code)}, version {version}", f"Signed {signed_at[:16].replace('T', ' ')} by {v(who)}",
           f"Review due: {snapshot.review_due or 'not set'}", "", "Diagnoses (ICD-10-CM)"]
    out += [f"  {v(d)}" for d in snapshot.diagnoses] or ["  (none)"]
    out += ["", "Problems"]
    out += [f"  - {v(p)}" for p in snapshot.problems] or ["  (none)"]
    for goal in snapshot.goals:
        out += ["", f"Goal {goal.ordinal} ({goal.status}): {v(goal.description)}"]
        for objective in goal.objectives:
            target = f", target {objective.target_date}" if objective.target_date else ""
            out.append(f"  Objective {goal.ordinal}.{objective.ordinal} ({objective.status}{target}): "
                       f"{v(objective.description)}")
            if objective.interventions:
                out.append("    Planned interventions: " + "; ".join(v(i) for i in objective.interventions))
        if goal.interventions:
            out.append("  Planned interventions (goal): " + "; ".join(v(i) for i in goal.interventions))
    if not snapshot.goals:
        out += ["", "Goals", "  (none)"]
    return "\n".join(out) + "\n"


def plan_payload(snapshot: PlanSnapshot, *, client_code: str, version: int, signer: str, credentials: str,
                 signed_at: str, key_fingerprint: str, previous_hash: str | None) -> dict[str, Any]:
    text = plan_text(snapshot, client_code=client_code, version=version, signer=signer,
                     credentials=credentials, signed_at=signed_at)
    return {"format": sig.PAYLOAD_FORMAT, "version": sig.PAYLOAD_VERSION, "kind": "treatment-plan",
            "client_code": client_code, "plan_version": version, "text": text, "plan": snapshot.to_dict(),
            "signer": signer, "credentials": credentials, "signed_at": signed_at,
            "key_fingerprint": key_fingerprint, "previous_hash": previous_hash}


@dataclass
class PlanVerdict:
    version: int
    ok: bool
    problems: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def label(self) -> str:
        if self.ok:
            return f"Plan version {self.version}: signature verified (Ed25519, key {self.fingerprint})"
        return f"Plan version {self.version}: SIGNATURE INVALID: " + "; ".join(self.problems)


def verify_plan_versions(rows: Sequence[Mapping[str, Any]], *, client_code: str,
                         trusted: set[str] | None) -> list[PlanVerdict]:
    """Check every stored version of one client's plan: signature and key, that the text is
    what the structure renders, the version numbers, and that each names its predecessor."""
    out: list[PlanVerdict] = []
    previous: str | None = None
    for expected, row in enumerate(rows, start=1):
        problems: list[str] = []
        what = f"plan version {row.get('version')}"
        signed = sig.stored_signed(dict(row))
        payload = None
        fp = ""
        if signed is None:
            problems.append(f"{what}: no signature")
        else:
            payload = sig.check_signed(signed, what, trusted, problems)
            fp = sig.fingerprint(signed.public) if signed.public else ""
            if signed.hash != row.get("content_hash"):
                problems.append(f"{what}: the stored seal does not match the signed payload")
        if payload is not None:
            if payload.get("kind") != "treatment-plan":
                problems.append(f"{what}: the signed payload is not a treatment plan")
            if payload.get("client_code") != client_code:
                problems.append(f"{what}: signed for client {payload.get('client_code')!r}")
            if payload.get("plan_version") != row.get("version") or row.get("version") != expected:
                problems.append(f"{what}: out of sequence (expected version {expected})")
            if payload.get("previous_hash") != previous or row.get("previous_hash") != previous:
                problems.append(f"{what}: does not follow the version before it")
            if payload.get("text") != row.get("canonical_text"):
                problems.append(f"{what}: the stored text differs from the signed text")
            try:
                again = plan_text(PlanSnapshot.from_dict(payload.get("plan") or {}),
                                  client_code=str(payload.get("client_code")), version=int(payload["plan_version"]),
                                  signer=str(payload.get("signer")), credentials=str(payload.get("credentials") or ""),
                                  signed_at=str(payload.get("signed_at")))
            except (KeyError, TypeError, ValueError):
                again = None
            if again != payload.get("text"):
                problems.append(f"{what}: the signed text does not state the signed plan")
        out.append(PlanVerdict(int(row.get("version") or expected), not problems, problems, fp))
        previous = row.get("content_hash")
    return out


def rows_from_export(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An export's plan versions (``{"version", "text", "signature": Signed.to_json()}``) as the
    rows ``verify_plan_versions`` reads, so an offline check runs the same verify."""
    rows = []
    for block in blocks:
        try:
            signed = sig.Signed.from_json(block.get("signature"))
            previous = sig.parse_payload(signed.payload).get("previous_hash")
        except (sig.PayloadError, AttributeError, ValueError):
            signed, previous = sig.Signed(b"", b"", b""), None
        rows.append({"version": block.get("version"), "canonical_text": block.get("text"),
                     "signed_payload": signed.payload.decode("utf-8", "replace") or None,
                     "signature": signed.signature_b64, "signer_key": signed.public_b64,
                     "content_hash": signed.hash, "previous_hash": previous})
    return rows


def review_state(review_due: str | None, today: date, *, soon_days: int = 14) -> str:
    """"" (no date, or not soon), "due soon" (within ``soon_days``) or "overdue"."""
    if not review_due:
        return ""
    try:
        due = date.fromisoformat(review_due)
    except ValueError:
        return ""
    if due < today:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due soon"
    return ""
