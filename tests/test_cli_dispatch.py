"""How the CLI dispatches and exits: each command is its parser's `func`, only usage errors exit 2, a bug keeps
its traceback, and a closed pipe (`… | head -1`) ends the command quietly."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lagesbild import cli

ROOT = Path(__file__).resolve().parents[1]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    found = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices)


def test_every_command_names_its_function():
    for name, parser in subcommands().items():
        func = parser.get_default("func")
        assert callable(func) and func.__name__ == "cmd_" + name.replace("-", "_"), name


@pytest.fixture
def empty_db(tmp_path) -> Path:
    path = tmp_path / "tom.duckdb"
    assert cli.main(["init", "--db", str(path), "--municipality-code", "1083",
                     "--municipality-name", "Sölvesborg"]) == cli.EXIT_OK
    return path


def test_a_value_error_from_a_bug_is_not_called_wrong_usage(empty_db, monkeypatch, capsys):
    assert cli.main(["info", "--db", str(empty_db)]) == cli.EXIT_OK

    def broken(con):
        raise ValueError("a bug, not the caller's mistake")

    monkeypatch.setattr(cli.queries, "data_range", broken)
    with pytest.raises(ValueError, match="a bug"):
        cli.main(["info", "--db", str(empty_db)])
    assert "error:" not in capsys.readouterr().err


def test_a_bad_setting_in_the_environment_is_a_usage_error(empty_db, monkeypatch, capsys):
    monkeypatch.setenv("LAGESBILD_DB", str(empty_db))
    monkeypatch.setenv("LAGESBILD_SUPPRESS_BELOW", "0")
    assert cli.main(["info"]) == cli.EXIT_USAGE
    assert "LAGESBILD_SUPPRESS_BELOW" in capsys.readouterr().err


def test_a_closed_pipe_ends_the_command_quietly(empty_db):
    # The reader is gone before the command writes: every write meets a closed pipe.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([sys.executable, "-m", "lagesbild", "info", "--db", str(empty_db)], cwd=ROOT,
                              stdout=writer, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writer)
    assert done.stderr == ""
    assert done.returncode == 141


def test_info_piped_into_head(empty_db):
    done = subprocess.run(f"{sys.executable} -m lagesbild info --db {empty_db} | head -1", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("database")
    assert done.stderr == ""
