"""Where a new effort does most good: need against coverage, area by area, with the reasons in plain Swedish.

Need has four parts, each scaled to 0–1 so the weights mean what they say:

* **level**: the harm-weighted rate per 1,000 inhabitants, shrunk toward the municipality's rate by empirical
  Bayes (Marshall's global estimator for Poisson rates, `shrink`), so an area of 350 inhabitants with a few
  incidents does not top the list by noise. An area without inhabitants is measured per km² against the
  municipality's harm per km² instead, and says so;
* **change** against the same period a year earlier (as the overview), counted only when it is more than
  chance; the change against the previous period of equal length is shown beside it;
* **hot spots**: the share of the area's located incidents that lie in hot squares (95 %), counted only when
  the area has at least `MIN_HOT_INCIDENTS` located incidents — squares are not counted, incidents are;
* **risk-factor lift**: how much more common a risk factor is in the area than in the *rest* of the
  municipality (`lift_table`), credited from the lower end of its exact interval only.

Coverage is the interventions running at the end of the period, each weighted by how well it fits
(`coverage_fit`); it discounts the need by the coverage weight. Every row says why it ranks where it does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import beta

from lagesbild import coverage, formatting, hotspots, queries
from lagesbild.filters import Filters
from lagesbild.protect import KEY_SPACE, STAFF, Disclosure, key_sql
from lagesbild.stats import Change

MIN_LIFT_COUNT = 3       # a lift needs at least this many tagged incidents in the area
MIN_HOT_INCIDENTS = 10   # below this many located incidents in an area its hot-spot share is not counted
HOT_LEVEL = 0.95
# Coverage fit (`coverage_fit`): what the intervention aims at × where it works × how much of it there is.
FIT_CATEGORY_ONLY = 0.5  # aims at the chosen categories but not at the chosen risk factors
FIT_MUNICIPALITY_WIDE = 0.25  # runs in every area: spread thin, not aimed at this place
FULL_DOSE_HOURS = 10.0   # hours per week and area that count as a full dose
MIN_DOSE_FIT = 0.1

NO_INCIDENTS = "Inga händelser matchar filtren – ingen rangordning."
TOO_LITTLE_PLACED = ("För få händelser med plats i ett område för att rangordna områdena – ingen rangordning. "
                     "Alla områden skulle dela samma plats.")
ALL_TIED = "Alla områden får poängen 0 med de valda vikterna – ingen rangordning."
SCORE_HELP = (
    "Poäng (0–100) = behov × (1 − täckning). Behovet väger ihop fyra delar, var och en 0–1, med vikterna "
    "ovan: skadeviktad nivå (per 1 000 invånare, utjämnad mot kommunens nivå så att små områden inte hamnar "
    "högst av slump; per km² där invånare saknas), säker ökning mot samma period året innan, andel av "
    "områdets händelser som ligger i hot spots (bara med minst 10 händelser) och riskfaktorer som är säkert "
    "vanligare än i resten av kommunen (nedre gränsen i konfidensintervallet). Täckningen är pågående insatser "
    "mot samma problem: en insats räknas fullt om den riktar sig mot de valda riskfaktorerna eller "
    "kategorierna i just det området, mindre om den gäller hela kommunen eller har liten omfattning. "
    "Poängen jämför områden inom samma urval, inte mellan olika filter. Hög otrygghet (enkät) är avstängd från "
    "början (vikt 0); med en vikt räknas trygghetsmätningens andel otrygga i områdets senaste mätning, från den "
    "nedre gränsen i konfidensintervallet, och inte alls för områden med färre än 30 svar."
)


@dataclass(frozen=True)
class Weights:
    rate: float = 0.35
    trend: float = 0.25
    hotspots: float = 0.20
    lift: float = 0.20
    coverage: float = 0.80  # share of the need a fully fitting running intervention takes away
    insecurity: float = 0.0  # "hög otrygghet" from the trygghetsmätning (lagesbild.safety): off unless chosen


_KEY = key_sql()
LIFT_KEYS = {"area_tagged": "tagged_key", "area_total": "total_key", "rest_tagged": "rest_tagged_key",
             "rest_total": "rest_total_key"}


def rate_ratio_interval(a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval for (a / n1) / (c / n2): Clopper–Pearson on a given a + c.

    Conditional on a + c tagged incidents, a is binomial with p = θ·n1 / (θ·n1 + n2) when θ is the ratio of
    the two tagging rates (the exact conditional comparison of two Poisson rates); the Clopper–Pearson bounds
    for p turn into bounds for θ. Treating tagged counts as Poisson makes the interval conservative (wider)
    when the shares are large, never too narrow — and unlike the log (Katz) interval it does not collapse
    when every incident in the area is tagged."""
    a, n1, c, n2 = (np.asarray(v, dtype=float) for v in (a, n1, c, n2))
    tail = (1 - level) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p_low = np.where(a > 0, beta.ppf(tail, a, c + 1), 0.0)
        p_high = np.where(c > 0, beta.ppf(1 - tail, a + 1, c), 1.0)
        low = p_low / (1 - p_low) * n2 / n1
        high = np.where(p_high < 1, p_high / (1 - p_high) * n2 / n1, np.inf)
    return low, high


