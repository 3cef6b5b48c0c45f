"""The EST weekly round: saving (validated, all or nothing, changes logged), the week's picture, who has not
answered, the trend test (a planted increase found; a pattern-free null within the stated error rate; sparse
weeks and gaps), the risk-factor filter, the quarter view and what viewers see."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from lagesbild import est
from lagesbild.demo import est as demo_est
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure

WEEK = est.Week(2026, 40)
TODAY = date(2026, 11, 26)


def est_state(con) -> list:
    return [con.execute("SELECT * FROM " + t + " ORDER BY ALL").fetchall()
            for t in ("est_answers", "est_answer_log", "est_notes")]


def answers(*rows: tuple[str, str, object]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area_code", "item", "value"])


def test_weeks_and_quarters():
    assert est.Week.of(date(2026, 1, 1)) == est.Week(2026, 1)
    assert est.Week.of(date(2027, 1, 1)) == est.Week(2026, 53)          # 2026 has 53 ISO weeks
    assert est.Week.parse("2026-W07") == est.Week(2026, 7)
    with pytest.raises(ValueError):
        est.Week(2025, 53)
    q4 = est.quarter_weeks(2026, 4)
    assert (q4[0], q4[-1]) == (est.Week(2026, 40), est.Week(2026, 53))
    assert est.quarter_weeks(2027, 1)[0] == est.Week(2027, 1)
    assert est.Week(2026, 40).quarter == (2026, 4)
    assert est.quarter_so_far(est.Week(2026, 44)) == est.weeks_between(est.Week(2026, 40), est.Week(2026, 44))


def test_a_round_is_saved_replaced_and_logged(sbg_con):
    week = est.Week(2026, 46)   # after the demo's year: nobody has answered yet
    saved = est.save_round(sbg_con, week, "polisen", answers(("MJA", "klotter", 2), ("MJA", "otrygghet", "1"),
                                                              ("HAL", "klotter", 0.0)), "bo",
                           {"MJA": "Nytt klotter vid busshållplatsen"}, today=TODAY)
    assert (saved.new, saved.changed, saved.removed) == (3, 0, 0)
    again = est.save_round(sbg_con, week, "polisen", answers(("MJA", "klotter", 3), ("MJA", "otrygghet", 1)), "anna",
                           today=TODAY)
    assert (again.new, again.changed, again.removed) == (0, 1, 1)
    rows = sbg_con.execute("SELECT area_code, item, value, answered_by FROM est_answers WHERE iso_year = 2026"
                           " AND iso_week = 46 ORDER BY ALL").fetchall()
    assert rows == [("MJA", "klotter", 3, "anna"), ("MJA", "otrygghet", 1, "bo")]
    log = sbg_con.execute("SELECT area_code, item, old_value, new_value, changed_by FROM est_answer_log"
                          " ORDER BY id").fetchall()
    assert log == [("MJA", "klotter", 2, 3, "anna"), ("HAL", "klotter", 0, None, "anna")]
    assert sbg_con.execute("SELECT count(*) FROM est_notes").fetchall()[0][0] == 0   # the form replaced them
    grid = est.round_grid(sbg_con, week, "polisen")
    assert grid.set_index("area_code").loc["MJA", "klotter"] == 3
    assert np.isnan(grid.set_index("area_code").loc["HAL", "klotter"])
    assert not est.change_log(sbg_con).empty


@pytest.mark.parametrize(("rows", "organisation", "notes", "reason"), [
    ([("MJA", "klotter", 4)], "polisen", None, "Området Mjällby, frågan Klotter: ”4” är inte ett av värdena"),
    ([("MJA", "klotter", 1.5)], "polisen", None, "”1.5” är inte ett av värdena"),
    ([("MJA", "klotter", "mycket")], "polisen", None, "”mycket” är inte ett av värdena"),
    ([("ATLANTIS", "klotter", 1)], "polisen", None, "Okänt område: ATLANTIS"),
    ([("MJA", "graffiti", 1)], "polisen", None, "Okänd eller inaktiv fråga: graffiti"),
    ([("MJA", "klotter", 1)], "brandkaren", None, "Okänd organisation: brandkaren"),
    ([("PUK", "klotter", 1)], "bostadsbolaget", None, "ingår inte i vad organisationen svarar för"),
    ([("MJA", "klotter", 1)], "polisen", {"MJA": "Sågs av 19121212-1212"}, "personnummer"),
])
def test_a_bad_round_changes_nothing_and_says_why(sbg_con, rows, organisation, notes, reason):
    before = est_state(sbg_con)
    good = [("HAL", "klotter", 1), ("MJA", "otrygghet", 2)]   # the good rows are not kept either
    with pytest.raises(est.RoundError) as raised:
        est.save_round(sbg_con, est.Week(2026, 46), organisation, answers(*good, *rows), "bo", notes, today=TODAY)
    assert any(reason in p for p in raised.value.problems), raised.value.problems
    assert est_state(sbg_con) == before


def test_a_week_that_has_not_begun_is_refused(sbg_con):
    with pytest.raises(est.RoundError, match="har inte börjat"):
        est.save_round(sbg_con, est.Week(2026, 50), "polisen", answers(("MJA", "klotter", 1)), "bo", today=TODAY)


def test_who_has_not_answered_is_listed_per_organisation_and_area(sbg_con):
    last = est.latest_week(sbg_con)
    left = est.missing(sbg_con, last)
    pairs = set(zip(left["Organisation"], left["Område"], strict=True))
    # the demo's last week: the housing company has not answered at all, the safety hosts not for the countryside
    assert ("Bostadsbolaget", "Mjällby") in pairs and ("Bostadsbolaget", "Pukavik") not in pairs
    assert {a for o, a in pairs if o == "Kommunens trygghetsvärdar"} == {
        "Listerlandets landsbygd", "Mellanbygden", "Norra landsbygden"}
    assert not any(o == "Polisen" for o, _ in pairs)
    est.save_round(sbg_con, last, "bostadsbolaget", answers(("MJA", "klotter", 1)), "bo", today=TODAY)
    after = set(zip(*est.missing(sbg_con, last).to_dict("list").values(), strict=True))
    assert ("Bostadsbolaget", "Mjällby") not in after and ("Bostadsbolaget", "Falkvik") in after
    summary = est.missing_summary(sbg_con, last)
    assert summary.set_index("Organisation").loc["Bostadsbolaget", "Saknas"] == "5 av 6"


def test_the_week_picture_and_what_viewers_see(sbg_con):
    week = est.Week(2026, 46)
    est.save_round(sbg_con, week, "polisen", answers(("MJA", "klotter", 3), ("HAL", "klotter", 1)), "bo", today=TODAY)
    est.save_round(sbg_con, week, "trygghetsvardar", answers(("MJA", "klotter", 1)), "bo", today=TODAY)
    picture = est.week_picture(sbg_con, week).set_index(["area_code", "item"])
    assert picture.loc[("MJA", "klotter"), ["mean", "max", "answered"]].tolist() == [2.0, 3, 2]
    assert picture.loc[("HAL", "klotter"), "answered"] == 1
    staff = est.picture_table(est.week_picture(sbg_con, week)).set_index("Område")
    assert staff.loc["Mjällby", "Svar"] == "2 av 3" and staff.loc["Hällevik", "Klotter"] == 1.0
    viewer = est.picture_table(est.week_picture(sbg_con, week), Disclosure(viewer=True)).set_index("Område")
    assert "Svar" not in viewer.columns                       # not how many answered …
    assert viewer.loc["Mjällby", "Klotter"] == 2.0
    assert np.isnan(viewer.loc["Hällevik", "Klotter"])        # … nor one organisation's own answer


def test_a_partial_round_never_shows_a_viewer_one_organisations_answer(sbg_con):
    """Two organisations answered one question in an area, one of them every other: the area is shown, but only
    the question both answered (found by an adversary: the check was per area, not per question)."""
    week = est.Week(2026, 46)
    est.save_round(sbg_con, week, "polisen", answers(("MJA", "klotter", 3), ("MJA", "narkotika", 2)), "bo",
                   today=TODAY)
    est.save_round(sbg_con, week, "trygghetsvardar", answers(("MJA", "klotter", 1)), "bo", today=TODAY)
    viewer = est.picture_table(est.week_picture(sbg_con, week), Disclosure(viewer=True)).set_index("Område")
    assert viewer.loc["Mjällby", "Klotter"] == 2.0
    assert np.isnan(viewer.loc["Mjällby", "Narkotika"])     # the police's own 2
    staff = est.picture_table(est.week_picture(sbg_con, week)).set_index("Område")
    assert staff.loc["Mjällby", "Narkotika"] == 2.0


def test_two_quarters_a_week_apart_never_give_a_viewer_one_organisations_answer(sbg_con):
    """The quarter up to week 44 minus the quarter up to week 43 must not be one organisation's week-44 answer:
    a viewer's quarter counts only cells (area, question, week) that two organisations answered."""
    filters = Filters(start=date(2026, 10, 1), end=date(2026, 11, 1))
    sbg_con.execute("DELETE FROM est_answers")  # only the rounds below
    for number in (41, 42, 43):
        for organisation, value in (("polisen", 1), ("trygghetsvardar", 2)):
            est.save_round(sbg_con, est.Week(2026, number), organisation, answers(("MJA", "klotter", value)), "bo",
                           today=TODAY)
    est.save_round(sbg_con, est.Week(2026, 44), "polisen", answers(("MJA", "klotter", 3)), "bo", today=TODAY)
    ranking = pd.DataFrame({"code": ["MJA"], "rank": [1]})
    viewer = Disclosure(viewer=True)

    def shown(week: int) -> tuple:
        table = est.quarter_table(sbg_con, est.Week(2026, week), filters, viewer, ranking=ranking)
        row = table.set_index("Område").loc["Mjällby"]
        return row["EST-medel"], row["Högst i EST"]

    assert shown(43) == shown(44) == (1.5, "Klotter (1,5)")  # the police's lone 3 in week 44 moves nothing
    staff = est.quarter_table(sbg_con, est.Week(2026, 44), filters, ranking=ranking).set_index("Område")
    assert staff.loc["Mjällby", "EST-medel"] == round((3 * (1 + 2) + 3) / 7, 2)  # staff count every answer


