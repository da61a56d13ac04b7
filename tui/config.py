"""Settings from TOML, and where the profile lives.

A bad config names the file and line and stops start-up: Hushpad never runs
half-configured.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import HushpadError
from .storage.paths import ProfilePaths
from .theme import THEME_NAMES

if TYPE_CHECKING:
    from .domain.letterhead import Letterhead
    from .domain.measures import CustomScale
    from .domain.shorthand import ShorthandRules
    from .domain.templates import Template

APP_NAME = "hushpad"
ENV_HOME = "HUSHPAD_HOME"
PASTE_LIMIT_MAX_KB = 16 * 1024  # 16 MB: more than any session's jottings; a bigger paste is a mistake

EXAMPLE_CONFIG = """\
# Hushpad settings. Lines starting with # are comments.
[clinician]
name = ""            # shown on signed notes, e.g. "Dana Reyes"
credentials = ""     # e.g. "LCSW"
licence_number = ""  # printed on exports, e.g. "LCSW 12345 (CA)"; license_number works too
npi = ""             # 10-digit NPI, printed on exports if set (its check digit is verified)

[practice]           # the header of every export and records request (all optional)
name = ""            # e.g. "Riverside Counselling"
address = ""         # one line, or several: "12 Main St\\nSpringfield, IL 62701"
phone = ""

[billing]            # CPT suggestions on the write-up's facts step; fees for the superbill
default_payer = ""   # whose telehealth modifiers apply (clients carry no payer yet); "" = CMS: 95 video, 93 audio-only
# [billing.payers.acme]   # one table per payer: its telehealth modifiers ("" = the payer wants none)
# video = "GT"
# audio-only = ""
# [billing.fees]          # fee per CPT code, in the practice's currency
# "90834" = 120.00
# "90837" = 150.00

[notes]
default_template = "SOAP"   # SOAP, DAP, BIRP, GIRP, NARRATIVE, GROUP or a custom one
# interventions = ["Cognitive restructuring", "EMDR", …]   # the write-up's pick list

[privacy]
idle_lock_minutes = 10      # outside a session: drop keys from memory after this
curtain_minutes = 5         # in session: draw the curtain after this much idle time
paste_limit_kb = 1024       # larger pastes into the scratchpad are refused
show_client_names = false   # scratchpad shows the client code only

[appearance]
theme = "hushpad-dusk"

# [shorthand.markers]       # extra marker prefixes per category
# intervention = [">", "int:"]
# [shorthand.abbreviations]
# "ACT" = "acceptance and commitment therapy"
# [keys]                    # remap a key by its binding id
# "scratchpad.curtain" = "f2"

