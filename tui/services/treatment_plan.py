"""Signed, versioned treatment plans (issue 13 item 2), over an unlocked workspace.

Plan edits save at once, as the clinician makes them. Signing locks what the plan states then
as the next version, with the clinician's Ed25519 key; the plan screen, notes due and every
note written afterwards say which version is in force and whether it has changes not signed yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain import signature as sig
from ..domain import treatment_plan as tp
from ..errors import HushpadError
from ..storage import queries
from .reading import RecordReader


class PlanSigningError(HushpadError):
    pass


@dataclass(frozen=True)
class PlanStatus:
    version: int  # 0: never signed
    signed_at: str
    unsigned_changes: bool
    review_due: str
    review: str  # "" | "due soon" | "overdue"

    @property
    def label(self) -> str:
        """"Plan version 3, signed 2026-11-20 · changes not signed yet · review due 2027-03-01 (overdue)"."""
        parts = [f"Plan version {self.version}, signed {self.signed_at[:10]}" if self.version else "Plan not signed yet"]
        if self.version and self.unsigned_changes:
            parts.append("changes not signed yet")
        if self.review_due:
            parts.append(f"review due {self.review_due}" + (f" ({self.review})" if self.review else ""))
        else:
            parts.append("no review date")
        return " · ".join(parts)

    @property
    def note_line(self) -> str:
        """What a progress note states about the plan it was written under."""
        if not self.version:
            return "Treatment plan: not signed yet"
        line = f"Treatment plan: version {self.version}, signed {self.signed_at[:10]}"
        return line + ("; changes since not signed" if self.unsigned_changes else "")


def snapshot(record: Any, client_id: int) -> tp.PlanSnapshot:
    from .diagnoses import plan_label

    return tp.snapshot_from_rows(queries.plan_snapshot_rows(record, client_id), plan_label)


def signed_snapshot(version_row: dict[str, Any]) -> tp.PlanSnapshot:
    """What a stored plan version's signed payload states."""
    return tp.PlanSnapshot.from_dict(sig.parse_payload(version_row["signed_payload"].encode("utf-8")).get("plan") or {})


def plan_status(record: Any, client_id: int, today: date | None = None) -> PlanStatus:
    latest = record.latest_plan_version(client_id)
    review_due = record.plan_review_due(client_id) or ""
    changed = latest is None or signed_snapshot(latest) != snapshot(record, client_id)
    return PlanStatus(int(latest["version"]) if latest else 0, latest["signed_at"] if latest else "", changed,
                      review_due, tp.review_state(review_due, today or date.today()))


class TreatmentPlans(RecordReader):
    def status(self, client_id: int, today: date | None = None) -> PlanStatus:
        return plan_status(self.record, client_id, today)

    def sign(self, client_id: int, *, signed_at: str | None = None) -> int:
        """Sign what the plan states now as its next version; returns the version number."""
        from ..storage.record import now_iso
        from .signing import Signatures

        client = self.record.client(client_id)
        if client is None:
            raise PlanSigningError("No such client.")
        current = snapshot(self.record, client_id)
        if not current.goals:
            raise PlanSigningError("The plan has no goals yet; add one (g) before signing it.")
        latest = self.record.latest_plan_version(client_id)
        if latest is not None and signed_snapshot(latest) == current:
            raise PlanSigningError(f"Nothing to sign: version {latest['version']} already states this plan.")
        signatures = Signatures(self.workspace)
        config = self.workspace.config
        version = (int(latest["version"]) if latest else 0) + 1
        when = signed_at or now_iso()
        payload = tp.plan_payload(current, client_code=client["code"], version=version, signer=config.signer,
                                  credentials=config.credentials, signed_at=when,
                                  key_fingerprint=signatures.fingerprint(),
                                  previous_hash=latest["content_hash"] if latest else None)
        signed = signatures.sign(payload)
        self.record.add_plan_version(
            client_id, version=version, canonical_text=payload["text"], content_hash=signed.hash,
            previous_hash=payload["previous_hash"],
            signed=(signed.payload.decode("utf-8"), signed.signature_b64, signed.public_b64),
            signed_at=when, actor=config.signer, signing_seed=signatures.seed())
        return version

    def versions(self, client_id: int) -> list[dict[str, Any]]:
        return self.record.plan_versions(client_id)

    def verify(self, client_id: int, trusted: set[str] | None = None) -> list[tp.PlanVerdict]:
        from .signing import Signatures

        client = self.record.client(client_id)
        if client is None:
            raise PlanSigningError("No such client.")
        return tp.verify_plan_versions(self.record.plan_versions(client_id), client_code=client["code"],
                                       trusted=trusted if trusted is not None else Signatures(self.workspace).trusted())

    def export_block(self, client_id: int) -> list[dict[str, Any]]:
        """Every signed version with its payload and signature, for offline checking."""
        out = []
        for row in self.record.plan_versions(client_id):
            signed = sig.stored_signed(row)
            out.append({"version": row["version"], "signed_at": row["signed_at"], "text": row["canonical_text"],
                        "signature": signed.to_json() if signed else None})
        return out


def plans_due_for_review(record: Any, today: date | None = None, *, soon_days: int = 14) -> list[dict[str, Any]]:
    """Active clients whose plan review is overdue or due within ``soon_days``, soonest first."""
    today = today or date.today()
    rows = record.query(
        """SELECT c.id AS client_id, c.code, c.display_name, r.review_due FROM plan_reviews r
             JOIN clients c ON c.id = r.client_id WHERE c.archived = 0 ORDER BY r.review_due""")
    out = []
    for row in rows:
        state = tp.review_state(row["review_due"], today, soon_days=soon_days)
        if state:
            latest = record.latest_plan_version(row["client_id"])
            out.append({**row, "review": state, "version": int(latest["version"]) if latest else 0})
    return out
