"""CPT code suggestions, place of service and telehealth modifiers, from session facts.

A suggestion only: the clinician confirms the codes on the write-up screen. Pure rules,
no payer data: fees, NPIs and payer-specific modifier tables come from config.

Sources for the rules below (cited where each is applied):

- AMA CPT 2024 Professional, Psychiatry section, "Psychotherapy" guidelines: the time
  ranges of 90832/90834/90837 (16–37, 38–52, 53+ minutes), the psychotherapy-for-crisis
  table (90839 first 30–74 minutes, +90840 each further 30 minutes), and the interactive
  complexity (+90785) reporting rules.
- AMA CPT 2024 "Introduction: Time": a unit of time is attained when the midpoint is
  passed (the "time rule"); so a 50-minute family code needs 26 minutes.
- CMS Medicare Claims Processing Manual, Pub. 100-04, ch. 12 §30.6 and the Medicare
  Physician Fee Schedule telehealth list; CMS Place of Service Code Set (POS 02, 10 ...);
  CMS MLN "Telehealth & Remote Patient Monitoring" (modifier 95 video, 93 audio-only).
- APA Services, "Psychotherapy codes": the time-rule table restated for psychologists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ADD_ON_PSYCHOTHERAPY_WITH_EM",
    "BillingError",
    "BillingLine",
    "BillingSuggestion",
    "CptSuggestion",
    "DEFAULT_TELEHEALTH_MODIFIERS",
    "INTERACTIVE_COMPLEXITY",
    "INTERACTIVE_COMPLEXITY_PRIMARIES",
    "MODALITIES",
    "PLACES_OF_SERVICE",
    "PlaceOfService",
    "TELEHEALTH_MODES",
    "crisis_units",
    "place_of_service",
    "place_of_service_for",
    "psychotherapy_code_for",
    "suggest_billing",
    "suggest_cpt",
    "telehealth_modifier",
]

MODALITIES: tuple[str, ...] = ("individual", "couple", "family", "group")


class BillingError(ValueError):
    """Facts that no code can follow from. The message is written for the clinician."""


# --- time rules -----------------------------------------------------------------------

# AMA CPT 2024, Psychotherapy guidelines: 90832 "30 minutes" is reported for 16–37
# minutes, 90834 "45 minutes" for 38–52, 90837 "60 minutes" for 53 or more. Under 16
# minutes (under the midpoint of 30) no psychotherapy code is reported.
PSYCHOTHERAPY_MIN = 16
PSYCHOTHERAPY_45_MIN = 38
PSYCHOTHERAPY_60_MIN = 53

# The same ranges when psychotherapy is performed with an E/M service on the same day by a
# prescriber: add-ons +90833 (16–37), +90836 (38–52), +90838 (53+) (CPT 2024).
_TIMED: tuple[str, str, str] = ("90832", "90834", "90837")
ADD_ON_PSYCHOTHERAPY_WITH_EM: tuple[str, str, str] = ("90833", "90836", "90838")

# Family/conjoint codes 90846/90847 are 50-minute services; by the CPT time rule a unit is
# attained once the midpoint is passed, i.e. at 26 minutes (CPT 2024; APA Services table:
# "90846, 90847: 26 or more minutes").
FAMILY_MIN = 26

# Psychotherapy for crisis (CPT 2024 table): under 30 minutes is reported with 90832 or
# 90834 by time; 90839 covers the first 30–74 minutes (once a day); +90840 each further
# 30 minutes beyond the first 74, by the midpoint rule: 75–104 one, 105–134 two, ...
CRISIS_MIN = 30
CRISIS_FIRST_MAX = 74
CRISIS_BLOCK = 30

# +90785 interactive complexity (CPT 2024, as revised in 2022): reported only with
# psychiatric diagnostic evaluation (90791, 90792), psychotherapy (90832, 90834, 90837),
# psychotherapy add-ons with E/M (+90833, +90836, +90838) and group psychotherapy (90853).
# It is NOT reported with psychotherapy for crisis (90839/+90840) nor with family
# psychotherapy (90846/90847) (CPT parenthetical; e.g. BCBS Illinois psychiatry policy).
INTERACTIVE_COMPLEXITY = "90785"
INTERACTIVE_COMPLEXITY_PRIMARIES: frozenset[str] = frozenset(
    {"90791", "90792", "90832", "90833", "90834", "90836", "90837", "90838", "90853"}
)

_DESCRIPTIONS: Mapping[str, str] = MappingProxyType({
    "90791": "Psychiatric diagnostic evaluation",
    "90832": "Psychotherapy, 30 min",
    "90833": "Psychotherapy, 30 min, with E/M (add-on)",
    "90834": "Psychotherapy, 45 min",
    "90836": "Psychotherapy, 45 min, with E/M (add-on)",
    "90837": "Psychotherapy, 60 min",
    "90838": "Psychotherapy, 60 min, with E/M (add-on)",
    "90839": "Psychotherapy for crisis, first 60 min",
    "90840": "Psychotherapy for crisis, each additional 30 min (add-on)",
    "90846": "Family psychotherapy without the patient, 50 min",
    "90847": "Family psychotherapy with the patient, 50 min",
    "90853": "Group psychotherapy",
    "90785": "Interactive complexity (add-on)",
})


def _minutes(duration_min: object) -> int:
    if isinstance(duration_min, bool) or not isinstance(duration_min, int):
        raise BillingError(f"Session duration must be whole minutes, got {duration_min!r}")
    if duration_min < 0:
        raise BillingError(f"Session duration cannot be negative, got {duration_min}")
    return duration_min


def _modality(modality: object) -> str:
    kind = str(modality).strip().lower()
    if kind not in MODALITIES:
        raise BillingError(f"Unknown modality {modality!r}; expected one of: {', '.join(MODALITIES)}")
    return kind


def psychotherapy_code_for(duration_min: int, *, with_em: bool = False) -> str | None:
    """The timed psychotherapy code for these minutes (CPT time rule), None under 16."""
    minutes = _minutes(duration_min)
    codes = ADD_ON_PSYCHOTHERAPY_WITH_EM if with_em else _TIMED
    if minutes < PSYCHOTHERAPY_MIN:
        return None
    if minutes < PSYCHOTHERAPY_45_MIN:
        return codes[0]
    if minutes < PSYCHOTHERAPY_60_MIN:
        return codes[1]
    return codes[2]


def crisis_units(duration_min: int) -> tuple[int, int]:
    """(units of 90839, units of +90840) for minutes of psychotherapy for crisis.

    (0, 0) under 30 minutes: that time is billed as ordinary psychotherapy by time.
    """
    minutes = _minutes(duration_min)
    if minutes < CRISIS_MIN:
        return (0, 0)
    if minutes <= CRISIS_FIRST_MAX:
        return (1, 0)
    return (1, 1 + (minutes - (CRISIS_FIRST_MAX + 1)) // CRISIS_BLOCK)


# --- place of service -------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceOfService:
    code: str
    name: str
    telehealth: bool = False


# CMS Place of Service Code Set: the codes a psychotherapy practice uses. 02 and 10 are
# the two telehealth codes (10 since 2022: the patient is in their home).
PLACES_OF_SERVICE: Mapping[str, PlaceOfService] = MappingProxyType({
    pos.code: pos for pos in (
        PlaceOfService("02", "Telehealth provided other than in patient's home", telehealth=True),
        PlaceOfService("03", "School"),
        PlaceOfService("10", "Telehealth provided in patient's home", telehealth=True),
        PlaceOfService("11", "Office"),
        PlaceOfService("12", "Home"),
        PlaceOfService("99", "Other place of service"),
    )
})


def place_of_service(code: object) -> PlaceOfService:
    """"11" (or 11, " 11 ", "2" for 02) -> the place; BillingError for a code not in the table."""
    text = str(code).strip()
    if text.isdigit() and len(text) <= 2:
        text = text.zfill(2)
    found = PLACES_OF_SERVICE.get(text)
    if found is None:
        known = ", ".join(f"{p.code} {p.name}" for p in PLACES_OF_SERVICE.values())
        raise BillingError(f"Unknown place of service {str(code)[:20]!r}; expected one of: {known}")
    return found


def place_of_service_for(setting: str, *, client_at_home: bool) -> PlaceOfService:
    """The usual POS for a session: telehealth 10 (client at home) or 02 (elsewhere);
    in person 11 (office) or 12 (the client's home). The clinician can pick another."""
    kind = str(setting).strip().lower()
    if kind == "telehealth":
        return PLACES_OF_SERVICE["10" if client_at_home else "02"]
    if kind == "in person":
        return PLACES_OF_SERVICE["12" if client_at_home else "11"]
    raise BillingError(f"Unknown setting {setting!r}; expected 'in person' or 'telehealth'")


# --- telehealth modifiers ---------------------------------------------------------------

TELEHEALTH_MODES: tuple[str, ...] = ("video", "audio-only")

# CMS: modifier 95 for synchronous audio-video telehealth, 93 for audio-only. Payers
# differ (some want GT, some none with POS 02/10), so callers pass the payer's mapping.
DEFAULT_TELEHEALTH_MODIFIERS: Mapping[str, str] = MappingProxyType({"video": "95", "audio-only": "93"})

_MODIFIER_RE = re.compile(r"[A-Z0-9]{2}")


def _mode(mode: object) -> str:
    kind = str(mode).strip().lower().replace("_", "-").replace(" ", "-")
    if kind == "audio":
        kind = "audio-only"
    if kind not in TELEHEALTH_MODES:
        raise BillingError(f"Unknown telehealth mode {mode!r}; expected video or audio-only")
    return kind


def telehealth_modifier(mode: str, modifiers: Mapping[str, str] | None = None) -> str:
    """The modifier for a telehealth session ("95", "93"), or "" when the payer wants none.

    ``modifiers`` is one payer's mapping (``{"video": "GT", "audio-only": ""}``); a mode it
    does not name falls back to the CMS default. A modifier is two letters or digits.
    """
    kind = _mode(mode)
    table = dict(DEFAULT_TELEHEALTH_MODIFIERS)
    for key, value in (modifiers or {}).items():
        if not isinstance(value, str):
            raise BillingError(f"Telehealth modifier for {key!r} must be text, got {value!r}")
        table[_mode(key)] = value
    value = table[kind].strip().upper()
    if value and not _MODIFIER_RE.fullmatch(value):
        raise BillingError(f"Telehealth modifier {table[kind][:10]!r} for {kind} must be two letters or digits")
    return value


# --- suggestion -------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingLine:
    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return _DESCRIPTIONS.get(self.code, "")

    def label(self) -> str:
        """"90834-95", "90840 x2": the line as a superbill prints it."""
        text = "-".join((self.code, *self.modifiers))
        return f"{text} x{self.units}" if self.units != 1 else text


@dataclass(frozen=True)
class BillingSuggestion:
    lines: tuple[BillingLine, ...]
    reason: str
    # Why a marked add-on was left off ("" when nothing was): shown next to the codes.
    note: str = ""

    @property
    def primary(self) -> str | None:
        return self.lines[0].code if self.lines else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(line.code for line in self.lines)


@dataclass(frozen=True)
class CptSuggestion:
    code: str | None
    reason: str


_SPANS: Mapping[str, str] = MappingProxyType({
    code: span
    for codes in (_TIMED, ADD_ON_PSYCHOTHERAPY_WITH_EM)
    for code, span in zip(codes, ("16–37", "38–52", "53 or more"))
})


def _primary(minutes: int, kind: str, *, intake: bool, crisis: bool, patient_present: bool,
             with_em: bool) -> tuple[list[BillingLine], str]:
    if intake and crisis:
        raise BillingError("A session is either an intake (90791) or psychotherapy for crisis, not both")
    if with_em and (intake or crisis or kind != "individual"):
        raise BillingError("Psychotherapy with an E/M service (90833/90836/90838) applies to "
                           "individual psychotherapy only")
    if intake:
        # 90791 has no time rule: it is reported once per evaluation, whatever its length.
        return [BillingLine("90791")], "Psychiatric diagnostic evaluation (intake)"
    if crisis:
        if kind == "group":
            raise BillingError("Psychotherapy for crisis is with the patient and/or family, not a group")
        first, more = crisis_units(minutes)
        if first:
            lines = [BillingLine("90839")] + ([BillingLine("90840", more)] if more else [])
            extra = f" + 90840 x{more}" if more else ""
            return lines, f"Psychotherapy for crisis, {minutes} min (90839{extra})"
        # Under 30 minutes of crisis: CPT says report 90832/90834 by time.
        code = psychotherapy_code_for(minutes)
        if code is None:
            return [], (f"{minutes} min is under the {PSYCHOTHERAPY_MIN} minutes a psychotherapy code needs "
                        f"(crisis codes need {CRISIS_MIN})")
        return [BillingLine(code)], (f"Crisis under {CRISIS_MIN} min is psychotherapy by time: "
                                     f"{minutes} min ({_SPANS[code]})")
    if kind == "group":
        # 90853 has no time in its descriptor; it is reported once per session.
        return [BillingLine("90853")], "Group psychotherapy"
    if kind in ("family", "couple"):
        if minutes < FAMILY_MIN:
            return [], f"{minutes} min is under the {FAMILY_MIN} minutes a family psychotherapy code needs"
        who = "couple" if kind == "couple" else "family"
        if patient_present:
            return [BillingLine("90847")], f"Family psychotherapy with patient present ({who} session)"
        return [BillingLine("90846")], f"Family psychotherapy without patient present ({who} session)"
    code = psychotherapy_code_for(minutes, with_em=with_em)
    if code is None:
        return [], f"{minutes} min is under the {PSYCHOTHERAPY_MIN} minutes a psychotherapy code needs"
    span = _SPANS[code]
    if with_em:
        return [BillingLine(code)], f"Psychotherapy with E/M, {minutes} min ({span}); add-on to the E/M code"
    return [BillingLine(code)], f"Psychotherapy, {minutes} min ({span})"


def suggest_billing(
    duration_min: int,
    modality: str = "individual",
    *,
    intake: bool = False,
    crisis: bool = False,
    patient_present: bool = True,
    interactive_complexity: bool = False,
    with_em: bool = False,
    telehealth: str | None = None,
    modifiers: Mapping[str, str] | None = None,
) -> BillingSuggestion:
    """The CPT lines for a session: the primary code, add-ons, and telehealth modifiers.

    ``interactive_complexity``: the clinician marked +90785; it is added only where CPT
    allows it (see INTERACTIVE_COMPLEXITY_PRIMARIES) and ``note`` says when it was not.
    ``telehealth``: "video" or "audio-only" (None in person); ``modifiers`` the payer's
    mapping for ``telehealth_modifier``. The modifier goes on every line.
    """
    minutes = _minutes(duration_min)
    kind = _modality(modality)
    lines, reason = _primary(minutes, kind, intake=intake, crisis=crisis,
                             patient_present=patient_present, with_em=with_em)
    note = ""
    if interactive_complexity:
        if crisis:
            # CPT bars +90785 from psychotherapy for crisis, also when under 30 minutes
            # it is reported as 90832: the service is still crisis psychotherapy.
            note = "Interactive complexity (90785) cannot be reported with psychotherapy for crisis"
        elif lines and lines[0].code in INTERACTIVE_COMPLEXITY_PRIMARIES:
            lines.append(BillingLine(INTERACTIVE_COMPLEXITY))
        elif lines:
            note = f"Interactive complexity (90785) cannot be reported with {lines[0].code}"
        else:
            note = "Interactive complexity (90785) is an add-on: it needs a primary code"
    if telehealth is not None:
        modifier = telehealth_modifier(telehealth, modifiers)
        if modifier:
            lines = [BillingLine(line.code, line.units, (*line.modifiers, modifier)) for line in lines]
    return BillingSuggestion(tuple(lines), reason, note)


def suggest_cpt(
    duration_min: int,
    modality: str,
    intake: bool = False,
    *,
    patient_present: bool = True,
) -> CptSuggestion:
    """The primary psychotherapy CPT code (the facts step's one field).

    90791 intake; 90853 group; 90847 family/couple with the patient present
    (90846 without); individual by face-to-face minutes: 90832 16–37,
    90834 38–52, 90837 53+, and no code under 16 minutes.
    """
    found = suggest_billing(duration_min, modality, intake=intake, patient_present=patient_present)
    return CptSuggestion(found.primary, found.reason)