# A custom scale: no published manual, so its rules are yours. Typed in session by its key
# ("sleep 3 1 2 0 4", or a total: "sleep 12"), scored with the reverse items counted as
# (low + high - answer), banded, and stated with its definition in the signed note (a
# note signed before you change the scale keeps the definition it was scored with).
# The key: 2-16 lower-case letters or digits, not a shorthand marker (o, hw, g1, ...)
# and not a word you begin lines with ("so 3 kids" would read as a score).
# [measures.custom.sleep]
# name = "Sleep quality"
# items = 5
# item_range = [0, 4]                            # each answer's lowest and highest
# reverse = [2, 5]                               # reverse-scored items (optional)
# bands = [[0, "good"], [8, "fair"], [14, "poor"]]   # [lowest total, name], rising
"""


class ConfigError(HushpadError):
    pass


@dataclass(frozen=True)
class Config:
    profile_dir: Path
    config_path: Path
    clinician_name: str = ""
    credentials: str = ""
    licence_number: str = ""
    npi: str = ""
    practice_name: str = ""
    practice_address: str = ""
    practice_phone: str = ""
    default_template: str = "SOAP"
    idle_lock_minutes: float = 10.0
    curtain_minutes: float = 5.0
    paste_limit_kb: int = 1024
    show_client_names: bool = False
    theme: str = "hushpad-dusk"
    markers: dict[str, list[str]] = field(default_factory=dict)
    abbreviations: dict[str, str] = field(default_factory=dict)
    templates: dict[str, Any] = field(default_factory=dict)
    keymap: dict[str, str] = field(default_factory=dict)
    interventions: tuple[str, ...] = ()
    # [billing]: the payer whose modifiers apply, each payer's telehealth modifiers
    # ({"acme": {"video": "GT", "audio-only": ""}}) and the fee per CPT code.
    billing_payer: str = ""
    payer_modifiers: dict[str, dict[str, str]] = field(default_factory=dict)
    fees: dict[str, float] = field(default_factory=dict)
    # [measures.custom.KEY]: the clinician's own scales, by key (see domain.measures.CustomScale).
    custom_scales: dict[str, "CustomScale"] = field(default_factory=dict)
    demo: bool = False
    debug: bool = False

    @property
    def paths(self) -> ProfilePaths:
        return ProfilePaths(self.profile_dir)

    @property
    def signer(self) -> str:
        return self.clinician_name or "clinician"

    @property
    def letterhead(self) -> "Letterhead":
        """The practice and clinician header printed around (never inside) the signed text."""
        from .domain.letterhead import Letterhead

        return Letterhead(practice=self.practice_name, address=self.practice_address, phone=self.practice_phone,
                          clinician=self.clinician_name, credentials=self.credentials,
                          licence=self.licence_number, npi=self.npi)

    @property
    def telehealth_modifiers(self) -> dict[str, str]:
        """The default payer's telehealth modifiers (empty: the CMS defaults, 95 and 93)."""
        return dict(self.payer_modifiers.get(self.billing_payer, {}))

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    # The [shorthand] and [templates] tables as domain objects, parsed once. load_config
    # parses any that the file sets at start-up, so a mistake stops Hushpad with its line;
    # with none set (nothing there can be wrong) they are built here on first use, which
    # keeps tui.domain.shorthand, measures and templates off the first paint (issue 14).
    @cached_property
    def shorthand(self) -> "ShorthandRules":
        from .domain.shorthand import ShorthandRules

        return ShorthandRules.from_config(self.markers or None, self.abbreviations or None, self.custom_scales)

    @cached_property
    def note_templates(self) -> dict[str, "Template"]:
        from .domain.templates import templates_with

        return templates_with(self.templates or None)


def write_example_config(config: Config) -> bool:
    """At setup, leave a commented config.toml to fill in (name and credentials go on every
    signed note). Never overwrites one. Returns True when it wrote the file."""
    from .storage.files import DIR_MODE, atomic_write

    path = config.config_path
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    atomic_write(path, EXAMPLE_CONFIG.encode("utf-8"))
    return True


def default_profile_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_path(profile_dir: Path, explicit_profile: bool) -> Path:
    if explicit_profile or os.environ.get(ENV_HOME):
        return profile_dir / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _header(table: str) -> re.Pattern[str]:
    # [ \t], not \s: \s also eats newlines, which put the match on a blank line above.
    return re.compile(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", re.MULTILINE)


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """Line of a key (searched from its table's header on) or of a [table] header."""
    start = 0
    if table is not None:
        found = _header(table).search(text)
        start = found.end() if found else 0
    if key.startswith("["):  # a table header
        pattern = _header(key[1:-1])
    else:
        pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    match = pattern.search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


# (table, key) -> (attribute, type, check)
_FIELDS: dict[tuple[str, str], tuple[str, type | tuple[type, ...]]] = {
    ("clinician", "name"): ("clinician_name", str),
    ("clinician", "credentials"): ("credentials", str),
    ("clinician", "licence_number"): ("licence_number", str),
    ("clinician", "license_number"): ("licence_number", str),  # the US spelling, same setting
    ("clinician", "npi"): ("npi", str),
    ("practice", "name"): ("practice_name", str),
    ("practice", "address"): ("practice_address", str),
    ("practice", "phone"): ("practice_phone", str),
    ("notes", "default_template"): ("default_template", str),
    ("notes", "interventions"): ("interventions", list),
    ("privacy", "idle_lock_minutes"): ("idle_lock_minutes", (int, float)),
    ("privacy", "curtain_minutes"): ("curtain_minutes", (int, float)),
    ("privacy", "paste_limit_kb"): ("paste_limit_kb", int),
    ("privacy", "show_client_names"): ("show_client_names", bool),
    ("appearance", "theme"): ("theme", str),
}
# The built-in templates' keys (tui.domain.templates.BUILTIN_TEMPLATES), so that a
# default_template naming one is accepted without importing the templates at start-up;
# tests/unit/config keeps the two equal. Any other name goes through the full check.
BUILTIN_TEMPLATE_KEYS = frozenset({"soap", "dap", "birp", "girp", "narrative", "group", "intake", "discharge"})
_TABLES = {"clinician", "practice", "notes", "privacy", "appearance", "shorthand", "keys", "templates", "billing",
           "measures"}


def load_config(profile_dir: Path, config_path: Path | None = None, *, explicit_profile: bool = False) -> Config:
    path = config_path or default_config_path(profile_dir, explicit_profile)
    base = Config(profile_dir=profile_dir, config_path=path)
    if not path.exists():
        return base
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}).") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in the message.
        raise ConfigError(f"{path}: {exc}. Hushpad did not start; fix the file or move it away.") from None
    return _apply(base, doc, text, path)


