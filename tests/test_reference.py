"""Reference statistics: BRÅ's and Kolada's figures per municipality import (all formats, awkward cases, undo)
and the comparison with similar municipalities (SKR groups) and the country says where the municipality lies."""

from __future__ import annotations

import csv
import json
import math

import pytest

from lagesbild import reference
from lagesbild.ingest import ImportOptions, import_bytes, import_path, restore_import, undo_import
from lagesbild.ingest import reference as ingest_reference
from tests.conftest import realdata
from tests.ingest_helpers import csv_bytes, fingerprint

BRA_CSV = "bra_regionbarometern/anmalda_brott.csv"
BRA_JSON = "bra_regionbarometern/anmalda_brott_json.json"
BRA_SOL = "bra_regionbarometern/Sokning_bra_sol_export_2021.txt"
Y2021 = ImportOptions(year=2021)


def statistics(con, import_id=None):
    where, params = ("WHERE import_id = ?", [import_id]) if import_id is not None else ("", [])
    return con.execute("SELECT municipality_code, year, measure, unit, value, source FROM reference_statistics "
                       + where + " ORDER BY ALL", params).fetchall()


def value(con, code, measure, unit, year=2021):
    found = con.execute("SELECT value FROM reference_statistics WHERE municipality_code = ? AND measure = ?"
                        " AND unit = ? AND year = ?", [code, measure, unit, year]).fetchall()
    return found[0][0] if found else None


def group_codes(code):
    group = ingest_reference.municipalities()[code].skr_group
    return [c for c, m in ingest_reference.municipalities().items() if m.skr_group == group]


def names_of(codes):
    return [ingest_reference.municipalities()[c].name for c in codes]


def bra_table(rows, header=("Kommun", "Antal", "Per 100 000 inv.")):
    """A BRÅ-style table as Swedish Excel writes it (UTF-8 with BOM, ';')."""
    return csv_bytes([";".join(header), *(";".join(str(x) for x in row) for row in rows)])


# The derived list of municipalities -------------------------------------------------------------------------

def test_the_shipped_list_has_290_municipalities_in_skr_s_nine_groups():
    found = ingest_reference.municipalities()
    assert len(found) == 290
    assert all(len(code) == 4 and code.isdigit() for code in found)
    groups = [m.skr_group for m in found.values()]
    assert sorted(set(groups)) == sorted(reference.SKR_GROUPS)
    # SKR's own totals per main group, and the two rural groups together.
    assert [sum(g.startswith(main) for g in groups) for main in "ABC"] == [46, 110, 134]
    assert groups.count("C8") + groups.count("C9") == 56
    assert found["1083"].skr_group == "B4" and found["2081"].skr_group == "B3"
    assert reference.group_name("2081") == "Större stad (SKR B3)"


def test_every_written_form_of_a_name_finds_its_code():
    assert ingest_reference.code_for("Sölvesborgs kommun") == "1083"
    assert ingest_reference.code_for("Sölvesborg kommun") == "1083"
    assert ingest_reference.code_for("  sölvesborg ") == "1083"
    assert ingest_reference.code_for("Malung–Sälens kommun") == "2023"   # en dash
    assert ingest_reference.code_for("Malung-Sälen") == "2023"
    assert ingest_reference.code_for("Heby kommun") == "0331"
    assert ingest_reference.code_for("Upplands Väsby kommun") == "0114"
    assert ingest_reference.code_for("Upplands-Bro kommun") == "0139"
    assert ingest_reference.code_for("Solna kommun") == "0184"
    assert ingest_reference.code_for("Atlantis kommun") is None
    for code, m in ingest_reference.municipalities().items():
        assert ingest_reference.code_for(m.name) == code
        assert ingest_reference.code_for(m.short_name) == code


# The real files, read in place --------------------------------------------------------------------------------

