"""Where a profile's files live. Cheap to import: no crypto, no database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProfilePaths:
    root: Path

    @property
    def keys(self) -> Path:
        return self.root / "keys.json"

    @property
    def record(self) -> Path:
        return self.root / "record.db"

    @property
    def vault(self) -> Path:
        return self.root / "vault.db"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    def is_initialised(self) -> bool:
        return self.keys.exists()