def _fail(path: Path, text: str, key: str, message: str, table: str | None = None) -> ConfigError:
    line = _line_of(text, key, table)
    where = f"{path}, line {line}" if line else str(path)
    return ConfigError(f"{where}: {message}. Hushpad did not start; fix the file or move it away.")


def _apply(config: Config, doc: dict[str, Any], text: str, path: Path) -> Config:
    changes: dict[str, Any] = {}
    for table in doc:
        if table not in _TABLES:
            raise _fail(path, text, f"[{table}]", f"unknown section [{table}]")
        if not isinstance(doc[table], dict):
            raise _fail(path, text, table, f"'{table}' must be a section, written [{table}]")
    if {"licence_number", "license_number"} <= set(doc.get("clinician", {})):
        raise _fail(path, text, "license_number", "licence_number and license_number are the same setting; "
                    "keep one", "clinician")
    for (table, key), (attr, kind) in _FIELDS.items():
        section = doc.get(table, {})
        if not isinstance(section, dict) or key not in section:
            continue
        value = section[key]
        if isinstance(value, bool) and kind is not bool:
            raise _fail(path, text, key, f"'{key}' must be a number, not true/false", table)
        if not isinstance(value, kind):
            expected = {str: "text in quotes", bool: "true or false", int: "a whole number", list: "a list"}.get(kind, "a number")  # type: ignore[call-overload]
            raise _fail(path, text, key, f"'{key}' must be {expected}", table)
        changes[attr] = value
    for table, section in doc.items():
        if table in ("shorthand", "keys", "templates", "billing", "measures"):
            continue
        known = {k for (t, k) in _FIELDS if t == table}
        for key in section:
            if key not in known:
                raise _fail(path, text, key, f"unknown setting '{key}' in [{table}]", table)
    if "interventions" in changes:
        items = changes["interventions"]
        if not all(isinstance(i, str) and i.strip() for i in items):
            raise _fail(path, text, "interventions", "'interventions' must be a list of non-empty texts")
        changes["interventions"] = tuple(i.strip() for i in items)
    for attr in ("idle_lock_minutes", "curtain_minutes"):
        if attr in changes and not 0 < changes[attr] <= 24 * 60:
            raise _fail(path, text, attr, f"'{attr}' must be between 0 and 1440 minutes", "privacy")
    if "paste_limit_kb" in changes and not 1 <= changes["paste_limit_kb"] <= PASTE_LIMIT_MAX_KB:
        raise _fail(path, text, "paste_limit_kb", f"'paste_limit_kb' must be at least 1 and at most {PASTE_LIMIT_MAX_KB}",
                    "privacy")
    if "theme" in changes and changes["theme"] not in THEME_NAMES:
        raise _fail(path, text, "theme", f"theme must be one of {', '.join(THEME_NAMES)}", "appearance")
    for attr, table, key in (("clinician_name", "clinician", "name"), ("credentials", "clinician", "credentials"),
                             ("licence_number", "clinician", _licence_key(doc)), ("npi", "clinician", "npi"),
                             ("practice_name", "practice", "name"), ("practice_phone", "practice", "phone")):
        if attr in changes:
            if attr not in ("clinician_name", "credentials"):  # those two are signed as written
                changes[attr] = changes[attr].strip()
            _check_one_line(path, text, key, changes[attr], table)
    if "practice_address" in changes:  # an address may take several lines, each one clean
        changes["practice_address"] = "\n".join(line.strip() for line in changes["practice_address"].strip().splitlines())
        for line in changes["practice_address"].split("\n"):
            _check_one_line(path, text, "address", line, "practice")
    if changes.get("npi"):
        from .domain.identifiers import npi_problem

        if problem := npi_problem(changes["npi"]):
            raise _fail(path, text, "npi", problem, "clinician")
    changes.update(_billing(path, text, doc.get("billing", {})))
    changes["custom_scales"] = _custom_scales(path, text, doc.get("measures", {}))
    shorthand = doc.get("shorthand", {})
    markers = shorthand.get("markers", {})
    if not isinstance(markers, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) and x for x in v) for v in markers.values()
    ):
        raise _fail(path, text, "[shorthand.markers]", "each [shorthand.markers] entry must be a list of non-empty strings")
    abbreviations = shorthand.get("abbreviations", {})
    if not isinstance(abbreviations, dict) or not all(isinstance(v, str) for v in abbreviations.values()):
        raise _fail(path, text, "[shorthand.abbreviations]", "each [shorthand.abbreviations] entry must be text")
    keymap = doc.get("keys", {})
    _check_keys(path, text, keymap)
    templates = doc.get("templates", {})
    if not isinstance(templates, dict):
        raise _fail(path, text, "[templates]", "[templates] must hold one table per custom template")
    changes.update(markers=markers, abbreviations=abbreviations, keymap=keymap, templates=templates)
    return _parse_domain(path, text, replace(config, **changes), "default_template" in changes)


