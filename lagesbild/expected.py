"""Expected ranges: what a month would usually hold, judged from the same month in earlier years.

For each month shown, the same days in up to `YEARS_BACK` earlier years are counted with the same filters. A
year is left out when a selected source was not delivering that month (`lagesbild.coverage`: a gap is not a
quiet month), and for viewers when its protected count is hidden; a month shown that is itself a gap gets no
band. With at least `MIN_YEARS` years left:

* **expected** is the mean of those years. It is not scaled by the level change between years: the band answers
  "is this month unusual against the same month before", and a lasting rise should show as month after month
  above the band rather than be absorbed into it (a scale factor estimated from part of a year would also add
  error of its own).
* **the band** is a 95 % prediction interval for the new month's count. Under the null the new count X and the
  mean x̄ of n earlier years share the mean μ, and Var(X − x̄) = φμ(1 + 1/n): the new month's own noise plus
  the error of estimating μ from n years, both scaled by a dispersion factor φ. φ is estimated from the
  between-year variance of the earlier years, pooled over every month shown (Pearson's Σ(x − x̄)²/x̄ over its
  degrees of freedom), and floored at 1: crime counts vary more than Poisson, seldom less. The interval is
  read from a negative binomial with that mean and variance, so it stays whole and non-negative for small
  counts; for φ = 1 it is exactly the Poisson predictive distribution under Jeffreys' prior, which is why the
  mean it is centred on carries half an extra incident spread over the n years (a month that had none before
  still gets a band). Each end is cut so that at most 2.5 % falls beyond it (whole counts make the band err
  wide rather than narrow).

For viewers every earlier count is the protected one (moved by its own cell key, as a link to that month would
show it), a month with a hidden year gets no band, the interval is for the moved value they see, and no band is
drawn around an expected value below the threshold (its bars are "<5" gaps there).

Measured on pattern-free simulated data (tests/test_expected.py, 4 800 months each): Poisson months at 40 a
month fall outside 3.8 % of the time, overdispersed ones (variance/mean 1.4) 5.0 % with four earlier years and
4.9 % with two, 4.1 % at 15 a month; moved counts at 12 a month against a viewer's band 3.3 %; sparse months
(0.5 a month) 1.8 %, as whole counts cannot do better.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from lagesbild import coverage, queries
from lagesbild.filters import Filters, shift_years
from lagesbild.protect import NOISE_PROBABILITY, Disclosure, combine_keys

YEARS_BACK = 5
MIN_YEARS = 2
LEVEL = 0.95

BAND_CAPTION = ("Det grå spannet visar vad månaden brukar rymma utifrån samma månad tidigare år (prickat: "
                "medelvärdet; 95 % av månaderna hamnar inom spannet när inget ovanligt händer). Förväntat spann "
                "visas när det finns minst två tidigare år.")
NO_BAND_CAPTION = ("Förväntat spann visas när det finns minst två tidigare år med data för samma månad; här finns "
                   "det inte.")
BAND_COLUMNS = ["month", "expected", "low", "high", "years", "text"]


def windows(start: date, end: date) -> list[tuple[pd.Timestamp, date, date]]:
    """The months a period touches, each with the first and last of its days inside the period."""
    found = []
    for month in pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(), end, freq="MS"):
        last_of_month = (month + pd.offsets.MonthEnd(0)).date()
        found.append((month, max(start, month.date()), min(end, last_of_month)))
    return found


def _per_month(earlier: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Months, and per month the number of years used, the sum and the sum of squares of their counts."""
    used = earlier[earlier["count"].notna()]
    codes, months = pd.factorize(used["month"], sort=True)
    x = used["count"].to_numpy(float)
    return (months, np.bincount(codes, minlength=len(months)).astype(float),
            np.bincount(codes, x, len(months)).astype(float), np.bincount(codes, x * x, len(months)).astype(float))


