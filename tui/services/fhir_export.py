"""FHIR R4 export: a client's clinical record, or one signed note, as a transaction Bundle a
practice POSTs to its FHIR server's base URL (HAPI, Medplum or any R4 server).

What goes in (README "Into the practice's EHR (FHIR R4)" lists every field):

- Patient: the client code as identifier; name and date of birth only when the clinician
  asks (``include_identity``): minimum necessary by default.
- Practitioner: the clinician from config (name, credentials, licence, NPI), with the
  signing-key fingerprint as an identifier. Organization when a practice name is set.
- Encounter per session that has a signed note; DocumentReference per signed note and per
  addendum (``relatesTo appends``), the exact signed text as the attachment; Provenance
  carrying each Ed25519 signature over the signed payload, which travels as a second
  attachment so anyone can check it offline.
- Observations for PHQ-9 and GAD-7 (panel, total, items); Goal and CarePlan for the
  treatment plan (its problems as Conditions); a Condition per ICD-10-CM diagnosis on the plan.

Psychotherapy notes (the vault: jottings, ``~`` private lines) are never read here: this
module has no way to reach the vault, whatever the command line says. A note that fails the
one verify is never exported: a Bundle is imported by a machine, and a SIGNATURE INVALID
banner in it would reach nobody.

Entries are deterministic (uuid5 over the profile id), and each carries ``ifNoneExist`` on
its identifier, so importing the same export twice creates nothing twice. The treatment plan
changes over time: its Goals, CarePlan and problem Conditions are conditional updates
(``PUT Goal?identifier=...``), so a later export brings the current plan. A Provenance has
no identifier in R4: it carries a meta.tag of ours and is created only if none has that tag.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..domain import clock
from ..domain import signature as sig
from ..domain.diagnoses import Diagnosis
from ..domain.measures import INSTRUMENTS, stored_band
from ..domain.visible import make_visible
from ..errors import HushpadError
from ..storage import queries
from .chart import ClientChart
from .reading import RecordReader, day
from .records_export import RecordsExport

if TYPE_CHECKING:
    from .workspace import Workspace

FHIR_VERSION = "4.0.1"

LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
V3_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
US_CORE_DOC_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
US_CORE_CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
IHE_FORMAT = "http://ihe.net/fhir/ValueSet/IHE.FormatCode.codesystem"
# Hushpad's own identifier systems. Scoped by the profile id, so two clinicians' "C-001"
# never merge into one chart in the practice's server (a duplicate is fixable; a wrong
# merge is a safety problem). Key fingerprint and seal are the same for anyone.
KEY_FINGERPRINT_SYSTEM = "urn:hushpad:ed25519-key-fingerprint"
SEAL_SYSTEM = "urn:hushpad:seal-sha256"

# Every clinical resource is restricted (v3 Confidentiality R) and behavioural-health
# sensitive (v3 ActCode BH): what an EHR's segmentation and consent rules key on.
RESTRICTED = {"system": V3_CONFIDENTIALITY, "code": "R", "display": "restricted"}
BEHAVIOURAL_HEALTH = {"system": V3_ACT, "code": "BH", "display": "behavioral health information sensitivity"}
SECURITY = {"security": [RESTRICTED, BEHAVIOURAL_HEALTH]}

# LOINC document types, displays as in the R4 value set c80-doc-typecodes. 11506-3, the
# US Core "Progress note", goes second, for a receiver that knows only that one.
PROGRESS_NOTE = {"system": LOINC, "code": "11506-3", "display": "Progress note"}
MENTAL_HEALTH_PROGRESS_NOTE = {"system": LOINC, "code": "34904-3", "display": "Mental health Progress note"}
GROUP_COUNSELING_NOTE = {"system": LOINC, "code": "34787-2", "display": "Mental health Group counseling note"}
CLINICAL_NOTE = {"coding": [{"system": US_CORE_DOC_CATEGORY, "code": "clinical-note", "display": "Clinical Note"}]}
MIME_SUFFICIENT = {"system": IHE_FORMAT, "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                   "display": "mimeType Sufficient"}
AUTHORS_SIGNATURE = {"system": SIGNATURE_TYPE, "code": "1.2.840.10065.1.12.1.1", "display": "Author's Signature"}
SURVEY = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}]


@dataclass(frozen=True)
class Instrument:
    panel: tuple[str, str]
    total: tuple[str, str]
    items: tuple[tuple[str, str], ...]  # (LOINC, the question), in the form's order


# LOINC panels, totals and item codes of the two forms (the LOINC PHQ-9 and GAD-7 panels).
LOINC_INSTRUMENTS: dict[str, Instrument] = {
    "phq9": Instrument(
        ("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"),
        ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
        (("44250-9", "Little interest or pleasure in doing things"),
         ("44255-8", "Feeling down, depressed, or hopeless"),
         ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
         ("44254-1", "Feeling tired or having little energy"),
         ("44251-7", "Poor appetite or overeating"),
         ("44258-2", "Feeling bad about yourself - or that you are a failure or have let yourself or your "
                     "family down"),
         ("44252-5", "Trouble concentrating on things, such as reading the newspaper or watching television"),
         ("44253-3", "Moving or speaking so slowly that other people could have noticed. Or the opposite - "
                     "being so fidgety or restless that you have been moving around a lot more than usual"),
         ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself in some way"))),
    "gad7": Instrument(
        ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
        ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
        (("69725-0", "Feeling nervous, anxious or on edge"),
         ("68509-9", "Not being able to stop or control worrying"),
         ("69733-4", "Worrying too much about different things"),
         ("69734-2", "Trouble relaxing"),
         ("69735-9", "Being so restless that it is hard to sit still"),
         ("69689-8", "Becoming easily annoyed or irritable"),
         ("69736-7", "Feeling afraid as if something awful might happen"))),
}
# PCL-5 (LOINC 2.75+): the panel "Post traumatic stress disorder checklist - civilian
# version DSM-5 [PCL-5]" and its total "PTSD PCL-5 score [PCL-5]". Its 20 items go as
# components of the total, named in words: Hushpad does not carry LOINC's item codes for it.
PCL5_PANEL = ("101697-1", "Post traumatic stress disorder checklist - civilian version DSM-5 [PCL-5]")
PCL5_TOTAL = ("101698-9", "PTSD PCL-5 score [PCL-5]")
# C-SSRS screener: LOINC 93374-7 "Suicide risk level" (class SURVEY.CSSRS) carries the level the
# answers imply; each answer is a component, Yes/No as LOINC LL5384-4 (LA33-6 / LA32-8).
CSSRS_RISK_LEVEL = ("93374-7", "Suicide risk level")
YES = {"system": LOINC, "code": "LA33-6", "display": "Yes"}
NO = {"system": LOINC, "code": "LA32-8", "display": "No"}
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

# The answer list both forms share (LOINC LL358-3), by item score 0-3.
ANSWERS: tuple[tuple[str, str], ...] = (
    ("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"))

# Per-goal progress as the notes record it (g1 + / = / -) -> goal-achievement.
ACHIEVEMENT = {"improved": ("improving", "Improving"), "stable": ("no-change", "No Change"),
               "deteriorated": ("worsening", "Worsening")}
GOAL_LIFECYCLE = {"active": "active", "met": "completed", "discontinued": "cancelled"}


class FhirExportError(HushpadError):
    """The FHIR export was refused; nothing was written."""


# -- small pieces ------------------------------------------------------------------------
def ref(full_url: str, display: str = "") -> dict[str, str]:
    return {"reference": full_url, **({"display": display} if display else {})}


def fhir_instant(iso: str | None) -> str | None:
    """A stored ISO timestamp as a FHIR instant: to the second, with its offset (a stored
    time without one is this machine's local time)."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.isoformat(timespec="seconds")


def fhir_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()[:10]).date().isoformat()
    except ValueError:
        return None