def test_the_risk_factor_filter_keeps_the_matching_items(sbg_con):
    every = est.items(sbg_con)
    assert every["risk_factor"].notna().all()
    known = {r[0] for r in sbg_con.execute("SELECT code FROM risk_factors").fetchall()}
    assert set(every["risk_factor"]) <= known                 # every item maps to a real risk factor
    litter = est.items(sbg_con, ["nedskrapning_klotter"])
    assert set(litter["code"]) == {"klotter", "nedskrapning"}
    picture = est.week_picture(sbg_con, est.latest_week(sbg_con), ["upplevd_otrygghet", "oppen_narkotikahandel"])
    assert set(picture["item"]) == {"otrygghet", "narkotika"}
    assert est.items(sbg_con, ["spel"]).empty                 # no item maps to gambling: nothing shown


def test_items_and_organisations_are_configurable(sbg_con):
    table = est.items(sbg_con, active_only=False)[["code", "label", "risk_factor", "sort_order", "active"]]
    table.loc[table["code"] == "belysning", "active"] = False
    est.save_items(sbg_con, table)
    assert "belysning" not in set(est.items(sbg_con)["code"])
    bad = pd.concat([table, pd.DataFrame([{"code": "Nytt Problem", "label": "Anna Andersson", "risk_factor": "x",
                                           "sort_order": 9, "active": True}])], ignore_index=True)
    with pytest.raises(est.RoundError) as raised:
        est.save_items(sbg_con, bad)
    assert len(raised.value.problems) >= 2
    orgs = est.organisations(sbg_con, active_only=False)
    orgs.loc[orgs["code"] == "polisen", "area_codes"] = pd.Series([["MJA"]], index=orgs.index[orgs["code"] == "polisen"])
    est.save_organisations(sbg_con, orgs)
    assert set(est.round_grid(sbg_con, est.Week(2026, 46), "polisen")["area_code"]) == {"MJA"}