def lift_table(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure = STAFF) -> pd.DataFrame:
    """Per area and risk factor: tagged and total incidents in the area and in the rest of the municipality,
    and the lift (the area's share over the rest's share) with an exact 95 % interval (`rate_ratio_interval`).

    The selection is the filters *without* their risk-factor filter (filtering by a factor makes every incident
    carry it); with risk factors chosen only those factors are reported. Incidents without an area are left
    out of both sides. For a viewer the four counts are the shown ones and a row with a hidden count is left
    out."""
    base = replace(filters, risk_factors=())
    where, params = base.where()
    frame = queries.frame(
        con,
        "WITH chosen AS (SELECT i.id, ap.area_id, i.cell_key FROM incidents i"  # the view's division's areas
        "  JOIN active_area_parts ap ON ap.part_id = i.area_id WHERE " + where + "),"
        " totals AS (SELECT i.area_id, count(*) AS area_total, " + _KEY + " AS total_key FROM chosen i"
        "  GROUP BY 1),"
        " tagged AS (SELECT i.area_id, l.risk_factor_id, count(*) AS area_tagged, " + _KEY + " AS tagged_key"
        "  FROM chosen i JOIN incident_risk_factors l ON l.incident_id = i.id GROUP BY 1, 2),"
        " everything AS (SELECT count(*) AS all_total, " + _KEY + " AS all_total_key FROM chosen i)"
        " SELECT a.code, a.name, r.code AS factor, r.label, t.area_tagged, tt.area_total,"
        " sum(t.area_tagged) OVER (PARTITION BY t.risk_factor_id) - t.area_tagged AS rest_tagged,"
        " e.all_total - tt.area_total AS rest_total, t.tagged_key, tt.total_key,"
        " CAST(((sum(t.tagged_key) OVER (PARTITION BY t.risk_factor_id) - t.tagged_key) % " + str(KEY_SPACE)
        + " + " + str(KEY_SPACE) + ") % " + str(KEY_SPACE) + " AS INTEGER) AS rest_tagged_key,"
        " CAST(((e.all_total_key - tt.total_key) % " + str(KEY_SPACE) + " + " + str(KEY_SPACE) + ") % "
        + str(KEY_SPACE) + " AS INTEGER) AS rest_total_key"
        " FROM tagged t JOIN totals tt ON tt.area_id = t.area_id JOIN areas a ON a.id = t.area_id"
        " JOIN risk_factors r ON r.id = t.risk_factor_id CROSS JOIN everything e",
        params,
    )
    if filters.risk_factors:
        frame = frame[frame["factor"].isin(filters.risk_factors)].copy()
    for column, key in LIFT_KEYS.items():
        frame[column] = shown.counts(frame[column], frame[key])
    frame = frame.dropna(subset=list(LIFT_KEYS))
    frame = frame[(frame["area_tagged"] > 0) & (frame["area_total"] > 0) & (frame["rest_total"] > 0)].copy()
    if frame.empty:
        return frame.assign(share_area=[], share_rest=[], lift=[], low=[], high=[])
    frame["share_area"] = frame["area_tagged"] / frame["area_total"]
    frame["share_rest"] = frame["rest_tagged"] / frame["rest_total"]
    with np.errstate(divide="ignore"):
        frame["lift"] = np.where(frame["rest_tagged"] > 0, frame["share_area"] / frame["share_rest"].where(
            frame["share_rest"] > 0, np.nan), np.inf)
    frame["low"], frame["high"] = rate_ratio_interval(frame["area_tagged"], frame["area_total"],
                                                      frame["rest_tagged"], frame["rest_total"])
    return frame.sort_values(["code", "lift"], ascending=[True, False]).reset_index(drop=True)