def attachment(data: bytes, content_type: str, title: str, created: str | None) -> dict[str, Any]:
    """The exact bytes, base64; ``hash`` is SHA-1 base64, as FHIR R4 Attachment defines it."""
    return {"contentType": content_type, "data": base64.b64encode(data).decode("ascii"), "size": len(data),
            "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),  # noqa: S324 - the spec's hash
            "title": title, "creation": created}


def clean(value: Any) -> Any:
    """What the Bundle may hold: every string shown literally (controls and bidi marks as
    visible stand-ins: FHIR strings allow no C0 controls but tab and newline), no empty
    string, list or object (FHIR JSON allows none)."""
    if isinstance(value, str):
        # isprintable: no control, bidi mark or lone surrogate (the base64 of every attachment)
        return (value if value.isprintable() else make_visible(value, keep="\n\t")).strip()
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = clean(item)
            if item is not None and item != "" and item != [] and item != {}:
                out[key] = item
        return out
    if isinstance(value, (list, tuple)):
        kept = []
        for item in value:
            item = clean(item)
            if item is not None and item != "" and item != [] and item != {}:
                kept.append(item)
        return kept
    return value


def _text_of(config: Any, *names: str) -> str:
    """A config value another part of Hushpad may or may not define yet ([practice], NPI)."""
    for name in names:
        value = getattr(config, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


# -- the Bundle --------------------------------------------------------------------------
@dataclass
class BundleBuilder:
    """Collects entries; fullUrls are urn:uuid, the same for the same row in every export."""

    profile_id: str
    entries: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._urls: set[str] = {e["fullUrl"] for e in self.entries}
        try:
            self.namespace = uuid.UUID(self.profile_id)
        except ValueError:
            self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:hushpad:{self.profile_id}")

    def system(self, kind: str) -> str:
        return f"urn:hushpad:{self.profile_id}:{kind}"

    def full_url(self, kind: str, key: Any) -> str:
        return f"urn:uuid:{uuid.uuid5(self.namespace, f'{kind}:{key}')}"

    def identifier(self, kind: str, key: Any) -> dict[str, str]:
        return {"system": self.system(kind), "value": str(key)}

    def add(self, full_url: str, resource: dict[str, Any], match: dict[str, str] | None = None, *,
            update: bool = False) -> str:
        """POST (``ifNoneExist`` on ``match``), or with ``update`` a conditional PUT on it."""
        rtype = resource["resourceType"]
        if match is None:
            request = {"method": "POST", "url": rtype}
        else:
            search = "identifier=" + quote(f"{match['system']}|{match['value']}", safe=":|")
            request = ({"method": "PUT", "url": f"{rtype}?{search}"} if update
                       else {"method": "POST", "url": rtype, "ifNoneExist": search})
        self.entries.append({"fullUrl": full_url, "resource": resource, "request": request})
        self._urls.add(full_url)
        return full_url

    def has(self, full_url: str) -> bool:
        return full_url in self._urls

    def add_tagged(self, full_url: str, resource: dict[str, Any], kind: str, key: Any) -> str:
        """A resource R4 gives no identifier (Provenance): a meta.tag of ours instead, and a
        conditional create on it (``_tag``, searchable on every resource: HAPI, Medplum).
        Not a PUT of our own id: Medplum refuses to create by a client-assigned id."""
        tag = {"system": self.system(kind), "code": str(key)}
        resource["meta"] = {**resource.get("meta", {}), "tag": [tag]}
        search = "_tag=" + quote(f"{tag['system']}|{tag['code']}", safe=":|")
        self.entries.append({"fullUrl": full_url, "resource": resource,
                             "request": {"method": "POST", "url": resource["resourceType"], "ifNoneExist": search}})
        return full_url

    def bundle(self) -> dict[str, Any]:
        return clean({"resourceType": "Bundle", "type": "transaction", "timestamp": clock.now_iso(),
                      "entry": self.entries})


# -- builders: rows in, resources out (no I/O) -------------------------------------------
def patient(client: dict[str, Any], identifier: dict[str, str], *, include_identity: bool) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient", "meta": SECURITY, "active": True,
        "identifier": [{**identifier, "use": "usual", "type": {"text": "Client code"}}],
    }
    if include_identity:
        if client.get("display_name"):
            resource["name"] = [{"text": client["display_name"]}]
        if fhir_date(client.get("date_of_birth")):
            resource["birthDate"] = fhir_date(client["date_of_birth"])
    return resource


