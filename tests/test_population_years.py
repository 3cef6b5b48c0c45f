"""Population with its year (issue 14, item 3): a file without a year is refused until the year is given, several
years are kept, and a period's rates use the population of its year (the nearest earlier year when missing)."""

from __future__ import annotations

from datetime import date

import pytest

from lagesbild import db, overview, profile, queries
from lagesbild.cli import main as cli_main
from lagesbild.filters import Filters
from lagesbild.ingest import ImportOptions, import_bytes, import_path
from lagesbild.protect import STAFF
from tests.conftest import realdata
from tests.ingest_helpers import csv_bytes, fingerprint

AGES = "scb_deso_tables_sarahlorraine/age_demographics_deso.csv"


@pytest.fixture
def borlange(tmp_path):
    path = tmp_path / "borlange.duckdb"
    assert cli_main(["init", "--db", str(path), "--municipality-code", "2081", "--municipality-name",
                     "Borlänge"]) == 0
    con = db.connect(path)
    assert import_path(con, realdata("deso_dalarna_gpkg/deso_dalarna.gpkg")).rows_stored == 27
    yield con
    con.close()


def year(start: int) -> Filters:
    return Filters(date(start, 1, 1), date(start, 12, 31))


def test_a_population_file_without_a_year_is_refused_and_changes_nothing(borlange):
    before = fingerprint(borlange)
    result = import_path(borlange, realdata(AGES))
    assert result.status == "refused"
    assert result.refusal is not None and result.refusal.code == "no_year"
    assert "vilket år befolkningen gäller" in result.refusal.message("sv")
    assert "total" in result.refusal.message("sv")  # names the column
    assert fingerprint(borlange) == before
    assert import_path(borlange, realdata(AGES), ImportOptions(year=2021)).rows_stored == 27


def test_two_years_are_kept_and_each_period_uses_its_own(borlange):
    assert import_path(borlange, realdata(AGES), ImportOptions(year=2021)).rows_stored == 27
    codes = [row[0] for row in borlange.execute("SELECT code FROM areas ORDER BY code").fetchall()]
    later = csv_bytes(["deso;total", *(f"{code};{1000 + n}" for n, code in enumerate(codes))])
    assert import_bytes(borlange, later, "befolkning.csv", ImportOptions(year=2024)).rows_stored == 27
    assert borlange.execute("SELECT DISTINCT year FROM population_years ORDER BY 1").fetchall() == [(2021,), (2024,)]
    in_2021 = dict(borlange.execute("SELECT a.code, p.population FROM population_years p JOIN areas a"
                                    " ON a.id = p.area_id WHERE year = 2021").fetchall())
    in_2024 = {code: 1000 + n for n, code in enumerate(codes)}

    def used(period: Filters) -> dict[str, int]:
        rates = queries.area_rates(borlange, period)
        return dict(zip(rates["code"], rates["population"].astype(int), strict=True))

    assert used(year(2024)) == in_2024
    assert used(year(2025)) == in_2024                      # nearest earlier year
    assert used(year(2023)) == in_2021                      # 2024 is later: 2021 is the nearest earlier
    assert used(year(2019)) == in_2021                      # nothing earlier: the earliest there is
    assert queries.population(borlange, 2024) == sum(in_2024.values())
    assert queries.population(borlange, 2022) == sum(in_2021.values())
    assert queries.population_label(borlange, 2024) == "Invånare 2024"
    assert queries.population_label(borlange, 2023) == "Invånare 2021"
    assert overview.population_note(borlange, year(2023)) == "Per 1 000 invånare räknas med invånare 2021."
    facts = profile.build(borlange, year(2024), codes[0], today=date(2026, 1, 1), shown=STAFF).facts
    assert any("invånare (2024)" in fact for fact in facts), facts


def test_the_cli_asks_for_the_year(tmp_path, capsys):
    where = str(tmp_path / "cli.duckdb")
    assert cli_main(["init", "--db", where, "--municipality-code", "2081", "--municipality-name", "Borlänge"]) == 0
    assert cli_main(["import", "--db", where, str(realdata("deso_dalarna_gpkg/deso_dalarna.gpkg"))]) == 0
    path = tmp_path / "befolkning.csv"
    path.write_bytes(csv_bytes(["deso;total", "2081C1140;2500"]))
    capsys.readouterr()
    assert cli_main(["import", "--db", where, str(path)]) != 0
    assert "--year" in capsys.readouterr().out
    assert cli_main(["import", "--db", where, str(path), "--year", "2023"]) == 0, capsys.readouterr().err
    con = db.connect(where)
    try:
        assert con.execute("SELECT year, population FROM area_population").fetchall() == [(2023, 2500)]
    finally:
        con.close()