def dispersion(earlier: pd.DataFrame) -> float:
    """φ: the between-year variance over the mean, pooled over months with at least two years, floored at 1.

    `earlier` has columns month and count (NaN: left out)."""
    _, n, total, squares = _per_month(earlier)
    used = (n >= MIN_YEARS) & (total > 0)
    mean = np.divide(total, n, out=np.zeros_like(total), where=used)
    pearson = np.divide(squares - n * mean ** 2, mean, out=np.zeros_like(total), where=used).sum()
    freedom = (n[used] - 1).sum()
    return max(1.0, float(pearson / freedom)) if freedom else 1.0


def _noise_pmf(parts: int) -> np.ndarray:
    """The distribution of the sum of `parts` cell-key moves, over -LARGEST..+LARGEST times parts."""
    pmf = np.array([1.0])
    for _ in range(parts):
        pmf = np.convolve(pmf, NOISE_PROBABILITY)
    return pmf


def interval(total: ArrayLike, n: ArrayLike, phi: float, noise_parts: int = 0, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The prediction interval for a new count given the sum `total` of n earlier counts (see the module);
    `total` and `n` may be arrays. With `noise_parts` > 0 the interval is for the value a viewer sees: a count
    above zero moved by that many cell-key amounts (a zero stays zero, nothing goes below zero)."""
    total, n = np.asarray(total, dtype=float), np.asarray(n, dtype=float)
    centre = (total + 0.5) / n
    variance = phi * centre * (1 + 1 / n)
    p = centre / variance
    r = centre * p / (1 - p)
    tail = (1 - level) / 2
    if not noise_parts:
        return stats.nbinom.ppf(tail, r, p), stats.nbinom.ppf(1 - tail, r, p)
    noise = _noise_pmf(noise_parts)
    reach = (len(noise) - 1) // 2
    low, high = np.zeros(len(total)), np.zeros(len(total))
    for index, (size, chance) in enumerate(zip(r, p, strict=True)):
        pmf = stats.nbinom.pmf(np.arange(int(stats.nbinom.ppf(1 - 1e-9, size, chance)) + 2), size, chance)
        moved = np.convolve(np.concatenate([[0.0], pmf[1:]]), noise)  # value k sits at index k + reach
        seen = np.concatenate([[moved[: reach + 1].sum() + pmf[0]], moved[reach + 1:]])
        cdf = np.cumsum(seen) / seen.sum()
        low[index], high[index] = np.searchsorted(cdf, tail), np.searchsorted(cdf, 1 - tail)
    return low, high


def _years_text(years: list[int]) -> str:
    years = sorted(years)
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years[:-1]) + " och " + str(years[-1])


def bands(earlier: pd.DataFrame, *, partial: frozenset[pd.Timestamp] = frozenset(), noise_parts: int = 0, threshold: int = 0,
          level: float = LEVEL) -> pd.DataFrame:
    """Expected value and band per month from the earlier years' counts.

    `earlier` has columns month (the month shown), year (an earlier year) and count (NaN: that year is left out,
    uncovered or hidden; a month with any hidden year gets no band, as a mean over the large years only would be
    biased upwards). Months in `partial` cover only some of their days (said in the text); `noise_parts` says how
    many cell-key moves the value drawn against the band carries (see `interval`). With a viewer's `threshold`
    the value shown is 0, hidden or at least the threshold, so an end between them is moved to the threshold
    (the low end) or 0 (the high end): the same shown values fall inside, and no small number is drawn.
    Returns one row per
    month with at least MIN_YEARS years: month, expected, low, high, years (how many), text (Swedish hover)."""
    rows = []
    if "hidden" in earlier:
        earlier = earlier[~earlier["month"].isin(earlier.loc[earlier["hidden"].astype(bool), "month"])]
    if earlier["count"].notna().sum() == 0:
        return pd.DataFrame(columns=BAND_COLUMNS)
    phi = dispersion(earlier)
    months, n, total, _ = _per_month(earlier)
    keep = n >= MIN_YEARS
    low, high = interval(total[keep], n[keep], phi, noise_parts, level)
    if threshold:
        low = np.where((low >= 1) & (low < threshold), threshold, low)
        high = np.where((high >= 1) & (high < threshold), 0, high)
    years = earlier[earlier["count"].notna()].groupby("month")["year"].agg(list) if keep.any() else {}
    for month, count, summed, a, b in zip(months[keep], n[keep], total[keep], low, high, strict=True):
        what = "samma dagar" if month in partial else "samma månad"
        rows.append({"month": month, "expected": summed / count, "low": float(a), "high": float(b),
                     "years": int(count), "text": f"Förväntat: {a:.0f}–{b:.0f} (utifrån {what} "
                                                  f"{_years_text(years[month])})"})
    return pd.DataFrame(rows, columns=BAND_COLUMNS)


def caption(band: pd.DataFrame) -> str:
    """The one Swedish sentence under a trend: what the band means, or why there is none."""
    return BAND_CAPTION if not band.empty else NO_BAND_CAPTION


def covered_months(con: duckdb.DuckDBPyConnection, sources: tuple[str, ...] = (),
                   table: pd.DataFrame | None = None) -> set[pd.Timestamp]:
    """The months in which every selected source (all sources when none is chosen) was delivering (`table`:
    `coverage.monthly(con)` when the caller has it)."""
    table = coverage.monthly(con) if table is None else table
    if table.empty:
        return set()
    if sources:
        table = table[table["source"].isin(sources)]
    present = table.groupby("month")["present"].all()
    return set(present.index[present])


def earlier_counts(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure,
                   coverage_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """For every month of the period, the shown count of the same days in each of the YEARS_BACK earlier years:
    columns month, year, count (NaN: not covered or hidden), hidden (bool). Counts are moved by their own cell
    keys for viewers, exactly as they would be if shown."""
    spans = windows(filters.start, filters.end)
    first = shift_years(spans[0][1], -YEARS_BACK)
    daily = queries.daily_counts(con, filters, first, filters.end)
    days = pd.date_range(first, filters.end, freq="D")
    counts = daily.set_index(pd.to_datetime(daily["day"]))["count"].reindex(days, fill_value=0).to_numpy(np.int64)
    keys = daily.set_index(pd.to_datetime(daily["day"]))["ckey"].reindex(days, fill_value=0).to_numpy(np.int64)
    count_sum, key_sum = np.concatenate([[0], counts.cumsum()]), np.concatenate([[0], keys.cumsum()])
    covered = covered_months(con, filters.sources, coverage_table)
    rows = []
    for month, start, end in spans:
        if month not in covered:
            continue  # a gap in the month shown is not unusual crime: no band
        for back in range(1, YEARS_BACK + 1):
            a, b = shift_years(start, -back), shift_years(end, -back)
            if pd.Timestamp(a).to_period("M").to_timestamp() not in covered:
                continue
            i, j = (a - first).days, (b - first).days + 1
            exact = int(count_sum[j] - count_sum[i])
            value = shown.count(exact, combine_keys([key_sum[j] - key_sum[i]]))
            rows.append({"month": month, "year": a.year, "count": value, "hidden": bool(np.isnan(value))})
    return pd.DataFrame(rows, columns=["month", "year", "count", "hidden"])


def for_period(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure, *,
               shown_parts: int = 1, coverage_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The expected band for every month of the period under the filters, as `shown` allows (see `bands`).

    For viewers the band is for the value they see: `shown_parts` is how many separately moved counts make it up
    (the stacked groups of the overview). Where the expected value is below the threshold a viewer's bars are
    "<5" gaps, so there is nothing to hold a band against and none is drawn."""
    partial = frozenset(m for m, a, b in windows(filters.start, filters.end)
                        if a.day != 1 or (b + timedelta(days=1)).day != 1)
    found = bands(earlier_counts(con, filters, shown, coverage_table), partial=partial,
                  noise_parts=shown_parts if shown.viewer else 0, threshold=shown.threshold if shown.viewer else 0)
    if shown.viewer:
        found = found[found["expected"] >= shown.threshold].reset_index(drop=True)
    return found