def practitioner(name: str, credentials: str, *, fingerprint: str = "", npi: str = "",
                 licence: str = "") -> dict[str, Any]:
    identifiers = []
    if npi:
        identifiers.append({"use": "official", "system": NPI, "value": npi})
    if fingerprint:
        identifiers.append({"use": "secondary", "system": KEY_FINGERPRINT_SYSTEM, "value": fingerprint,
                            "type": {"text": "Hushpad signing key (Ed25519) fingerprint"}})
    qualification = {"code": {"text": credentials or "Clinician"},
                     "identifier": [{"value": licence, "type": {"text": "Licence number"}}] if licence else []}
    return {"resourceType": "Practitioner", "active": True, "identifier": identifiers,
            "name": [{"text": name}], "qualification": [qualification] if credentials or licence else []}


def organization(name: str, address: str) -> dict[str, Any]:
    return {"resourceType": "Organization", "active": True, "name": name,
            "address": [{"text": address}] if address else []}


def session_period(session: dict[str, Any]) -> dict[str, str | None]:
    return {"start": fhir_instant(session.get("started_at")), "end": fhir_instant(session.get("ended_at"))}


def encounter(session: dict[str, Any], facts: dict[str, Any], identifier: dict[str, str], *, patient_ref: str,
              practitioner_ref: str, organization_ref: str | None = None,
              diagnoses: list[tuple[str, int]] = ()) -> dict[str, Any]:
    """One session. ``facts`` are the signed note's session facts (setting, CPT, minutes);
    ``diagnoses`` are (Condition fullUrl, rank), rank 1 the primary."""
    # The stored telehealth kind (issue 13 item 3) where the note has one, else the setting.
    kind = facts.get("telehealth")
    telehealth = (kind in ("video", "audio-only") if kind in ("none", "video", "audio-only")
                  else (facts.get("setting") or session.get("setting")) == "telehealth")
    minutes = facts.get("duration_min") or session.get("duration_min")
    typed = (facts.get("cpt_code") or "").strip()  # "90837", or typed with its modifier "90837-95"
    cpt = typed.split("-")[0].strip()
    modifier = "" if "-" in typed else str(facts.get("cpt_modifier") or "").strip() if telehealth else ""
    pos = str(facts.get("place_of_service") or "").strip()
    billed = f"CPT {typed}" + (f"-{modifier}" if modifier else "") + (f" (POS {pos})" if pos else "")
    return {
        "resourceType": "Encounter", "meta": SECURITY, "identifier": [identifier], "status": "finished",
        "class": ({"system": V3_ACT, "code": "VR", "display": "virtual"} if telehealth
                  else {"system": V3_ACT, "code": "AMB", "display": "ambulatory"}),
        "type": [{"coding": [{"system": CPT, "code": cpt}], "text": billed}] if cpt else [],
        "subject": ref(patient_ref),
        "participant": [{"type": [{"coding": [{"system": V3_PARTICIPATION, "code": "PPRF",
                                               "display": "primary performer"}]}],
                         "individual": ref(practitioner_ref)}],
        "period": session_period(session),
        "length": ({"value": int(minutes), "unit": "min", "system": UCUM, "code": "min"}
                   if isinstance(minutes, int) and not isinstance(minutes, bool) and minutes >= 0 else None),
        "diagnosis": [{"condition": ref(url), "rank": rank} for url, rank in diagnoses],
        "serviceProvider": ref(organization_ref) if organization_ref else None,
    }


def document_reference(*, text: str, identifier: dict[str, str], seal: str, group: bool, title: str,
                       description: str, signed_at: str | None, patient_ref: str, author_ref: str,
                       author_display: str, encounter_ref: str | None, period: dict[str, Any] | None,
                       payload: bytes | None, appends: str | None = None,
                       organization_ref: str | None = None) -> dict[str, Any]:
    """A signed note or addendum: the exact signed text as the attachment (and the signed
    payload, whose bytes the Ed25519 signature covers, as a second one)."""
    content = [{"attachment": attachment(text.encode("utf-8"), "text/plain; charset=utf-8", title, signed_at),
                "format": MIME_SUFFICIENT}]
    if payload is not None:
        content.append({"attachment": attachment(payload, "application/json", f"{title}: signed payload (Ed25519)",
                                                 signed_at)})
    return {
        "resourceType": "DocumentReference", "meta": SECURITY,
        "masterIdentifier": {"system": SEAL_SYSTEM, "value": seal}, "identifier": [identifier],
        "status": "current", "docStatus": "final",
        "type": {"coding": [GROUP_COUNSELING_NOTE if group else MENTAL_HEALTH_PROGRESS_NOTE, PROGRESS_NOTE],
                 "text": "Group therapy progress note" if group else "Psychotherapy progress note"},
        "category": [CLINICAL_NOTE],
        "subject": ref(patient_ref), "date": signed_at,
        "author": [ref(author_ref, author_display)], "authenticator": ref(author_ref, author_display),
        "custodian": ref(organization_ref) if organization_ref else None,
        "relatesTo": [{"code": "appends", "target": ref(appends)}] if appends else [],
        "description": description,
        "securityLabel": [{"coding": [RESTRICTED]}, {"coding": [BEHAVIOURAL_HEALTH]}],
        "content": content,
        "context": {"encounter": [ref(encounter_ref)] if encounter_ref else [], "period": period},
    }