def test_a_row_added_in_the_settings_table_goes_last_and_active(sbg_con):
    """The data editor gives a new row no order and no Aktiv; that must not crash the save (int(NaN))."""
    table = est.items(sbg_con, active_only=False)[["code", "label", "risk_factor", "sort_order", "active"]]
    added = pd.concat([table, pd.DataFrame([{"code": "hundbajs", "label": "Hundbajs", "risk_factor": None,
                                             "sort_order": np.nan, "active": None}])], ignore_index=True)
    est.save_items(sbg_con, added)
    saved = est.items(sbg_con).set_index("code")
    assert saved.loc["hundbajs", "sort_order"] == table["sort_order"].max() + 1
    orgs = est.organisations(sbg_con, active_only=False)
    orgs = pd.concat([orgs, pd.DataFrame([{"code": "skolan", "name": "Skolan", "area_codes": None,
                                           "sort_order": None, "active": None}])], ignore_index=True)
    est.save_organisations(sbg_con, orgs)
    assert "skolan" in set(est.organisations(sbg_con)["code"])


def test_a_bad_organisation_table_keeps_the_checklist_too(sbg_con):
    table = est.items(sbg_con, active_only=False)[["code", "label", "risk_factor", "sort_order", "active"]]
    table.loc[table["code"] == "klotter", "label"] = "Klotter och tags"
    orgs = est.organisations(sbg_con, active_only=False)
    orgs.loc[orgs["code"] == "polisen", "name"] = "Lisa Nilsson"
    with pytest.raises(est.RoundError, match="personnamn"):
        est.save_configuration(sbg_con, table, orgs)
    assert "Klotter" in set(est.items(sbg_con)["label"])


