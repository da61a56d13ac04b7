"""CPT code suggestion from session facts.

A suggestion only: the clinician confirms the code on the write-up screen.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MODALITIES", "CptSuggestion", "suggest_cpt"]

MODALITIES: tuple[str, ...] = ("individual", "couple", "family", "group")

# Family/conjoint codes are 50-minute services; by the CPT time rule a unit
# needs more than half of that, i.e. at least 26 minutes.
_FAMILY_MIN = 26


@dataclass(frozen=True)
class CptSuggestion:
    code: str | None
    reason: str


def suggest_cpt(
    duration_min: int,
    modality: str,
    intake: bool = False,
    *,
    patient_present: bool = True,
) -> CptSuggestion:
    """Suggest a psychotherapy CPT code.

    90791 intake; 90853 group; 90847 family/couple with the patient present
    (90846 without); individual by face-to-face minutes: 90832 16–37,
    90834 38–52, 90837 53+, and no code under 16 minutes.
    """
    if isinstance(duration_min, bool) or not isinstance(duration_min, int):
        raise ValueError(f"Session duration must be whole minutes, got {duration_min!r}")
    if duration_min < 0:
        raise ValueError(f"Session duration cannot be negative, got {duration_min}")
    kind = str(modality).strip().lower()
    if kind not in MODALITIES:
        raise ValueError(
            f"Unknown modality {modality!r}; expected one of: {', '.join(MODALITIES)}"
        )

    if intake:
        return CptSuggestion("90791", "Psychiatric diagnostic evaluation (intake)")
    if kind == "group":
        return CptSuggestion("90853", "Group psychotherapy")
    if kind in ("family", "couple"):
        if duration_min < _FAMILY_MIN:
            return CptSuggestion(
                None,
                f"{duration_min} min is under the {_FAMILY_MIN} minutes a family psychotherapy code needs",
            )
        who = "couple" if kind == "couple" else "family"
        if patient_present:
            return CptSuggestion("90847", f"Family psychotherapy with patient present ({who} session)")
        return CptSuggestion("90846", f"Family psychotherapy without patient present ({who} session)")

    if duration_min < 16:
        return CptSuggestion(
            None, f"{duration_min} min is under the 16 minutes a psychotherapy code needs"
        )
    if duration_min <= 37:
        return CptSuggestion("90832", f"Psychotherapy, {duration_min} min (16–37)")
    if duration_min <= 52:
        return CptSuggestion("90834", f"Psychotherapy, {duration_min} min (38–52)")
    return CptSuggestion("90837", f"Psychotherapy, {duration_min} min (53 or more)")
