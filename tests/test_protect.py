"""The cell-key method in `lagesbild.protect`: what it promises, checked by itself and by seeded simulation."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from lagesbild import protect
from lagesbild.protect import KEY_SPACE, NOISE, NOISE_PROBABILITY, STAFF, Disclosure

VIEWER = Disclosure(viewer=True)


def test_staff_see_exact_counts():
    counts = np.array([0, 1, 2, 3, 4, 5, 17, 3800])
    assert STAFF.counts(counts, np.arange(8)).tolist() == counts.tolist()


def test_viewers_never_see_a_count_from_1_to_4_and_zero_stays_zero():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 12, 20_000)
    shown = VIEWER.counts(counts, rng.integers(0, KEY_SPACE, counts.size))
    visible = shown[~np.isnan(shown)]
    assert not np.isin(visible, [1, 2, 3, 4]).any()
    assert (shown[counts == 0] == 0).all()
    assert np.isnan(shown[(counts > 0) & (counts < 3)]).all()  # 1 or 2 can never be moved up to 5
    assert np.abs(visible - counts[~np.isnan(shown)]).max() <= protect.LARGEST_CHANGE


def test_the_noise_follows_its_stated_distribution():
    keys = np.arange(KEY_SPACE)  # every key once: exactly the lookup table
    drawn = protect.noise(keys)
    shares = np.array([(drawn == value).mean() for value in NOISE])
    assert np.allclose(shares, NOISE_PROBABILITY, atol=1 / KEY_SPACE)
    assert drawn.mean() == pytest.approx(0, abs=1e-3)  # unbiased: totals are right on average


def test_the_same_incidents_always_get_the_same_amount():
    record_keys = protect.seeded_keys(np.arange(1, 40), 5)
    key = protect.combine_keys(record_keys)
    first = VIEWER.count(39, key)
    assert all(VIEWER.count(39, protect.combine_keys(np.random.default_rng(s).permutation(record_keys))) == first
               for s in range(20))  # order and repetition do not matter


def test_a_union_has_the_key_of_its_parts():
    record_keys = protect.seeded_keys(np.arange(1000), 3)
    parts = [protect.combine_keys(part) for part in np.array_split(record_keys, 7)]
    assert protect.combine_keys(parts) == protect.combine_keys(record_keys)


def test_shifting_a_set_by_one_incident_draws_an_unrelated_amount():
    """One-day shifts: the noise of S and of S plus one incident are independent (null: no correlation)."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, KEY_SPACE, 20_000)
    extra = rng.integers(0, KEY_SPACE, 20_000)
    a, b = protect.noise(base), protect.noise((base + extra) % KEY_SPACE)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.03
    same = (a == b).mean()
    assert same == pytest.approx(float((NOISE_PROBABILITY ** 2).sum()), abs=0.01)  # 0.26, not 1


def test_harm_and_changes_are_derived_from_shown_counts():
    shown = VIEWER.counts([10], [12345])
    harm = VIEWER.harm([75.0], [10], shown, [12345])
    assert abs(harm[0] - 7.5 * shown[0]) <= 7.5 * protect.LARGEST_CHANGE + 0.5
    assert VIEWER.change(math.nan, 12.0) is None and VIEWER.change(12.0, math.nan) is None
    assert VIEWER.text(math.nan) == "<5" and VIEWER.derived(math.nan) == "–"
    assert STAFF.harm([75.0], [10], [10.0], [1])[0] == 75.0


def test_harm_does_not_give_the_mean_weight_away():
    """Shown harm over shown count is not the set's exact mean weight (which can betray its categories)."""
    rng = np.random.default_rng(11)
    counts = rng.integers(5, 15, 5000)
    keys = rng.integers(0, KEY_SPACE, counts.size)
    harm = counts * 2.5
    shown = VIEWER.counts(counts, keys)
    seen = VIEWER.harm(harm, counts, shown, keys)
    visible = ~np.isnan(shown) & (shown > 0)
    exact_mean = np.isclose(seen[visible] / shown[visible], 2.5, atol=0.05)
    assert exact_mean.mean() < 0.5


def test_key_sql_gives_in_sql_the_key_combine_keys_gives_in_python():
    """The aggregate over all rows, over the rows a condition picks (its value bound) and over no rows at all."""
    rng = np.random.default_rng(4)
    keys = rng.integers(0, KEY_SPACE, 3000)
    codes = rng.choice(["A", "B", "C"], keys.size)
    con = duckdb.connect()
    con.execute("CREATE TABLE incidents (cell_key INTEGER, code VARCHAR)")
    con.executemany("INSERT INTO incidents VALUES (?, ?)", list(zip(keys.tolist(), codes.tolist(), strict=True)))
    everything, only_b = con.execute("SELECT " + protect.key_sql("", "a") + ", " + protect.key_sql("a.code = ?", "a")
                                     + " FROM incidents a", ["B"]).fetchall()[0]
    assert only_b == protect.combine_keys(keys[codes == "B"]) and only_b != everything
    assert con.execute("SELECT " + protect.key_sql() + " FROM incidents i").fetchall()[0][0] == everything
    assert everything == protect.combine_keys(keys) and isinstance(everything, int)
    assert con.execute("SELECT " + protect.key_sql() + " FROM incidents i WHERE false").fetchall() == [(0,)]


def test_stored_incidents_get_a_key(demo_con):
    missing, spread = demo_con.execute(
        "SELECT count(*) FILTER (WHERE cell_key IS NULL), count(DISTINCT cell_key) FROM incidents").fetchall()[0]
    assert missing == 0 and spread > 10_000


def test_a_new_incident_draws_its_own_random_key(empty_con):
    from lagesbild import vocabulary

    cur = empty_con.cursor()
    vocabulary.install(cur)
    cur.execute("INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, status)"
                " VALUES (1, 'f', 'x', 'incidents', 't', now(), 'stored')")
    cur.execute("INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
                " precision, import_id) SELECT range, 1, now(), now()::TIMESTAMP, current_date, 1, 1, 1,"
                " 'municipality', 1 FROM range(1, 201)")
    keys = [k for (k,) in cur.execute("SELECT cell_key FROM incidents").fetchall()]
    assert None not in keys and len(set(keys)) > 150 and all(0 <= k < KEY_SPACE for k in keys)


def test_the_readme_states_the_parameters_in_force():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    moved = "| moved by | " + " | ".join(f"{v:+d}".replace("+0", "0").replace("-", "−") for v in NOISE) + " |"
    shares = "| share of cell keys | " + " | ".join(f"{round(p * 100)} %" for p in NOISE_PROBABILITY) + " |"
    assert moved in readme and shares in readme
    assert protect.VIEWER_NOTICE.split(":")[0] in readme
    assert f"±{protect.LARGEST_CHANGE}" in readme