def test_migration_0019_adds_the_risk_factors_beside_a_coordinators_own(tmp_path):
    from lagesbild import db, vocabulary

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    db.migrate(con, db.load_migrations()[:17])
    con.executemany("INSERT INTO risk_factors VALUES (?, ?, ?, ?)", [list(r) for r in vocabulary.RISK_FACTORS[:15]])
    con.execute("INSERT INTO risk_factors VALUES (16, 'egen', 'Egen riskfaktor', 'place')")
    assert db.migrate(con)[:2] == [18, 19]   # and the later ones
    ids = dict(con.execute("SELECT code, id FROM risk_factors WHERE id > 15").fetchall())
    assert ids == {"egen": 16, "skadegorelse_miljo": 19, "brander_miljo": 17, "upplevd_otrygghet": 18}
    assert con.execute("SELECT count(*) FROM est_items").fetchall()[0][0] == 9
    con.close()


def test_rounds_from_a_spreadsheet_all_or_nothing(sbg_con):
    good = ("Vecka;Organisation;Område;Klotter;Otrygghet;Nedskräpning\r\n"
            "2026-W46;Polisen;Mjällby;2;1;\r\n"
            "2026-W46;bostadsbolaget;SBG-C;3;;0\r\n").encode("utf-8-sig")
    saved = est.import_round_file(sbg_con, good, "est.csv", "bo", today=TODAY)
    assert (saved.new, saved.changed, saved.removed) == (4, 0, 0)
    rows = sbg_con.execute("SELECT organisation, area_code, item, value FROM est_answers WHERE iso_year = 2026 AND iso_week = 46"
                           " ORDER BY ALL").fetchall()
    assert rows == [("bostadsbolaget", "SBG-C", "klotter", 3), ("bostadsbolaget", "SBG-C", "nedskrapning", 0),
                    ("polisen", "MJA", "klotter", 2), ("polisen", "MJA", "otrygghet", 1)]
    before = est_state(sbg_con)
    bad = ("Vecka;Organisation;Område;Klotter\n2026-W46;Polisen;Mjällby;1\n2026-W46;Polisen;Atlantis;1\n"
           "v46;Polisen;Mjällby;1\n2026-W46;Polisen;Hällevik;5\n").encode()
    with pytest.raises(est.RoundError) as raised:
        est.import_round_file(sbg_con, bad, "fel.csv", "bo", today=TODAY)
    assert raised.value.problems == [
        "fel.csv, rad 3, kolumn 'Område': ”Atlantis” är inget område.",
        "fel.csv, rad 4, kolumn 'Vecka': ”v46” är ingen vecka (skriv t.ex. 2026-W12).",
        f"fel.csv, rad 5, kolumn 'Klotter': ”5” är inte ett av värdena {est.SCALE_TEXT}."]
    assert est_state(sbg_con) == before
    with pytest.raises(est.RoundError, match="personnummer"):
        est.import_round_file(sbg_con, "Vecka;Organisation;Område;Klotter;Anteckning\n2026-W46;Polisen;MJA;1;"
                              "19121212-1212\n".encode(), "pnr.csv", "bo", today=TODAY)
    assert est_state(sbg_con) == before


