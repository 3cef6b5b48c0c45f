"""One typed settings object: defaults in code, overridable by environment variables.

Secrets (sign-in, accounts) never live here; they come from `st.secrets` in the UI glue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "lagesbild.duckdb"
TIME_ZONE = "Europe/Stockholm"


@dataclass(frozen=True)
class Settings:
    """Runtime settings; build with `Settings.from_env()`."""

    db_path: Path = field(default=DEFAULT_DB)
    suppression_threshold: int = 5
    demo_seed: int = 1083
    store_free_text: bool = False  # descriptions in uploads are dropped unless the municipality decides otherwise
    online_tiles: bool = False  # map tiles from Carto only where the network allows it; default: the own base layer

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read `LAGESBILD_DB`, `LAGESBILD_SUPPRESS_BELOW`, `LAGESBILD_STORE_FREE_TEXT` and
        `LAGESBILD_ONLINE_TILES` from the environment."""
        env = os.environ if environ is None else environ
        db = env.get("LAGESBILD_DB") or str(DEFAULT_DB)
        threshold = int(env.get("LAGESBILD_SUPPRESS_BELOW", "5"))
        if threshold < 1:
            raise ValueError("LAGESBILD_SUPPRESS_BELOW must be at least 1")
        free_text = env.get("LAGESBILD_STORE_FREE_TEXT", "0").strip().lower() in ("1", "true", "ja", "yes")
        online = env.get("LAGESBILD_ONLINE_TILES", "0").strip().lower() in ("1", "true", "ja", "yes")
        return cls(db_path=Path(db).expanduser(), suppression_threshold=threshold, store_free_text=free_text,
                   online_tiles=online)
