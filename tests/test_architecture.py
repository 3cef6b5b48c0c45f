"""Rules of the house, checked rather than hoped for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_GLUE = ROOT / "lagesbild" / "ui"


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_core_does_not_import_streamlit_outside_the_ui_glue():
    offenders = [p.relative_to(ROOT) for p in python_files(ROOT / "lagesbild")
                 if UI_GLUE not in p.parents and "streamlit" in imported_modules(p)]
    assert offenders == []


def test_no_sql_formatted_with_values():
    pattern = re.compile(r"""(execute|executemany|sql|query|frame|rows)\(\s*f["']|(SELECT|INSERT|UPDATE|DELETE|WHERE).*\.format\(""")
    offenders = []
    for path in [*python_files(ROOT / "lagesbild"), *python_files(ROOT / "app_pages"), ROOT / "app.py"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_pages_stay_thin_and_hold_no_sql():
    for page in (ROOT / "app_pages").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", text), page.name
        assert "duckdb" not in imported_modules(page), page.name
        assert len(text.splitlines()) <= 80, f"{page.name} is growing a module inside it"


def test_every_page_is_routed_and_has_an_apptest():
    routed = set(re.findall(r'st\.Page\(\s*"(app_pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text(encoding="utf-8")))
    on_disk = {f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py")}
    assert routed == on_disk
    tested = (ROOT / "tests" / "test_app.py").read_text(encoding="utf-8")
    assert all(page in tested for page in routed), "every page needs an AppTest in tests/test_app.py"


def test_no_runtime_downloads():
    for path in python_files(ROOT / "lagesbild"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(INSTALL|LOAD)\s+\w+", text), path.name
        assert "urllib.request" not in text and "requests.get" not in text, path.name


def test_requirements_are_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert re.fullmatch(r"[A-Za-z0-9_.\[\]-]+==[0-9][0-9A-Za-z.]*", line), f"{name}: {line}"


def test_register_and_exports_load_neither_geopandas_nor_the_import_pipeline():
    # The register and the exports are light core modules: importing them must not pull in geopandas, nor the
    # part of ingest that imports the register back (ingest.interventions), which made a cycle.
    import subprocess
    import sys

    code = ("import sys, lagesbild.register, lagesbild.exports; "
            "assert 'geopandas' not in sys.modules, 'geopandas'; "
            "assert 'lagesbild.ingest.interventions' not in sys.modules, 'ingest.interventions'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
