"""Settings from TOML, and where the profile lives.

A bad config names the file and line and stops start-up: Hushpad never runs
half-configured.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import HushpadError
from .storage.paths import ProfilePaths

APP_NAME = "hushpad"
ENV_HOME = "HUSHPAD_HOME"
THEMES = ("hushpad-dusk", "hushpad-paper", "textual-dark", "textual-light")

EXAMPLE_CONFIG = """\
# Hushpad settings. Lines starting with # are comments.
[clinician]
name = ""            # shown on signed notes, e.g. "Dana Reyes"
credentials = ""     # e.g. "LCSW"

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
"""


class ConfigError(HushpadError):
    pass


@dataclass(frozen=True)
class Config:
    profile_dir: Path
    config_path: Path
    clinician_name: str = ""
    credentials: str = ""
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
    demo: bool = False
    debug: bool = False

    @property
    def paths(self) -> ProfilePaths:
        return ProfilePaths(self.profile_dir)

    @property
    def signer(self) -> str:
        return self.clinician_name or "clinician"

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **changes)


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
    ("notes", "default_template"): ("default_template", str),
    ("notes", "interventions"): ("interventions", list),
    ("privacy", "idle_lock_minutes"): ("idle_lock_minutes", (int, float)),
    ("privacy", "curtain_minutes"): ("curtain_minutes", (int, float)),
    ("privacy", "paste_limit_kb"): ("paste_limit_kb", int),
    ("privacy", "show_client_names"): ("show_client_names", bool),
    ("appearance", "theme"): ("theme", str),
}
_TABLES = {"clinician", "notes", "privacy", "appearance", "shorthand", "keys", "templates"}


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
        if table in ("shorthand", "keys", "templates"):
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
    if "paste_limit_kb" in changes and changes["paste_limit_kb"] < 1:
        raise _fail(path, text, "paste_limit_kb", "'paste_limit_kb' must be at least 1", "privacy")
    if "theme" in changes and changes["theme"] not in THEMES:
        raise _fail(path, text, "theme", f"theme must be one of {', '.join(THEMES)}", "appearance")
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
    if not all(isinstance(v, str) and v for v in keymap.values()):
        raise _fail(path, text, "[keys]", "each [keys] entry must be a key name such as \"f2\" or \"ctrl+l\"")
    templates = doc.get("templates", {})
    if not isinstance(templates, dict):
        raise _fail(path, text, "[templates]", "[templates] must hold one table per custom template")
    validated = _validate_shorthand_and_templates(path, text, markers, abbreviations, templates)
    changes.update(markers=markers, abbreviations=abbreviations, keymap=keymap, templates=validated)
    return replace(config, **changes)


def _validate_shorthand_and_templates(path: Path, text: str, markers: dict[str, Any],
                                      abbreviations: dict[str, str], templates: dict[str, Any]) -> dict[str, Any]:
    """Let the domain check what it owns, so the message comes at start-up, not mid-session."""
    try:
        from .domain.shorthand import ShorthandRules

        ShorthandRules.from_config(markers or None, abbreviations or None)
    except ImportError:  # pragma: no cover - domain always ships
        pass
    except ValueError as exc:
        raise _fail(path, text, "[shorthand.markers]", str(exc)) from None
    try:
        from .domain.templates import template_from_config
    except ImportError:  # pragma: no cover
        return templates
    for key, table in templates.items():
        try:
            template_from_config(key, table)
        except (ValueError, TypeError, KeyError) as exc:
            raise _fail(path, text, f"[templates.{key}]", f"template '{key}': {exc}") from None
    return templates