def test_bra_table_of_all_municipalities_imports_count_and_rate(empty_con):
    result = import_path(empty_con, realdata(BRA_CSV), Y2021)
    assert (result.status, result.kind, result.rows_read, result.rows_stored) == ("stored", "reference", 290, 580)
    assert result.problems == []
    assert value(empty_con, "1083", "anmalda_brott_totalt", "antal") == 1646
    assert value(empty_con, "1083", "anmalda_brott_totalt", "per 100 000 inv") == 9446
    assert value(empty_con, "2023", "anmalda_brott_totalt", "antal") == 763  # "Malung–Sälens kommun"
    sources = {row[5] for row in statistics(empty_con)}
    assert sources == {"Brå, Anmälda brott i kommunerna 2021"}
    # The same figures as JSON are the same statistics: nothing new is stored, nothing is duplicated.
    again = import_path(empty_con, realdata(BRA_JSON), Y2021)
    assert (again.status, again.rows_read, again.rows_stored, again.rows_duplicate) == ("stored", 290, 0, 580)
    assert empty_con.execute("SELECT count(*) FROM reference_statistics").fetchall()[0][0] == 580


def test_bra_table_without_a_year_is_refused_saying_how_to_give_it(empty_con):
    before = fingerprint(empty_con)
    result = import_path(empty_con, realdata(BRA_CSV))
    assert result.status == "refused" and result.refusal.code == "missing_year"
    assert result.refusal.message("sv").startswith("anmalda_brott.csv: Filen säger inte vilket år")
    assert "--year" in result.refusal.message("en") and "år" not in result.refusal.message("en")
    assert fingerprint(empty_con) == before
    # A year in the file name is enough.
    named = import_bytes(empty_con, realdata(BRA_CSV).read_bytes(), "anmalda_brott_2021.csv")
    assert (named.status, named.rows_stored) == ("stored", 580)


def test_bra_sol_export_with_page_headers_missing_values_and_heby_twice(empty_con):
    result = import_path(empty_con, realdata(BRA_SOL))
    assert (result.status, result.rows_read) == ("stored", 291)  # 290 municipalities, Heby twice
    assert result.rows_stored == 290  # "3 kap. Brott mot liv och hälsa" per municipality; "3-7 kap." is all ".."
    assert result.ignored == {"saknat värde (..)": 291, "kommunen en gång till, utan värde": 1}
    assert result.problems == []
    # The first Heby block (564) is kept; the second has only "..", so it adds nothing.
    assert value(empty_con, "0331", "3_kap_brott_mot_liv_och_halsa", "per 100 000 inv") == 564
    # A page header in the middle of a block (Helsingborg's) does not break the block.
    assert value(empty_con, "1283", "3_kap_brott_mot_liv_och_halsa", "per 100 000 inv") is not None
    assert value(empty_con, "1083", "3_kap_brott_mot_liv_och_halsa", "per 100 000 inv") == 721
    labels = empty_con.execute("SELECT DISTINCT measure_label, source FROM reference_statistics").fetchall()
    assert labels == [("3 kap. Brott mot liv och hälsa", "Brå, statistikdatabasen (SOL), anmälda brott 2021")]


def test_kolada_files_import_population_and_reported_crime(empty_con):
    commune = import_path(empty_con, realdata("kolada_kommun_juvahem/commune_1083.json"))
    assert (commune.status, commune.rows_stored) == ("stored", 2)
    assert value(empty_con, "1083", "anmalda_brott_totalt", "per 100 000 inv", 2025) == pytest.approx(11637.72068)
    assert value(empty_con, "1083", "folkmangd", "antal", 2025) == 17405
    index = import_path(empty_con, realdata("kolada_kommun_juvahem/index.json"), ImportOptions(year=2025))
    assert (index.status, index.rows_read, index.rows_stored, index.rows_duplicate) == ("stored", 290, 289, 1)
    assert value(empty_con, "2081", "folkmangd", "antal", 2025) > 50_000
    sources = dict(empty_con.execute("SELECT measure, min(source) FROM reference_statistics GROUP BY 1").fetchall())
    assert sources == {"anmalda_brott_totalt": "Kolada N07540 2025", "folkmangd": "Kolada N01951 2025"}


