"""The command line: clear output, clear errors, exit codes scripts can trust."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lagesbild import cli, db

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lagesbild", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


def test_demo_then_info(tmp_path):
    path = tmp_path / "d.duckdb"
    made = run("demo", "--db", str(path), "--incidents", "3000", "--end", "2025-12-31")
    assert made.returncode == 0, made.stderr
    reports = int(re.search(r"3,000 incidents and (\d+) reports from the street", made.stdout).group(1))
    assert reports > 0
    info = run("info", "--db", str(path))
    assert info.returncode == 0, info.stderr
    assert f"schema version  {db.latest_version()}" in info.stdout
    assert "incidents" in info.stdout and f"{3_000 + reports:,}" in info.stdout  # the reports are incidents too
    assert "synthetic demo data" in info.stdout


def test_info_json_and_environment_variable(demo_db):
    import os

    env = {**os.environ, "LAGESBILD_DB": str(demo_db)}
    result = run("info", "--json", env=env)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["schema_version"] == db.latest_version()
    assert info["rows"]["incidents"] > 20_000
    assert info["municipality"] == "Sölvesborg"
    assert info["latest_import"]["kind"] == "demo"


def test_missing_database_exit_code(tmp_path, capsys):
    assert cli.main(["info", "--db", str(tmp_path / "none.duckdb")]) == cli.EXIT_DATABASE
    assert "no database at" in capsys.readouterr().err


def test_existing_database_is_not_overwritten(demo_db, capsys):
    assert cli.main(["demo", "--db", str(demo_db)]) == cli.EXIT_FAILED
    assert "--force" in capsys.readouterr().err


def test_bad_usage_exit_code():
    with pytest.raises(SystemExit) as stopped:
        cli.main(["demo", "--end", "yesterday"])
    assert stopped.value.code == cli.EXIT_USAGE
    with pytest.raises(SystemExit) as stopped:
        cli.main(["no-such-command"])
    assert stopped.value.code == cli.EXIT_USAGE


def test_bench_prints_one_json_line(tmp_path):
    result = run("bench", "--db", str(tmp_path / "b.duckdb"), "--incidents", "20000", "--repeat", "1",
                 "--import-rows", "0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["incidents"] == 20_000
    assert set(report["queries"]) == {"grid_250", "area_rates", "hour_weekday"}
    for figures in report["queries"].values():
        assert figures["agree"] is True
        assert figures["duckdb_ms"] > 0 and figures["pandas_ms"] > 0 and figures["ratio"] > 0
    # Four reader processes, alone and with a writer publishing again and again: readers move to the new
    # snapshots and never fail.
    both = report["readers_writer"]
    assert both["alone"]["read_errors"] == 0 and both["with_writer"]["read_errors"] == 0
    assert both["with_writer"]["writes"] >= 2 and both["with_writer"]["snapshots_seen_per_reader"] >= 2
    assert both["alone"]["reads_per_s"] > 0 and len(report["load_average"]) == 3
    # The whole map build by the fair peers, each checked equal to ours before its ratio is reported.
    whole = report["whole_build"]
    assert whole["duckdb_ms"] > 0 and whole["pandas"]["same"] is True and whole["pandas"]["ratio"] > 0
    assert len(report["load_average_start"]) == 3
    assert report["atgardsplan"]["same"] is True and report["atgardsplan"]["plan_s"] > 0


def test_priorities_and_hotspots_commands(demo_db):
    result = run("priorities", "--db", str(demo_db), "--riskfaktor", "samlingsplats_unga,alkohol_unga",
                 "--period", "12m")
    assert result.returncode == 0, result.stderr
    areas = json.loads(result.stdout)["areas"]
    assert areas[0]["rank"] == 1 and areas[0]["reasons"]
    as_csv = run("priorities", "--db", str(demo_db), "--format", "csv", "--kategori", "finns_inte")
    assert as_csv.returncode == 0 and "ignorerades" in as_csv.stderr
    assert as_csv.stdout.splitlines()[0].startswith("rank,area_code,area,score")
    spots = run("hotspots", "--db", str(demo_db), "--format", "geojson")
    assert spots.returncode == 0, spots.stderr
    collection = json.loads(spots.stdout)
    assert collection["type"] == "FeatureCollection" and collection["features"]
    assert {f["properties"]["kind"] for f in collection["features"]} <= {"hot", "cold"}


def test_evaluate_command(demo_db):
    result = run("evaluate", "--db", str(demo_db), "--intervention", "1")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)[0]
    assert record["verdict"] == "minskning" and record["relative_ci_high"] < 1
    missing = run("evaluate", "--db", str(demo_db), "--intervention", "999")
    assert missing.returncode == 1 and "no intervention with id 999" in missing.stderr
    everything = run("evaluate", "--db", str(demo_db), "--format", "csv", "--days", "180")
    assert everything.returncode == 0 and everything.stdout.startswith("intervention_id,name,start")