# The trend test -----------------------------------------------------------------------------------------------

AREAS, ITEMS, ORGS = 18, 9, 3


def simulate(rng: np.random.Generator, weeks: int = est.WINDOW_WEEKS, planted: float = 0.0,
             skip: float = 0.0, areas: int = AREAS) -> pd.DataFrame:
    """Answers without any pattern in time (each organisation and series its own level), optionally with a
    planted increase in series (A0, i0) over the second half of the window, and whole rounds skipped."""
    base = rng.uniform(0, 2.2, (ORGS, areas, ITEMS)) + rng.normal(0, 0.3, (ORGS, 1, 1))
    if planted:
        base[:, 0, 0] = 0.5                   # from "lite" …
    level = np.repeat(base[:, None], weeks, axis=1)
    level[:, weeks // 2:, 0, 0] += planted    # … to "en del" or "mycket" in the second half
    values = np.clip(np.rint(level + rng.normal(0, 0.6, level.shape)), 0, 3)
    o, t, a, i = np.indices(values.shape).reshape(4, -1)
    frame = pd.DataFrame({"organisation": o, "t": t, "area_code": [f"A{n}" for n in a],
                          "item": [f"i{n}" for n in i], "value": values.ravel()})
    if skip:
        dropped = rng.random((ORGS, weeks)) < skip
        frame = frame[~dropped[frame["organisation"], frame["t"]]]
    return frame


def test_a_planted_increase_is_found():
    found = 0
    for seed in range(20):
        result = est.trend_test(simulate(np.random.default_rng(seed), planted=2.0, skip=0.1), permutations=4999,
                                seed=seed)
        verdicts = result.set_index(["area_code", "item"])["verdict"]
        found += verdicts[("A0", "i0")] == est.TREND_RISES
    assert found >= 18   # measured 20 of 20 (a step of 1.5: 14 of 20; of 1.0: 6 of 20 — said in the README)


def test_without_any_pattern_no_more_false_trends_than_stated():
    # Tables of 3 areas × 9 items from three organisations, some rounds skipped. Benjamini–Hochberg's promise
    # (no claim at all in at least 95 % of tables without change) does not depend on the table's size, and 999
    # permutations still let a single series pass its strictest step, 0.05 / 27.
    simulations = 400
    claimed, single = 0, []
    for seed in range(simulations):
        result = est.trend_test(simulate(np.random.default_rng(1000 + seed), skip=0.1, areas=3), permutations=999,
                                seed=seed)
        claimed += result["verdict"].isin([est.TREND_RISES, est.TREND_FALLS]).any()
        single.append((result["p"] <= 0.05).mean())
    # stated: at most ALPHA (5 %) of tables claim any trend; measured 9 of 400 (2.3 %); binomial noise around
    # 5 % with 400 tables reaches about 7 %
    assert claimed / simulations <= est.ALPHA + 0.02, claimed
    # and every series' own p-value keeps its level: measured 5.1 % below 0.05
    assert np.mean(single) <= 0.06


def test_two_weeks_say_nothing_and_gaps_are_not_zeros():
    rng = np.random.default_rng(3)
    two = simulate(rng, weeks=2, planted=3.0)
    assert set(est.trend_test(two, permutations=999)["verdict"]) == {est.TREND_FEW}
    sparse = simulate(rng, weeks=12)
    sparse = sparse[sparse["t"].isin([0, 1, 2, 9, 10])]      # five weeks answered of twelve
    assert set(est.trend_test(sparse, permutations=999)["verdict"]) == {est.TREND_FEW}
    # a series answered in six weeks with a gap in the middle is tested: the gap is not read as 0
    gap = simulate(np.random.default_rng(4), weeks=12, planted=0.0)
    gap = gap[gap["t"].isin([0, 1, 2, 9, 10, 11])]
    assert est.TREND_FEW not in set(est.trend_test(gap, permutations=999)["verdict"])


def test_an_organisation_scoring_higher_is_not_a_trend():
    # the police answer only the second half and score everything 2 higher: pooled naively that is a rise
    rows = []
    for t in range(12):
        rows += [("hosts", t, "A", "i", 1.0)]
        if t >= 6:
            rows += [("police", t, "A", "i", 3.0)]
    frame = pd.DataFrame(rows, columns=["organisation", "t", "area_code", "item", "value"])
    assert est.trend_test(frame, permutations=999)["verdict"].tolist() == [est.TREND_NONE]


def test_the_demo_rise_is_found_and_the_trend_has_a_figure(demo_con):
    last = est.latest_week(demo_con)
    found = est.trends(demo_con, last, permutations=4999).set_index(["area_code", "item"])
    assert found.loc[(demo_est.RISE[0], demo_est.RISE[1]), "verdict"] == est.TREND_RISES
    series = est.weekly_series(demo_con, last, "SBG-S", "otrygghet")
    assert len(series) == 52 and series["mean"].mean() > 2        # insecurity at the station stays high
    figure = est.trend_figure(series, "Otrygghet – Stationsområdet", Disclosure(viewer=True))
    assert len(figure.data) == 1                                  # viewers get no highest single answer


def test_the_quarter_view_puts_the_checklist_beside_incidents_and_the_ranking(sbg_con):
    filters = Filters(start=date(2026, 1, 1), end=date(2026, 10, 31))
    ranking = pd.DataFrame({"code": ["SBG-C", "SBG-S"], "rank": [1, 2]})
    table = est.quarter_table(sbg_con, est.Week(2026, 39), filters, ranking=ranking)
    assert list(table.columns) == ["Område", "EST-medel", "Högst i EST", "Veckor med svar", "Händelser",
                                   "Per 1 000 inv.", "Rang i prioriteringen"]
    top = table.iloc[0]
    assert top["Område"] in {"Sölvesborg centrum", "Stationsområdet och hamnen", "Norje"}
    assert table.set_index("Område").loc["Sölvesborg centrum", "Rang i prioriteringen"] == 1
    assert table["Händelser"].sum() > 0
    viewer = est.quarter_table(sbg_con, est.Week(2026, 39), filters, Disclosure(viewer=True), ranking=ranking)
    assert "Veckor med svar" not in viewer.columns
    only_drugs = est.quarter_table(sbg_con, est.Week(2026, 39), Filters(start=filters.start, end=filters.end,
                                                               risk_factors=("oppen_narkotikahandel",)),
                                   ranking=ranking)
    assert only_drugs["Högst i EST"].str.startswith("Narkotika").any()
    assert not only_drugs["Högst i EST"].str.startswith("Klotter").any()
