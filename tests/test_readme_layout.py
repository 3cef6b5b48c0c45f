"""The README's layout tree names every page script and every core module and package, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def _named(block: str) -> set[str]:
    """Every path the tree names: top-level entries, and entries indented under `lagesbild/` or `app_pages/`."""
    named: set[str] = set()
    parent = ""
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith(" " * 10):  # a wrapped description
            continue
        if not line.startswith("  "):
            first = line.split()[0]
            parent = first if first.endswith("/") else ""
            named.add(first.rstrip("/"))
            continue
        for part in re.split(r",\s*", line.strip().split("  ")[0]):
            named.add(parent + part.rstrip("/"))
    return named


def test_layout_names_every_page_and_core_module():
    named = _named(_layout_block())
    pages = {f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py")}
    core = {f"lagesbild/{p.name}" for p in (ROOT / "lagesbild").glob("*.py") if p.name != "__init__.py"}
    packages = {f"lagesbild/{p.name}" for p in (ROOT / "lagesbild").iterdir()
                if p.is_dir() and not p.name.startswith("__")}
    missing = sorted((pages | core | packages) - named)
    assert not missing, f"README layout does not name: {missing}"


def test_layout_names_nothing_that_is_gone():
    gone = sorted(n for n in _named(_layout_block()) if not (ROOT / n).exists())
    assert not gone, f"README layout names paths that do not exist: {gone}"