@dataclass
class Ranking:
    table: pd.DataFrame                       # one row per area, best first, with components and reasons
    hot: hotspots.HotSpots
    weights: Weights
    notes: list[str] = field(default_factory=list)


TABLE_COLUMNS = ["code", "name", "population", "area_km2", "count", "harm", "previous", "before", "per_km2",
                 "harm_rate", "shrunk_rate", "level", "hot_share", "lift", "lift_low", "lift_label", "change",
                 "change_basis", "change_previous", "covered_by", "cover_fits", "c_rate", "c_trend", "c_hot", "c_lift",
                 "c_insecure", "c_cover", "need", "score", "rank", "reasons"]
_GRID = {250: "cell_250", 1000: "cell_1k"}  # the only grid columns the hot-spot query may name


def _as_set(value: Any) -> set[str]:
    if value is None or value is pd.NA or isinstance(value, float | str):
        return set()
    return {str(v) for v in value}


def coverage_fit(filters: Filters, factors: set[str], categories: set[str], areas: int, all_areas: int,
                 own_place: bool, dose_value: Any, dose_unit: Any) -> float:
    """How much of an area's need one running intervention takes away (0–1): what × where × dose.

    What: 1 when it targets a chosen risk factor, or a chosen category when no risk factor is chosen;
    `FIT_CATEGORY_ONLY` when it targets only the chosen categories although risk factors are chosen; 0 when it
    targets neither (with nothing chosen, any intervention fits). Where: 1 in its own areas or place,
    `FIT_MUNICIPALITY_WIDE` when it runs in every area of the municipality. Dose: when given in hours per week,
    the hours per area over `FULL_DOSE_HOURS` (at least `MIN_DOSE_FIT`, at most 1); otherwise 1."""
    if not filters.risk_factors and not filters.categories or factors & set(filters.risk_factors):
        what = 1.0
    elif categories & set(filters.categories):
        what = FIT_CATEGORY_ONLY if filters.risk_factors else 1.0
    else:
        return 0.0
    where = FIT_MUNICIPALITY_WIDE if all_areas > 1 and areas >= all_areas and not own_place else 1.0
    dose = 1.0
    unit = str(dose_unit or "").lower()
    if dose_value is not None and dose_value == dose_value and "timm" in unit and "vecka" in unit:
        dose = float(np.clip(float(dose_value) / max(areas, 1) / FULL_DOSE_HOURS, MIN_DOSE_FIT, 1.0))
    return what * where * dose