_CPT_RE = re.compile(r"\d{4}[0-9FTU]")


def _billing(path: Path, text: str, section: dict[str, Any]) -> dict[str, Any]:
    """[billing]: default_payer, [billing.payers.NAME] video/audio-only modifiers, [billing.fees]."""
    for key in section:
        if key not in ("default_payer", "payers", "fees"):
            raise _fail(path, text, key, f"unknown setting '{key}' in [billing]", "billing")
    payer = section.get("default_payer", "")
    if not isinstance(payer, str):
        raise _fail(path, text, "default_payer", "'default_payer' must be text in quotes", "billing")
    payers = section.get("payers", {})
    if not isinstance(payers, dict) or not all(isinstance(v, dict) for v in payers.values()):
        raise _fail(path, text, "[billing]", "[billing.payers] must hold one table per payer, e.g. [billing.payers.acme]")
    modifiers: dict[str, dict[str, str]] = {}
    for name, table in payers.items():
        where = f"[billing.payers.{name}]"
        for mode, value in table.items():
            if mode not in ("video", "audio-only"):
                raise _fail(path, text, where, f"{where}: unknown setting '{mode}' (video or audio-only)")
            from .domain.billing import BillingError, telehealth_modifier  # only when a payer is set

            try:
                telehealth_modifier(mode, {mode: value})
            except BillingError as exc:
                raise _fail(path, text, where, f"{where}: {exc}") from None
        modifiers[name] = {mode: value.strip().upper() for mode, value in table.items()}
    if payer.strip() and payer.strip() not in modifiers:
        raise _fail(path, text, "default_payer", f"default_payer {payer!r} has no [billing.payers.{payer.strip()}] table",
                    "billing")
    fees = section.get("fees", {})
    if not isinstance(fees, dict):
        raise _fail(path, text, "[billing]", "[billing.fees] must be a table of CPT code = fee")
    for code, fee in fees.items():
        if not _CPT_RE.fullmatch(code):
            raise _fail(path, text, "[billing.fees]", f"[billing.fees]: {code[:12]!r} is not a CPT code (5 characters, "
                        "e.g. \"90837\")")
        if isinstance(fee, bool) or not isinstance(fee, (int, float)) or fee < 0:
            raise _fail(path, text, "[billing.fees]", f"[billing.fees]: the fee for {code} must be a number, 0 or more")
    return {"billing_payer": payer.strip(), "payer_modifiers": modifiers,
            "fees": {code: float(fee) for code, fee in fees.items()}}