def test_real_files_give_1083_and_2081_a_comparison_with_their_groups_and_the_country(empty_con):
    import_path(empty_con, realdata(BRA_CSV), Y2021)
    with realdata(BRA_CSV).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    crimes = sum(int(r["numCrimes"]) for r in rows)
    people = sum(int(r["numCrimes"]) * 100_000 / int(r["crimesRelative"]) for r in rows)
    for code, own, size in (("1083", 9446, 63), ("2081", 11657, 23)):
        found = reference.comparison(empty_con, code)
        assert found.measure == "Anmälda brott totalt per 100 000 invånare"
        assert found.source == "Brå, Anmälda brott i kommunerna 2021"
        table = found.table
        assert list(table.columns) == reference.TABLE_COLUMNS and list(table["year"]) == [2021]
        row = table.iloc[0]
        assert (row["own"], row["group_size"]) == (own, size)
        members = [int(r["crimesRelative"]) for r in rows
                   if ingest_reference.code_for(r["name"]) in set(group_codes(code))]
        assert len(members) == size
        assert row["group_median"] == pytest.approx(sorted(members)[size // 2] if size % 2 else
                                                    (sorted(members)[size // 2 - 1] + sorted(members)[size // 2]) / 2)
        assert row["group_q1"] <= row["group_median"] <= row["group_q3"]
        assert row["country"] == pytest.approx(crimes * 100_000 / people)
        assert "Bara ett år (2021)" in found.note and "anmäls" in found.note
    assert "Borlänge" in reference.comparison(empty_con, "2081").note


# Planted files: where the municipality lies -------------------------------------------------------------------

def planted(con, year, own_rate, others=lambda i: 5000 + 100 * i, code="1083"):
    """Rates for every municipality of `code`'s SKR group, written as BRÅ does, imported for `year`."""
    rows = [(m.name, others(i)) for i, m in enumerate(
        ingest_reference.municipalities()[c] for c in group_codes(code) if c != code)]
    rows.append((ingest_reference.municipalities()[code].name, own_rate))
    data = bra_table(rows, header=("Kommun", "Per 100 000 inv."))
    return import_bytes(con, data, f"anmalda_brott_{year}.csv")


def test_a_municipality_at_the_top_of_its_group_is_said_to_lie_above_it(empty_con):
    result = planted(empty_con, 2022, 20_000)
    assert (result.status, result.rows_stored) == ("stored", 63)
    found = reference.comparison(empty_con, "1083")
    row = found.table.iloc[0]
    assert row["own"] > row["group_q3"] and row["group_size"] == 63
    assert "över den mittersta hälften av liknande kommuner" in found.note
    assert "högre än de flesta" in found.note
    # Rates for one group only are not Sweden: no country figure, and the note says so.
    assert math.isnan(row["country"]) and found.country_method == ""
    assert "ett tal för riket kan inte räknas fram" in found.note
    # One year: a dot and a range bar, not a line.
    figure = reference.comparison_figure(found)
    assert [t.type for t in figure.data][0] == "bar" and figure.data[0].orientation == "h"
    assert all(t.mode != "lines" for t in figure.data if t.type == "scatter")


def test_rates_without_counts_for_every_municipality_give_the_country_as_their_median(empty_con):
    rows = [(m.name, 1000 + i) for i, m in enumerate(ingest_reference.municipalities().values())]
    import_bytes(empty_con, bra_table(rows, header=("Kommun", "Per 100 000 inv.")), "anmalda_brott_2024.csv")
    found = reference.comparison(empty_con, "1083")
    assert found.table.iloc[0]["country"] == pytest.approx(1000 + 289 / 2)
    assert found.country_method == "2024: medianen av 290 kommuners tal (antal saknas)"
    assert "riket (1" in found.note


def test_a_municipality_at_the_bottom_over_two_years_gets_a_band_and_a_trend(empty_con):
    planted(empty_con, 2021, 1_000)
    planted(empty_con, 2022, 1_500)
    found = reference.comparison(empty_con, "1083")
    assert list(found.table["year"]) == [2021, 2022]
    assert "under den mittersta hälften av liknande kommuner" in found.note
    assert "Från 2021 till 2022 ökade kommunens tal" in found.note
    figure = reference.comparison_figure(found)
    assert any(t.fill == "tonexty" for t in figure.data)  # the band of the group's middle half
    assert figure.data[-1].name == "Sölvesborg" and list(figure.data[-1].y) == [1000, 1500]


def test_nothing_imported_gives_no_comparison(empty_con):
    assert reference.comparison(empty_con, "1083") is None
    with pytest.raises(ValueError):
        reference.comparison(empty_con, "9999")


# Awkward files -------------------------------------------------------------------------------------------------

SOL_LINES = [
    "Anmälda brott;Brottsförebyggande rådet", ";År;", ";2023;", ";/100&nbsp;000&nbsp;inv;",
    "Sölvesborg kommun;;", "Samtliga brott;9100;",
    "Malung–Sälen kommun;;",
    "Anmälda brott;Brottsförebyggande rådet", ";År;", ";2023;", ";/100&nbsp;000&nbsp;inv;",  # mid-block
    "Samtliga brott;..;",
    "Heby kommun;;", "Samtliga brott;7311;",
    "Heby kommun;;", "Samtliga brott;7400;",
    "",
]


def test_a_sol_export_in_latin_1_with_headers_mid_block_dash_and_a_repeated_municipality(empty_con):
    data = "\n".join(SOL_LINES).encode("cp1252")  # BRÅ's Latin-1, with the en dash Windows-1252 adds
    result = import_bytes(empty_con, data, "sol.txt")
    assert (result.status, result.rows_read, result.rows_stored) == ("stored", 4, 2)
    assert value(empty_con, "1083", "anmalda_brott_totalt", "per 100 000 inv", 2023) == 9100
    assert value(empty_con, "2023", "anmalda_brott_totalt", "per 100 000 inv", 2023) is None  # ".."
    assert value(empty_con, "0331", "anmalda_brott_totalt", "per 100 000 inv", 2023) == 7311  # the first Heby
    assert result.ignored == {"saknat värde (..)": 1}
    [problem] = result.problems
    assert (problem.code, problem.row, problem.column) == ("duplicate_municipality", 16, "Samtliga brott")
    assert problem.message("sv") == ("sol.txt, rad 16, kolumn 'Samtliga brott', värde '7400': Kommunen finns "
                                     "redan på rad 14 med ett annat värde; det första värdet används.")


def test_bom_decimal_comma_and_missing_values_in_a_table(empty_con):
    data = bra_table([("Sölvesborgs kommun", "1 646", "9 446,0"), ("Heby kommun", "..", "-"),
                      ("Malung–Sälens kommun", "763", "7545")])
    assert data.startswith(b"\xef\xbb\xbf")
    result = import_bytes(empty_con, data, "anmalda_brott_2021.csv")
    assert (result.status, result.rows_read, result.rows_stored, result.rows_ignored) == ("stored", 3, 4, 2)
    assert value(empty_con, "1083", "anmalda_brott_totalt", "per 100 000 inv") == 9446.0


def test_an_unknown_name_refuses_the_file_naming_file_row_and_column(empty_con):
    import_bytes(empty_con, bra_table([("Ale kommun", 2717, 8555)]), "anmalda_brott_2020.csv")
    before = fingerprint(empty_con), statistics(empty_con)
    data = bra_table([("Sölvesborgs kommun", 1646, 9446), ("Atlantis kommun", 10, 100), ("Ale kommun", 1, 2)])
    result = import_bytes(empty_con, data, "anmalda_brott_2021.csv")
    assert result.status == "refused" and result.refusal.code == "unknown_municipality"
    assert result.refusal.message("sv") == (
        "anmalda_brott_2021.csv, rad 3, kolumn 'Kommun', värde 'Atlantis kommun': Kommunnamnet känns inte igen "
        "som någon av Sveriges 290 kommuner; inget sparades.")
    assert (fingerprint(empty_con), statistics(empty_con)) == before


def test_a_bad_number_is_a_problem_naming_row_and_column(empty_con):
    data = bra_table([("Sölvesborgs kommun", "1646", "9446"), ("Ale kommun", "många", "8555")])
    result = import_bytes(empty_con, data, "anmalda_brott_2021.csv")
    assert (result.rows_rejected, result.rows_stored) == (1, 2)
    assert result.problems[0].message("sv").startswith("anmalda_brott_2021.csv, rad 3, kolumn 'Antal'")
    refused = import_bytes(empty_con, data, "anmalda_brott_2019.csv", ImportOptions(on_error="reject"))
    assert refused.status == "refused"


def test_other_figures_for_the_same_year_are_refused_naming_the_import_that_holds_them(empty_con):
    first = import_bytes(empty_con, bra_table([("Sölvesborgs kommun", 1646, 9446)]), "anmalda_brott_2021.csv")
    before = fingerprint(empty_con), statistics(empty_con)
    result = import_bytes(empty_con, bra_table([("Sölvesborgs kommun", 1700, 9500)]), "rättad_2021.csv")
    assert result.status == "refused" and result.refusal.code == "reference_conflict"
    assert f"import {first.import_id} (anmalda_brott_2021.csv)" in result.refusal.message("sv")
    assert (fingerprint(empty_con), statistics(empty_con)) == before
    # Undo the first, and the corrected figures go in.
    undo_import(empty_con, first.import_id, undone_by="test")
    again = import_bytes(empty_con, bra_table([("Sölvesborgs kommun", 1700, 9500)]), "rättad_2021.csv")
    assert (again.status, again.rows_stored) == ("stored", 2)


def test_the_personal_data_guard_still_applies(empty_con):
    before = fingerprint(empty_con)
    data = bra_table([("Sölvesborgs kommun", 1646, 9446), ("Ale kommun 811218-9876", 1, 2)])
    result = import_bytes(empty_con, data, "anmalda_brott_2021.csv")
    assert result.status == "refused" and result.refusal.code == "personal_id"
    records = json.dumps([{"name": "Ale kommun", "numCrimes": 2717, "crimesRelative": 8555},
                          {"name": "Anna Svensson", "numCrimes": 1, "crimesRelative": 2}]).encode()
    refused = import_bytes(empty_con, records, "brott_2021.json")
    assert refused.status == "refused" and refused.refusal.code == "personal_name"
    assert fingerprint(empty_con) == before


def test_undo_removes_exactly_the_import_and_restore_brings_it_back(empty_con):
    one = import_bytes(empty_con, bra_table([("Sölvesborgs kommun", 1646, 9446)]), "anmalda_brott_2021.csv")
    two = import_bytes(empty_con, bra_table([("Sölvesborgs kommun", 1500, 8600)]), "anmalda_brott_2020.csv")
    kept, removed = statistics(empty_con, one.import_id), statistics(empty_con, two.import_id)
    assert undo_import(empty_con, two.import_id, undone_by="test") == {"reference_statistics": 2}
    assert statistics(empty_con) == kept
    assert list(reference.comparison(empty_con, "1083").table["year"]) == [2021]
    restore_import(empty_con, two.import_id, restored_by="test")
    assert statistics(empty_con) == sorted(kept + removed)


def test_a_comparison_keeps_the_municipality_when_it_has_no_figure(empty_con):
    rows = [(m, 5000 + i) for i, m in enumerate(names_of(group_codes("2081")[:10]))]
    import_bytes(empty_con, bra_table(rows, header=("Kommun", "Per 100 000 inv.")), "anmalda_brott_2021.csv")
    found = reference.comparison(empty_con, "1083")  # B4: none of its group, itself neither
    assert found.table.empty
    assert "Sölvesborg saknas i den importerade statistiken" in found.note
    empty = reference.comparison_figure(found)
    assert empty.data == () and empty.layout.annotations[0].text.startswith("Inga siffror")
    borlange = reference.comparison(empty_con, "2081")  # B3: ten of the group, not Borlänge itself
    assert math.isnan(borlange.table.iloc[0]["own"]) and borlange.table.iloc[0]["group_size"] == 10
    assert "Borlänge saknas" in borlange.note