def _coverage(con: duckdb.DuckDBPyConnection, filters: Filters, all_areas: int) -> dict[str, list[tuple[str, float]]]:
    """Area code -> (name, fit) of interventions running at the period's end that fit the filtered problem."""
    running = queries.interventions_in(con, filters.end, filters.end)
    running = running[running["status"] == "pågående"]
    targets = queries.frame(
        con,
        "SELECT iv.id, iv.dose_value, iv.dose_unit, t.risk_factor_codes AS factors, t.category_codes AS categories"
        " FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id",
    ).set_index("id")
    covered: dict[str, list[tuple[str, float]]] = {}
    for item in running.itertuples():
        known = item.id in targets.index
        codes = _as_set(item.area_codes)
        fit = coverage_fit(
            filters, _as_set(targets.at[item.id, "factors"]) if known else set(),
            _as_set(targets.at[item.id, "categories"]) if known else set(), len(codes), all_areas,
            isinstance(item.geojson, str) and bool(item.geojson),
            targets.at[item.id, "dose_value"] if known else None, targets.at[item.id, "dose_unit"] if known else None)
        if fit > 0:
            for code in codes:
                covered.setdefault(code, []).append((item.name, fit))
    return covered


def shrink(harm: ArrayLike, exposure: ArrayLike, dispersion: float = 1.0) -> np.ndarray:
    """Empirical-Bayes rates harm / exposure, shrunk toward the overall rate (Marshall's global estimator).

    m = Σharm / Σexposure; the between-area variance s² = Σ e (r − m)² / Σe − φ·m / ē (at least 0); each rate
    moves to m + C (r − m) with C = s² / (s² + φ·m / e), so an area with little exposure keeps little of its own
    rate. φ is the dispersion of a harm sum against a plain count (mean squared weight over mean weight; 1 for
    plain counts). NaN where harm or exposure is missing."""
    harm, exposure = np.asarray(harm, dtype=float), np.asarray(exposure, dtype=float)
    valid = np.isfinite(harm) & np.isfinite(exposure) & (exposure > 0)
    out = np.full(harm.shape, np.nan)
    if not valid.any() or exposure[valid].sum() <= 0:
        return out
    h, e = harm[valid], exposure[valid]
    m = h.sum() / e.sum()
    rates = h / e
    s2 = max(0.0, float((e * (rates - m) ** 2).sum() / e.sum() - dispersion * m / e.mean()))
    weight = s2 / (s2 + dispersion * m / e) if s2 > 0 else np.zeros_like(e)
    out[valid] = m + weight * (rates - m)
    return out


def _levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw and shrunk harm rates: per 1,000 inhabitants, or per km² where inhabitants are unknown; `level` is the
    shrunk rate relative to the municipality's (the scale both kinds of area share)."""
    population = frame["population"].astype(float)
    km2 = frame["area_km2"].astype(float)
    per_km2 = ~(population > 0)
    exposure = np.where(per_km2, km2.where(km2 > 0), population / 1000.0)
    shown = frame["count"].notna() & np.isfinite(exposure)
    harm = frame["harm"].astype(float).where(shown)
    people = shown & ~per_km2
    per_person = harm[people].sum() / (population[people].sum() / 1000.0) if people.any() else np.nan
    land = shown & (km2 > 0)
    per_land = harm[land].sum() / km2[land].sum() if land.any() else np.nan
    reference = np.where(per_km2, per_land, per_person)
    expected = reference * exposure
    counted = frame["count"].astype(float).where(shown)
    # φ from the areas' mean weights (shown figures only): a harm sum of few heavy incidents is noisier.
    dispersion = float((harm ** 2 / counted.where(counted > 0)).sum() / harm.sum()) if harm.sum() > 0 else 1.0
    if expected[np.isfinite(expected)].sum() > 0:
        # On the relative scale the exposure is the expected harm, and a harm sum's variance is φ times it.
        relative = shrink(harm, np.where(expected > 0, expected, np.nan), dispersion)
    else:
        relative = np.where(shown, 0.0, np.nan)
    frame["per_km2"] = per_km2.to_numpy()
    frame["harm_rate"] = harm / exposure
    frame["level"] = relative
    frame["shrunk_rate"] = relative * reference
    return frame