def _custom_scales(path: Path, text: str, section: dict[str, Any]) -> dict[str, "CustomScale"]:
    """[measures.custom.KEY] tables, each a CustomScale; a bad one names its table and field."""
    for key in section:
        if key != "custom":
            raise _fail(path, text, key, f"unknown setting '{key}' in [measures] (custom scales are "
                        "[measures.custom.KEY] tables)", "measures")
    custom = section.get("custom", {})
    if not isinstance(custom, dict) or not all(isinstance(v, dict) for v in custom.values()):
        raise _fail(path, text, "[measures]", "[measures.custom] must hold one table per scale, "
                    "e.g. [measures.custom.sleep]")
    scales: dict[str, CustomScale] = {}
    if not custom:
        return scales
    from .domain.measures import CustomScale, MeasureError

    for key, table in custom.items():
        where = f"[measures.custom.{key}]"
        try:
            scales[key] = CustomScale.from_mapping(key, table)
        except MeasureError as exc:
            raise _fail(path, text, where, f"{where}: {exc}") from None
    return scales


def _licence_key(doc: dict[str, Any]) -> str:
    """Which spelling the file uses (for the line of a message)."""
    return "license_number" if "license_number" in doc.get("clinician", {}) else "licence_number"


def _check_one_line(path: Path, text: str, key: str, value: str, table: str = "clinician") -> None:
    """The clinician's name goes on every signed note, the practice's on every export:
    refused, not silently cleaned."""
    if value.isascii() and value.isprintable():
        return  # no control, format or whitespace character but the space: clean_line changes nothing
    from .domain.one_line import clean_line

    cleaned = clean_line(value)
    if cleaned.changed:
        what = ", ".join(dict.fromkeys(cleaned.removed)) or "a tab or line break"
        raise _fail(path, text, key, f"'{key}' contains {what}; write it on one line without control characters",
                    table)


def _check_keys(path: Path, text: str, keymap: Any) -> None:
    if not keymap:
        return
    from .keymap import BINDING_IDS, key_problem

    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            raise _fail(path, text, binding_id, f"[keys] has no binding called '{binding_id}' (the ids are listed "
                        "in the help screen, e.g. scratchpad.curtain)", "keys")
        if not isinstance(keys, str) or not keys:
            raise _fail(path, text, binding_id, "each [keys] entry must be a key name such as \"f2\" or \"ctrl+l\"",
                        "keys")
        problem = key_problem(keys)
        if problem:
            raise _fail(path, text, binding_id, f"[keys] '{binding_id}': {problem}", "keys")


def _parse_domain(path: Path, text: str, config: Config, template_set: bool) -> Config:
    """Parse [shorthand] and [templates] into their domain objects once, here, so a mistake
    comes at start-up with its line, not mid-session; the Config keeps what was parsed.

    What the file does not set is not parsed here: the built-in rules and templates cannot
    be wrong, and Config builds them on first use (the same objects), so a config.toml that
    only names the clinician, or picks a built-in default_template, loads no domain module."""
    if config.markers or config.abbreviations or config.custom_scales:
        from .domain.shorthand import CustomScaleKeyError

        try:
            config.shorthand  # noqa: B018 - parses and caches
        except CustomScaleKeyError as exc:
            where = f"[measures.custom.{exc.key}]"
            raise _fail(path, text, where, f"{where}: {exc}") from None
        except ValueError as exc:
            raise _fail(path, text, "[shorthand.markers]", str(exc)) from None
    if not config.templates and (not template_set or config.default_template.lower() in BUILTIN_TEMPLATE_KEYS):
        return config
    from .domain.templates import template_from_config, templates_with

    parsed = {}
    for key, table in config.templates.items():
        try:
            parsed[key] = template_from_config(key, table)
        except (ValueError, TypeError, KeyError) as exc:
            raise _fail(path, text, f"[templates.{key}]", f"template '{key}': {exc}") from None
    templates = vars(config)["note_templates"] = templates_with(parsed)  # the cached_property's slot
    if template_set and config.default_template.lower() not in {k.lower() for k in templates}:
        known = ", ".join(t.name for t in templates.values())
        raise _fail(path, text, "default_template",
                    f"default_template {config.default_template!r} is not a template (known: {known})", "notes")
    return config