def provenance(*, target_ref: str, signed_at: str | None, author_ref: str, author_display: str,
               signed: sig.Signed | None) -> dict[str, Any]:
    """Who signed what, when: FHIR's place for a signature (Provenance.signature). ``data`` is
    the raw 64-byte Ed25519 signature over the bytes of the target's application/json
    attachment (``targetFormat``); there is no MIME type for a raw Ed25519 signature, so
    ``sigFormat`` is left out and the README says how to check it with openssl."""
    signatures = []
    if signed is not None:
        signatures.append({"type": [AUTHORS_SIGNATURE], "when": signed_at, "who": ref(author_ref, author_display),
                           "targetFormat": "application/json", "data": sig.b64(signed.signature)})
    return {
        "resourceType": "Provenance", "meta": SECURITY, "target": [ref(target_ref)], "recorded": signed_at,
        "agent": [{"type": {"coding": [{"system": PROVENANCE_AGENT, "code": "author", "display": "Author"}]},
                   "who": ref(author_ref, author_display)}],
        "signature": signatures,
    }


def measure_observations(builder: BundleBuilder, row: dict[str, Any], *, effective: str | None, issued: str | None,
                         patient_ref: str, practitioner_ref: str, encounter_ref: str | None) -> list[str]:
    """One administration: the panel, with hasMember its total and (when the items were
    scored) each item; the total derivedFrom the items. Returns the fullUrls added."""
    key = row["instrument"]
    base = {"resourceType": "Observation", "meta": SECURITY, "status": "final", "category": SURVEY,
            "subject": ref(patient_ref), "encounter": ref(encounter_ref) if encounter_ref else None,
            "effectiveDateTime": effective, "issued": issued, "performer": [ref(practitioner_ref)]}
    if key == "pcl5":
        return pcl5_observations(builder, row, base=base)
    if key == "cssrs":
        return cssrs_observation(builder, row, base=base)
    form = LOINC_INSTRUMENTS[key]
    items = _items_of(row)
    urls: list[str] = []
    item_urls = []
    for number, ((code, question), score) in enumerate(zip(form.items, items or []), start=1):
        url = builder.full_url("measure", f"{row['id']}:item{number}")
        answer, display = ANSWERS[int(score)]
        flagged = key == "phq9" and number == 9 and int(score) > 0
        builder.add(url, {
            **base, "identifier": [builder.identifier("measure", f"{row['id']}:item{number}")],
            "code": {"coding": [{"system": LOINC, "code": code, "display": question}], "text": question},
            "valueCodeableConcept": {"coding": [{"system": LOINC, "code": answer, "display": display}],
                                     "text": f"{display} ({score})"},
            "interpretation": [{"coding": [{"system": V3_INTERPRETATION, "code": "A", "display": "Abnormal"}],
                                "text": "Item 9 above 0: the note's risk section addresses it"}] if flagged else [],
        }, builder.identifier("measure", f"{row['id']}:item{number}"))
        item_urls.append(url)
    total_url = builder.full_url("measure", f"{row['id']}:total")
    name = INSTRUMENTS[key].name
    builder.add(total_url, {
        **base, "identifier": [builder.identifier("measure", f"{row['id']}:total")],
        "code": {"coding": [{"system": LOINC, "code": form.total[0], "display": form.total[1]}],
                 "text": f"{name} total score"},
        "valueQuantity": {"value": int(row["total"]), "unit": "{score}", "system": UCUM, "code": "{score}"},
        "interpretation": [{"text": f"{name} {stored_band(key, row['total'])}"}],
        "derivedFrom": [ref(u) for u in item_urls],
    }, builder.identifier("measure", f"{row['id']}:total"))
    panel_url = builder.full_url("measure", f"{row['id']}:panel")
    builder.add(panel_url, {
        **base, "identifier": [builder.identifier("measure", f"{row['id']}:panel")],
        "code": {"coding": [{"system": LOINC, "code": form.panel[0], "display": form.panel[1]}], "text": name},
        "hasMember": [ref(total_url)] + [ref(u) for u in item_urls],
    }, builder.identifier("measure", f"{row['id']}:panel"))
    return [*item_urls, total_url, panel_url]


def _items_of(row: dict[str, Any]) -> list[int] | None:
    items = row.get("items_json", row.get("items"))
    if isinstance(items, str):
        items = json.loads(items) if items else None
    return [int(i) for i in items] if items else None