def _hot_shares(con: duckdb.DuckDBPyConnection, filters: Filters, found: hotspots.HotSpots,
                shown: Disclosure) -> tuple[dict[str, float], dict[str, float]]:
    """Per area: the share of its located incidents that lie in hot squares, and the located count (shown)."""
    if found.message or found.cells.empty or found.size not in _GRID:
        return {}, {}
    hot = found.cells[(found.cells["kind"] == "hot") & (found.cells["level"] >= HOT_LEVEL)]
    cells = [int(c) for c in hot["cell"]]
    column = "i." + _GRID[found.size]
    where, params = filters.where()
    if cells:
        inside = "list_contains(?, " + column + ")"
        hot_sql, hot_params = ("count(*) FILTER (WHERE " + inside + ") AS hot, " + key_sql(inside) + " AS hot_key",
                               [cells, cells])
    else:
        hot_sql, hot_params = "0 AS hot, 0 AS hot_key", []
    counts = queries.frame(
        con,
        "SELECT a.code, count(*) AS located, " + _KEY + " AS located_key, " + hot_sql
        + " FROM incidents i JOIN active_area_parts ap ON ap.part_id = i.area_id JOIN areas a ON a.id = ap.area_id"
        " WHERE " + column + " IS NOT NULL AND " + where
        + " GROUP BY 1",
        hot_params + params,
    )
    located = shown.counts(counts["located"], counts["located_key"])
    in_hot = np.nan_to_num(shown.counts(counts["hot"], counts["hot_key"]), nan=0.0)  # hidden: a few at most
    share = np.where(located >= MIN_HOT_INCIDENTS, np.clip(in_hot / np.where(located > 0, located, 1), 0, 1), 0.0)
    return dict(zip(counts["code"], share, strict=True)), dict(zip(counts["code"], located, strict=True))


YEAR_BASIS, PREVIOUS_BASIS = "mot samma period året innan", "mot föregående period"


def _comparisons(table: pd.DataFrame, filters: Filters) -> tuple[str, str, list[str]]:
    """What is missing for the comparison with the year before and with the previous period, and the notes that
    say so once (a gap is no data, not calm: no change is computed across it)."""
    year_gap = coverage.between(table, filters, filters.previous_year())
    previous_gap = coverage.between(table, filters, filters.previous_period())
    notes = []
    if year_gap and not previous_gap:
        notes.append(f"Ingen jämförelse med samma period året innan: {year_gap}. Förändringen jämförs i stället "
                     "med föregående period.")
    elif year_gap:
        notes.append(f"Ingen förändring räknas: mot samma period året innan {year_gap}; mot föregående period "
                     f"{previous_gap}.")
    elif previous_gap:
        notes.append(f"Ingen jämförelse med föregående period: {previous_gap}.")
    return year_gap, previous_gap, notes


def rank(con: duckdb.DuckDBPyConnection, filters: Filters, weights: Weights | None = None, *,
         shown: Disclosure = STAFF, coverage_table: pd.DataFrame | None = None) -> Ranking:
    """Rank the areas for the filtered incidents, from the counts `shown` lets the person see: for a viewer an
    area whose count is hidden is not ranked (its score would give the hidden count back). Changes are only
    computed between periods where every chosen source delivered (`coverage.monthly`, computed when not given)."""
    from lagesbild.overview import shown_area_rates

    weights = weights or Weights()
    now = shown_area_rates(con, filters, shown)
    found = hotspots.analyse(con, filters)
    from lagesbild.overview import population_note, unplaced_note

    unplaced = unplaced_note(con, filters, shown)
    if now.empty or (now["count"].fillna(1) == 0).all():
        placed_none = unplaced and not now.empty
        return Ranking(pd.DataFrame(columns=TABLE_COLUMNS), found, weights,
                       [TOO_LITTLE_PLACED if placed_none else NO_INCIDENTS, *([unplaced] if unplaced else [])])
    notes: list[str] = [n for n in (unplaced, population_note(con, filters)) if n]
    before = shown_area_rates(con, filters.previous_period(), shown)
    frame = now.merge(before[["code", "count"]].rename(columns={"count": "before"}), on="code")
    frame = _levels(frame)
    missing = frame.loc[frame["per_km2"], "name"].tolist()
    if missing:
        notes.append(f"Invånare saknas för {', '.join(missing)}: de rangordnas efter skadeviktad nivå per km² "
                     "jämfört med kommunens nivå per km².")

    shares, _ = _hot_shares(con, filters, found, shown)
    frame["hot_share"] = frame["code"].map(shares).fillna(0.0).astype(float)

    lifts = lift_table(con, filters, shown)
    lifts = lifts[lifts["area_tagged"] >= MIN_LIFT_COUNT]
    strongest = lifts.sort_values("low", ascending=False).drop_duplicates("code").set_index("code")
    frame["lift"] = frame["code"].map(strongest["lift"]).astype(float).fillna(1.0)
    frame["lift_low"] = frame["code"].map(strongest["low"]).astype(float).fillna(1.0)
    frame["lift_label"] = frame["code"].map(strongest["label"]).astype(object).where(lambda s: s.notna(), "")

    year_before = filters.previous_year()
    year_gap, previous_gap, gap_notes = _comparisons(
        coverage.monthly(con) if coverage_table is None else coverage_table, filters)
    notes.extend(gap_notes)
    if coverage.police_sample(con, filters.sources):
        notes.append(coverage.POLICE_SAMPLE_NOTE)
    previous_changes = [None if previous_gap else shown.change(c, b)
                        for c, b in zip(frame["count"], frame["before"], strict=True)]
    if not year_gap:
        exposure = filters.days / year_before.days
        changes = [shown.change(c, p, exposure_ratio=exposure)
                   for c, p in zip(frame["count"], frame["previous"], strict=True)]
        frame["change_basis"] = YEAR_BASIS
    else:
        changes = previous_changes
        frame["change_basis"] = "" if previous_gap else PREVIOUS_BASIS
    frame["change"] = changes
    frame["change_previous"] = previous_changes

    covered = _coverage(con, filters, len(frame))
    frame["covered_by"] = frame["code"].map(lambda code: [name for name, _ in covered.get(code, [])])
    frame["cover_fits"] = frame["code"].map(lambda code: [fit for _, fit in covered.get(code, [])])

    top_level = np.nanmax(frame["level"].to_numpy()) if frame["level"].notna().any() else 0.0
    frame["c_rate"] = (frame["level"] / top_level if top_level > 0 else frame["level"] * 0).fillna(0.0)
    frame["c_trend"] = [0.0 if c is None or c.verdict != "ökning" else 1.0 if c.ratio is None
                        else min(1.0, max(0.0, c.ratio - 1)) for c in changes]
    frame["c_hot"] = frame["hot_share"].clip(0, 1)
    frame["c_lift"] = ((frame["lift_low"] - 1) / 2).clip(0, 1)  # lower bound: chance alone earns nothing
    frame["c_cover"] = frame["cover_fits"].map(lambda fits: 1.0 - float(np.prod([1.0 - f for f in fits])))
    frame["c_insecure"] = 0.0
    frame["insecure_share"] = np.nan
    if weights.insecurity > 0:  # survey shares: the lower end of their interval, small samples earn nothing
        from lagesbild import safety

        frame["c_insecure"] = safety.insecurity_need(con, frame["code"].tolist(), shown).to_numpy()
        surveyed, _ = safety.map_values(con, shown)
        if not surveyed.empty:
            frame["insecure_share"] = frame["code"].map(surveyed.set_index("area_code")["value"]).astype(float)
    frame["need"] = (weights.rate * frame["c_rate"] + weights.trend * frame["c_trend"]
                     + weights.hotspots * frame["c_hot"] + weights.lift * frame["c_lift"]
                     + weights.insecurity * frame["c_insecure"])
    # Coverage discounts need: an area whose problem already has a fitting intervention is where a *new*
    # effort does least extra good, however high its need.
    frame["score"] = frame["need"] * (1 - weights.coverage * frame["c_cover"])
    frame.loc[frame["count"].isna() | frame["level"].isna(), "score"] = np.nan
    if not (frame["score"].fillna(0) > 0).any():  # all tied at 0: a numbered list would rank nothing
        placed = (frame["count"].fillna(0) > 0).any()
        return Ranking(pd.DataFrame(columns=TABLE_COLUMNS), found, weights,
                       [ALL_TIED if placed else TOO_LITTLE_PLACED, *notes])
    frame = frame.sort_values(["score", "level"], ascending=False, na_position="last").reset_index(drop=True)
    frame["rank"] = np.where(frame["score"].notna(), np.arange(1, len(frame) + 1), 0)
    frame["reasons"] = [_reasons(row, frame, shown) for row in frame.itertuples()]
    if found.message:
        notes.append(f"Hot spots: {found.message}.")
    return Ranking(frame, found, weights, notes)