def pcl5_observations(builder: BundleBuilder, row: dict[str, Any], *, base: dict[str, Any]) -> list[str]:
    """The PCL-5: its total (items as components, when scored) in its panel."""
    items = _items_of(row)
    total_url = builder.full_url("measure", f"{row['id']}:total")
    builder.add(total_url, {
        **base, "identifier": [builder.identifier("measure", f"{row['id']}:total")],
        "code": {"coding": [{"system": LOINC, "code": PCL5_TOTAL[0], "display": PCL5_TOTAL[1]}],
                 "text": "PCL-5 total score"},
        "valueQuantity": {"value": int(row["total"]), "unit": "{score}", "system": UCUM, "code": "{score}"},
        "interpretation": [{"text": f"PCL-5 {stored_band('pcl5', row['total'])}"}],
        "component": [{"code": {"text": f"PCL-5 item {n}"}, "valueInteger": score}
                      for n, score in enumerate(items or [], start=1)],
    }, builder.identifier("measure", f"{row['id']}:total"))
    panel_url = builder.full_url("measure", f"{row['id']}:panel")
    builder.add(panel_url, {
        **base, "identifier": [builder.identifier("measure", f"{row['id']}:panel")],
        "code": {"coding": [{"system": LOINC, "code": PCL5_PANEL[0], "display": PCL5_PANEL[1]}], "text": "PCL-5"},
        "hasMember": [ref(total_url)],
    }, builder.identifier("measure", f"{row['id']}:panel"))
    return [total_url, panel_url]


def cssrs_observation(builder: BundleBuilder, row: dict[str, Any], *, base: dict[str, Any]) -> list[str]:
    """The C-SSRS screener: the risk level its answers imply, each answer a component.
    Questions 3-5 are asked only after a yes to question 2; otherwise they are "not asked"."""
    from ..domain.measures import CSSRS_Q6_RECENT, CSSRS_QUESTIONS

    items = _items_of(row)
    level = stored_band("cssrs", row["total"])
    components = []
    for number, (question, answer) in enumerate(zip(CSSRS_QUESTIONS, items or []), start=1):
        component: dict[str, Any] = {"code": {"text": f"C-SSRS Q{number}: {question}"}}
        if 3 <= number <= 5 and items and not items[1]:
            component["dataAbsentReason"] = {"coding": [{"system": DATA_ABSENT, "code": "not-asked",
                                                         "display": "Not Asked"}]}
        elif number == 6 and answer:
            component["valueCodeableConcept"] = {"coding": [YES], "text": "Yes, within the past 3 months"
                                                 if answer == CSSRS_Q6_RECENT else "Yes, over 3 months ago"}
        else:
            component["valueCodeableConcept"] = {"coding": [YES if answer else NO], "text": "Yes" if answer else "No"}
        components.append(component)
    url = builder.full_url("measure", f"{row['id']}:level")
    builder.add(url, {
        **base, "identifier": [builder.identifier("measure", f"{row['id']}:level")],
        "code": {"coding": [{"system": LOINC, "code": CSSRS_RISK_LEVEL[0], "display": CSSRS_RISK_LEVEL[1]}],
                 "text": "C-SSRS screener risk level"},
        "valueCodeableConcept": {"text": f"C-SSRS screener: {level}"},
        "interpretation": ([{"coding": [{"system": V3_INTERPRETATION, "code": "A", "display": "Abnormal"}],
                             "text": "Positive screen: the note's risk section addresses it"}]
                           if int(row["total"]) > 0 else []),
        "component": components,
    }, builder.identifier("measure", f"{row['id']}:level"))
    return [url]


def diagnosis_conditions(builder: BundleBuilder, diagnoses: "list[Diagnosis]", *, patient_ref: str,
                         practitioner_ref: str, removed: "list[tuple[Diagnosis, str]]" = ()) -> list[tuple[str, int]]:
    """A Condition (ICD-10-CM) per diagnosis, primary first; returns (fullUrl, rank) for
    Encounter.diagnosis and CarePlan.addresses."""
    ranked = sorted(diagnoses, key=lambda d: not d.primary)
    out = []
    for rank, dx in enumerate(ranked, start=1):
        url = builder.full_url("diagnosis", dx.code)  # a plan holds a code once
        builder.add(url, {
            "resourceType": "Condition", "meta": SECURITY, "identifier": [builder.identifier("diagnosis", dx.code)],
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
            "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis",
                                      "display": "Encounter Diagnosis"}]}],
            "code": {"coding": [{"system": ICD10CM, "code": dx.code, "display": dx.title}],
                     "text": f"{dx.code} {dx.title}" + (" (primary)" if dx.primary else "")},
            "subject": ref(patient_ref), "onsetDateTime": dx.onset.isoformat() if dx.onset else None,
            "asserter": ref(practitioner_ref),
        }, builder.identifier("diagnosis", dx.code), update=True)
        out.append((url, rank))
    # A code on the plan again is the current Condition; one taken off twice, the later removal.
    latest: dict[str, tuple[Diagnosis, str]] = {}
    for dx, removed_on in removed:
        if dx.code not in {d.code for d in diagnoses} and removed_on >= latest.get(dx.code, (dx, ""))[1]:
            latest[dx.code] = (dx, removed_on)
    for dx, removed_on in latest.values():
        url = builder.full_url("diagnosis", dx.code)
        builder.add(url, {
            "resourceType": "Condition", "meta": SECURITY, "identifier": [builder.identifier("diagnosis", dx.code)],
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "inactive"}]},
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
            "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis",
                                      "display": "Encounter Diagnosis"}]}],
            "code": {"coding": [{"system": ICD10CM, "code": dx.code, "display": dx.title}],
                     "text": f"{dx.code} {dx.title} (removed from the treatment plan {removed_on})"},
            "subject": ref(patient_ref), "onsetDateTime": dx.onset.isoformat() if dx.onset else None,
            "abatementDateTime": removed_on or None, "asserter": ref(practitioner_ref),
        }, builder.identifier("diagnosis", dx.code), update=True)
    return out


def treatment_plan(builder: BundleBuilder, plan: dict[str, Any], *, client_key: Any, patient_ref: str,
                   practitioner_ref: str, diagnoses: list[str] = ()) -> None:
    """Problems as Conditions (problem-list items, in the clinician's words), a Goal per goal
    with its progress as achievementStatus, and one CarePlan tying them together."""
    problem_urls: dict[Any, str] = {}
    for problem in plan["problems"]:
        url = problem_urls[problem["id"]] = builder.full_url("problem", problem["id"])
        status = problem["status"] if problem["status"] in ("active", "inactive", "resolved", "remission") else "active"
        builder.add(url, {
            "resourceType": "Condition", "meta": SECURITY, "identifier": [builder.identifier("problem", problem["id"])],
            "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": status}]},
            "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item",
                                      "display": "Problem List Item"}]}],
            "code": {"text": problem["description"]}, "subject": ref(patient_ref),
            "recordedDate": fhir_date(problem.get("created_at")), "asserter": ref(practitioner_ref),
        }, builder.identifier("problem", problem["id"]), update=True)
    goal_urls = []
    activities = []
    for goal in plan["goals"]:
        url = builder.full_url("goal", goal["id"])
        goal_urls.append(url)
        history = goal.get("history") or []
        if goal["status"] == "met":
            achievement: tuple[str, str] | None = ("achieved", "Achieved")
        elif history:
            achievement = ACHIEVEMENT.get(history[-1][1])
        else:
            achievement = ("in-progress", "In Progress") if goal["status"] == "active" else None
        builder.add(url, {
            "resourceType": "Goal", "meta": SECURITY, "identifier": [builder.identifier("goal", goal["id"])],
            "lifecycleStatus": GOAL_LIFECYCLE.get(goal["status"], "active"),
            "achievementStatus": ({"coding": [{"system": GOAL_ACHIEVEMENT, "code": achievement[0],
                                               "display": achievement[1]}]} if achievement else None),
            "description": {"text": goal["description"]}, "subject": ref(patient_ref),
            "startDate": fhir_date(goal.get("created_at")),
            "statusDate": fhir_date(history[-1][0]) if history else None,
            "addresses": [ref(problem_urls[goal["problem_id"]])] if goal.get("problem_id") in problem_urls else [],
            "note": [{"time": fhir_date(d), "text": f"Progress: {s}" + (f" ({e})" if e else "")}
                     for d, s, e in history],
        }, builder.identifier("goal", goal["id"]), update=True)
        state = {"active": "in-progress", "met": "completed", "discontinued": "stopped"}.get(goal["status"], "in-progress")
        interventions = goal.get("interventions", [])
        # Each objective is a Goal of its own (FHIR has no sub-goal), named "Objective 1.2" with
        # its goal, its target date as target.dueDate; its planned interventions are activities
        # serving it.
        for objective in goal.get("objectives", []):
            o_url = builder.full_url("objective", objective["id"])
            goal_urls.append(o_url)
            # (day, status, evidence) from each signed note that rated it (ClientChart.treatment_plan)
            o_history = [(h["day"], h["status"], h["evidence"]) for h in objective.get("history") or [] if h["status"]]
            o_status = objective.get("status") or "active"
            if o_status == "met":
                o_achievement: tuple[str, str] | None = ("achieved", "Achieved")
            elif o_history:
                o_achievement = ACHIEVEMENT.get(o_history[-1][1])
            else:
                o_achievement = ("in-progress", "In Progress") if o_status == "active" else None
            number = f"{goal['ordinal']}.{objective.get('ordinal') or '?'}"
            builder.add(o_url, {
                "resourceType": "Goal", "meta": SECURITY, "identifier": [builder.identifier("objective", objective["id"])],
                "lifecycleStatus": GOAL_LIFECYCLE.get(o_status, "active"),
                "achievementStatus": ({"coding": [{"system": GOAL_ACHIEVEMENT, "code": o_achievement[0],
                                                   "display": o_achievement[1]}]} if o_achievement else None),
                "description": {"text": f"Objective {number}: {objective['description']}"},
                "subject": ref(patient_ref), "startDate": fhir_date(objective.get("created_at")),
                "target": ([{"dueDate": fhir_date(objective["target_date"])}]
                           if fhir_date(objective.get("target_date")) else []),
                "statusDate": fhir_date(o_history[-1][0]) if o_history else None,
                "note": [{"text": f"Objective of goal {goal['ordinal']}: {goal['description']}"}]
                + [{"time": fhir_date(d), "text": f"Progress: {st}" + (f" ({e})" if e else "")}
                   for d, st, e in o_history],
            }, builder.identifier("objective", objective["id"]), update=True)
            o_state = {"active": "in-progress", "met": "completed", "discontinued": "stopped"}.get(o_status, state)
            activities += [{"detail": {"status": o_state, "description": i["description"], "goal": [ref(o_url), ref(url)]}}
                           for i in objective.get("interventions") or []]
        activities += [{"detail": {"status": state, "description": i["description"], "goal": [ref(url)]}}
                       for i in interventions if i.get("objective_id") is None]
    if not goal_urls and not problem_urls:
        return
    active = any(g["status"] == "active" for g in plan["goals"]) or not plan["goals"]
    builder.add(builder.full_url("plan", client_key), {
        "resourceType": "CarePlan", "meta": SECURITY, "identifier": [builder.identifier("plan", client_key)],
        "status": "active" if active else "completed", "intent": "plan",
        "category": [{"coding": [{"system": US_CORE_CAREPLAN_CATEGORY, "code": "assess-plan",
                                  "display": "Assessment and Plan of Treatment"}]}],
        "title": "Treatment plan", "subject": ref(patient_ref), "author": ref(practitioner_ref),
        "addresses": [ref(u) for u in [*diagnoses, *problem_urls.values()]],
        "goal": [ref(u) for u in goal_urls], "activity": activities,
    }, builder.identifier("plan", client_key), update=True)