def _ordinal(position: int) -> str:
    return f"{position}:{'a' if position in (1, 2) else 'e'}"


def _reasons(row: Any, frame: pd.DataFrame, shown: Disclosure) -> str:
    """The components behind a rank, in plain Swedish."""
    if row.count != row.count:
        return (f"För få händelser för att visas ({shown.hidden_label}); området rangordnas bara för inloggad "
                "personal.")
    if row.level != row.level:
        return "Varken invånare eller yta är känd för området, så det kan inte rangordnas."
    parts = []
    position = _ordinal(int((frame["level"] > row.level).sum()) + 1)
    if row.per_km2:
        parts.append(f"invånare saknas: skadeviktad nivå {formatting.number(row.harm_rate, 1)} per km², "
                     f"utjämnad {formatting.number(row.shrunk_rate, 1)} per km² ({position} högst)")
    else:
        parts.append(f"skadeviktad nivå {formatting.number(row.harm_rate, 0)} per 1 000 invånare, utjämnad mot "
                     f"kommunen {formatting.number(row.shrunk_rate, 0)} ({position} högst)")
    change = row.change
    if change is not None and (change.percent is not None or change.verdict == "ökning"):
        parts.append(f"{formatting.change(change)} {row.change_basis}")
    if row.hot_share > 0:
        parts.append(f"{formatting.percent(100 * row.hot_share, 0, signed=False)} av händelserna med plats "
                     "ligger i hot spots")
    if row.lift_label and row.lift >= 1.5 and row.lift_low > 1:
        times = (f"{formatting.number(row.lift, 1)} gånger (minst {formatting.number(row.lift_low, 1)})"
                 if math.isfinite(row.lift) else f"minst {formatting.number(row.lift_low, 1)} gånger")
        parts.append(f"{row.lift_label.lower()} {times} vanligare än i resten av kommunen")
    if row.c_insecure > 0:
        parts.append(f"hög otrygghet i trygghetsmätningen: {formatting.number(row.insecure_share, 0)} % "
                     f"(räknas {formatting.percent(100 * row.c_insecure, 0, signed=False)} av det högsta)")
    if row.covered_by:
        named = [name if fit >= 0.995 else f"{name} (räknas {formatting.percent(100 * fit, 0, signed=False)})"
                 for name, fit in zip(row.covered_by, row.cover_fits, strict=True)]
        parts.append("pågående insats: " + ", ".join(named[:3]) + ("…" if len(named) > 3 else ""))
    else:
        parts.append("ingen pågående insats mot detta")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + ("" if text.endswith(("…", ".")) else ".")