def note_diagnoses(note: dict[str, Any], builder: BundleBuilder) -> list[tuple[str, int]]:
    """The diagnoses this note was signed with, as (Condition fullUrl, rank), primary first:
    what the Encounter states is what the note stated then, not the plan's diagnoses today.
    A code counts only if the signed text states it (the draft is not what was signed); a
    note signed before notes carried diagnoses states none."""
    try:
        labels = json.loads(note.get("draft_json") or "{}").get("diagnoses") or []
    except ValueError:
        labels = []
    text = note.get("canonical_text") or ""
    stated = next((line for line in text.splitlines() if line.startswith("Diagnoses: ")), "")
    out = []
    for label in labels:
        code = str(label).split(" ", 1)[0]
        url = builder.full_url("diagnosis", code)
        if code and f"{code} " in stated and builder.has(url):
            out.append((url, len(out) + 1))
    return out


# -- the use-case ------------------------------------------------------------------------
class FhirExport(RecordReader):
    """``hushpad export note ID --format fhir`` and ``export client CODE --format fhir``."""

    def __init__(self, workspace: "Workspace") -> None:
        super().__init__(workspace)
        self._checks = RecordsExport(workspace)  # the one verify, as every export runs it
        self.failures: list[str] = []  # always empty: a failing note refuses the export

    def note(self, note_id: int, *, include_identity: bool = False) -> str:
        from .writeup import NoteRecords

        note = NoteRecords(self.workspace).signed(note_id)
        session = self.record.session(note["session_id"]) or {}
        client = self.record.client(session.get("client_id")) or {}
        verdict = self._checks.verdict(note)
        self._refuse_unless_verified([f"note {note_id}: {'; '.join(verdict.problems)}"] if not verdict.ok else [])
        bundle = self._start(client, include_identity)
        measures = self.record.query("SELECT * FROM measure_scores WHERE session_id = ? ORDER BY id",
                                     (session["id"],)) if session else []
        self._note_entries(bundle, note, session, self.record.addenda(note_id), measures)
        self.record.audit(self.actor, "note exported", subject=f"note:{note_id}",
                          detail="fhir" + (" with name and date of birth" if include_identity else ""))
        return self._dump(bundle.builder)

    def client(self, code: str, *, include_identity: bool = False) -> str:
        return self._dump(self.client_bundle(code, include_identity=include_identity))

    def client_bundle(self, code: str, *, include_identity: bool = False) -> BundleBuilder:
        client = self.workspace.client_by_code(code)
        notes = queries.signed_notes(self.record, client["id"])
        verification = self._checks._record_verification(notes)  # every note and the notes' chain, in bulk
        self._refuse_unless_verified(verification["problems"])
        bundle = self._start(client, include_identity)
        ids = {n["id"] for n in notes}  # only what was verified (the TUI may sign another meanwhile)
        sessions = {s["id"]: s for s in queries.sessions_of(self.record, client["id"])}
        addenda: dict[int, list[dict[str, Any]]] = {}
        for row in queries.client_addenda(self.record, client["id"]):
            addenda.setdefault(row["note_id"], []).append(row)
        measures: dict[int, list[dict[str, Any]]] = {}
        for row in queries.client_measure_rows(self.record, client["id"]):
            measures.setdefault(row["session_id"], []).append(row)
        diagnoses = diagnosis_conditions(bundle.builder, self.diagnoses(client["id"]), patient_ref=bundle.patient,
                                         practitioner_ref=bundle.practitioner, removed=self.removed_diagnoses(client["id"]))
        for note in queries.client_signed_note_rows(self.record, client["id"]):
            if note["id"] in ids:
                sid = note["session_id"]
                self._note_entries(bundle, note, sessions.get(sid, {}), addenda.get(note["id"], []),
                                   measures.get(sid, []), note_diagnoses(note, bundle.builder))
        plan = ClientChart(self.workspace).treatment_plan(client["id"])
        treatment_plan(bundle.builder, plan, client_key=client["id"], patient_ref=bundle.patient,
                       practitioner_ref=bundle.practitioner, diagnoses=[u for u, _ in diagnoses])
        self.record.audit(self.actor, "client record exported", subject=f"client:{client['id']}",
                          detail="fhir" + (" with name and date of birth" if include_identity else ""))
        return bundle.builder

    def removed_diagnoses(self, client_id: int) -> list[tuple[Diagnosis, str]]:
        """Diagnoses taken off the plan, each with the day it was: exported as inactive, so a
        server that imported them earlier does not keep them active."""
        from .diagnoses import diagnosis_of

        return [(diagnosis_of(row), day(row["removed_at"])) for row in self.record.diagnoses(client_id, current_only=False)
                if row["removed_at"]]

    def diagnoses(self, client_id: int) -> list[Diagnosis]:
        """The client's current ICD-10-CM diagnoses on the plan (record schema v6), primary
        first, each with the title it was chosen with (a code retired since still exports)."""
        from .diagnoses import current, diagnosis_of

        return [diagnosis_of(row) for row in current(self.record, client_id)]

    # -- pieces ---------------------------------------------------------------------------
    @staticmethod
    def _refuse_unless_verified(problems: Any) -> None:
        if problems:
            raise FhirExportError(
                "No FHIR export was written: a note does not match what was signed ("
                + "; ".join(problems) + "). A practice's server would import it as genuine. "
                "Run `hushpad doctor`; the md or json export shows the record under a SIGNATURE INVALID banner.")

    def _start(self, client: dict[str, Any], include_identity: bool) -> "_Open":
        from .signing import Signatures

        config = self.workspace.config
        builder = BundleBuilder(self.workspace.profile.profile_id)
        organization_ref = None
        practice = _text_of(config, "practice_name")
        if practice:
            organization_ref = builder.add(builder.full_url("practice", practice),
                                           organization(practice, _text_of(config, "practice_address")),
                                           {"system": builder.system("practice"), "value": practice})
        fingerprint = Signatures(self.workspace).fingerprint()
        npi = _text_of(config, "npi", "clinician_npi")
        npi = npi if len(npi) == 10 and npi.isdigit() else ""
        match = ({"system": NPI, "value": npi} if npi else {"system": KEY_FINGERPRINT_SYSTEM, "value": fingerprint})
        practitioner_ref = builder.add(builder.full_url("clinician", fingerprint), practitioner(
            config.signer, config.credentials, fingerprint=fingerprint, npi=npi,
            licence=_text_of(config, "licence_number", "license_number", "licence", "license")), match)
        patient_ref = builder.add(builder.full_url("client", client["id"]),
                                  patient(client, builder.identifier("client", client["code"]),
                                          include_identity=include_identity),
                                  builder.identifier("client", client["code"]))
        return _Open(builder, patient_ref, practitioner_ref, organization_ref)

    def _note_entries(self, bundle: "_Open", note: dict[str, Any], session: dict[str, Any],
                      addenda: list[dict[str, Any]], measures: list[dict[str, Any]],
                      diagnoses: list[tuple[str, int]] = ()) -> None:
        b = bundle.builder
        signed = sig.stored_signed(note)
        payload = json.loads(signed.payload) if signed is not None else {}
        facts = payload.get("facts") or json.loads(note.get("draft_json") or "{}").get("facts") or {}
        group = bool(session.get("group_session_id")) or (note.get("template") or "").lower() == "group"
        encounter_ref = None
        if session:
            encounter_ref = b.add(b.full_url("session", session["id"]), encounter(
                session, facts, b.identifier("session", session["id"]), patient_ref=bundle.patient,
                practitioner_ref=bundle.practitioner, organization_ref=bundle.organization, diagnoses=list(diagnoses)),
                b.identifier("session", session["id"]))
        who = (note.get("signer") or "") + (f", {note['credentials']}" if note.get("credentials") else "")
        signed_at = fhir_instant(note.get("signed_at"))
        when = day(session.get("started_at")) or day(note.get("signed_at"))
        template = (payload.get("template") or {}).get("name") or (note.get("template") or "").upper()
        number = facts.get("session_number")
        doc_url = b.add(b.full_url("note", note["id"]), document_reference(
            text=note["canonical_text"] or "", identifier=b.identifier("note", note["id"]),
            seal=note["content_hash"], group=group, title=f"Progress note {when}",
            description=f"{template} progress note, {when}" + (f", session {number}" if number else "")
            + (" (late entry)" if note.get("late_entry") else ""),
            signed_at=signed_at, patient_ref=bundle.patient, author_ref=bundle.practitioner, author_display=who,
            encounter_ref=encounter_ref, period=session_period(session) if session else None,
            payload=signed.payload if signed is not None else None, organization_ref=bundle.organization),
            b.identifier("note", note["id"]))
        b.add_tagged(b.full_url("note-signature", note["id"]), provenance(
            target_ref=doc_url, signed_at=signed_at, author_ref=bundle.practitioner, author_display=who, signed=signed),
            "note-signature", note["id"])
        for addendum in addenda:
            a_signed = sig.stored_signed(addendum)
            a_who = addendum["signer"] + (f", {addendum['credentials']}" if addendum.get("credentials") else "")
            a_at = fhir_instant(addendum["created_at"])
            a_url = b.add(b.full_url("addendum", addendum["id"]), document_reference(
                text=addendum["body"], identifier=b.identifier("addendum", addendum["id"]),
                seal=addendum["content_hash"], group=group, title=f"Addendum {day(addendum['created_at'])}",
                description=f"Addendum of {day(addendum['created_at'])} to the progress note of {when}",
                signed_at=a_at, patient_ref=bundle.patient, author_ref=bundle.practitioner, author_display=a_who,
                encounter_ref=encounter_ref, period=None, appends=doc_url,
                payload=a_signed.payload if a_signed is not None else None, organization_ref=bundle.organization),
                b.identifier("addendum", addendum["id"]))
            b.add_tagged(b.full_url("addendum-signature", addendum["id"]), provenance(
                target_ref=a_url, signed_at=a_at, author_ref=bundle.practitioner, author_display=a_who,
                signed=a_signed), "addendum-signature", addendum["id"])
        for row in measures:
            if row["instrument"] in (*LOINC_INSTRUMENTS, "pcl5", "cssrs"):  # custom scales have no LOINC code
                measure_observations(b, row, effective=fhir_instant(session.get("started_at")), issued=signed_at,
                                     patient_ref=bundle.patient, practitioner_ref=bundle.practitioner,
                                     encounter_ref=encounter_ref)

    @staticmethod
    def _dump(builder: BundleBuilder) -> str:
        """One entry a line (json's C encoder: an indented 10,000-note Bundle took 4x as long)."""
        bundle = builder.bundle()
        entries = bundle.pop("entry", [])
        head = json.dumps(bundle, ensure_ascii=False)[:-1]
        if not entries:
            return head + "}\n"
        lines = ",\n".join(json.dumps(e, ensure_ascii=False) for e in entries)
        return f'{head}, "entry": [\n{lines}\n]}}\n'


@dataclass
class _Open:
    builder: BundleBuilder
    patient: str
    practitioner: str
    organization: str | None = None