def _change_parts(change: Change | None) -> tuple[float, str]:
    """A change for the table: its percent (NaN when none) and verdict ('–' when there is nothing to say)."""
    if change is None or (change.percent is None and change.verdict != "ökning"):
        return math.nan, "–"
    return formatting.change_parts(change)


def display_table(ranking: Ranking, shown: Disclosure) -> pd.DataFrame:
    """The ranking as a Swedish table with numbers as numbers (built from shown counts: NaN, written "<5", where
    a count is hidden, and then no score or rate)."""
    frame = ranking.table
    per_person = ~frame["per_km2"].astype(bool)
    year = [_change_parts(c) if b == YEAR_BASIS else (math.nan, "–")
            for c, b in zip(frame["change"], frame["change_basis"], strict=True)]
    earlier = [_change_parts(c) for c in frame["change_previous"]]
    hidden = frame["count"].isna().to_numpy()
    table = pd.DataFrame({
        "Rang": pd.array([r if r else None for r in frame["rank"]], dtype="Int64"),
        "Område": frame["name"],
        "Poäng": np.where(hidden, np.nan, 100 * frame["score"].to_numpy(dtype=float)),
        "Händelser": frame["count"].to_numpy(dtype=float),
        "Skadeviktat per 1 000 inv.": frame["harm_rate"].where(per_person).to_numpy(dtype=float),
        "Utjämnat per 1 000 inv.": frame["shrunk_rate"].where(per_person).to_numpy(dtype=float),
        "Mot året innan": [p for p, _ in year],
        "Bedömning, året innan": [v for _, v in year],
        "Mot föregående period": [p for p, _ in earlier],
        "Bedömning, föregående period": [v for _, v in earlier],
        "Varför": frame["reasons"],
    })
    whole = formatting.NumberFormat(0)
    return formatting.with_formats(table, {
        "Rang": whole, "Poäng": whole, "Händelser": formatting.count_format(shown.hidden_label),
        "Skadeviktat per 1 000 inv.": whole, "Utjämnat per 1 000 inv.": whole,
        "Mot året innan": formatting.CHANGE_FORMAT, "Mot föregående period": formatting.CHANGE_FORMAT})


def _number(value: Any, digits: int) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else round(float(value), digits)


def export_records(ranking: Ranking) -> list[dict[str, Any]]:
    """The ranking as plain records (for the CLI's JSON and CSV)."""
    records = []
    for row in ranking.table.itertuples():
        change, earlier = row.change, row.change_previous
        records.append({
            "rank": int(row.rank), "area_code": row.code, "area": row.name, "score": _number(row.score, 4),
            "incidents": _number(row.count, 0), "incidents_year_earlier": _number(row.previous, 0),
            "incidents_previous_period": _number(row.before, 0),
            "harm_per_1000": None if row.per_km2 else _number(row.harm_rate, 2),
            "harm_per_1000_shrunk": None if row.per_km2 else _number(row.shrunk_rate, 2),
            "harm_per_km2": _number(row.harm_rate, 2) if row.per_km2 else None,
            "harm_per_km2_shrunk": _number(row.shrunk_rate, 2) if row.per_km2 else None,
            "change_percent": None if change is None or change.percent is None else round(change.percent, 1),
            "change_p_value": None if change is None or change.p_value is None else round(change.p_value, 4),
            "change_verdict": None if change is None else change.verdict,
            "change_basis": row.change_basis or None,
            "change_previous_period_percent": None if earlier is None or earlier.percent is None
            else round(earlier.percent, 1),
            "change_previous_period_verdict": None if earlier is None else earlier.verdict,
            "hot_spot_share": _number(row.hot_share, 3),
            "strongest_risk_factor": row.lift_label or None,
            "lift": _number(row.lift, 2), "lift_low": _number(row.lift_low, 2),
            "covered_by": list(row.covered_by), "coverage": _number(row.c_cover, 3), "reasons": row.reasons,
        })
    return records
