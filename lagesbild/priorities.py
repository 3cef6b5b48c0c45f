"""Where a new effort does most good: need against coverage, area by area, with the reasons in plain Swedish.

Need has four parts, each scaled to 0–1 so the weights mean what they say: the harm-weighted rate per 1,000
inhabitants, the change against the previous period of equal length (only counted when it is more than
chance), the share of the area's squares that are hot spots, and how much more common the chosen risk factors
are in the area than in the municipality (lift, counted from the lower end of its confidence interval).
Coverage is an intervention running there at the end of the period that targets those risk factors or
categories; it discounts the need by the coverage weight. Every row says why it ranks where it does, so the
ranking is never an opaque number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from lagesbild import formatting, hotspots, queries
from lagesbild.filters import Filters
from lagesbild.protect import KEY_SPACE, STAFF, Disclosure, key_sql

MIN_LIFT_COUNT = 3  # a lift needs at least this many tagged incidents in the area


@dataclass(frozen=True)
class Weights:
    rate: float = 0.35
    trend: float = 0.25
    hotspots: float = 0.20
    lift: float = 0.20
    coverage: float = 0.80  # share of the need a matching running intervention takes away


_KEY = key_sql()
LIFT_KEYS = {"area_tagged": "tagged_key", "area_total": "total_key", "all_tagged": "all_tagged_key",
             "all_total": "all_total_key"}


def lift_table(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure = STAFF) -> pd.DataFrame:
    """Per area and risk factor: tagged and total incidents in the area and the municipality, relative risk
    (the area's share over the municipality's share) with a 95 % confidence interval (log method).

    For a viewer the four counts are the shown ones and a pair with a hidden count is left out."""
    where, params = filters.where()
    frame = queries.frame(
        con,
        "WITH chosen AS (SELECT i.id, i.area_id, i.cell_key FROM incidents i WHERE " + where + "),"
        " totals AS (SELECT i.area_id, count(*) AS area_total, " + _KEY + " AS total_key FROM chosen i"
        "  GROUP BY 1),"
        " tagged AS (SELECT i.area_id, l.risk_factor_id, count(*) AS area_tagged, " + _KEY + " AS tagged_key"
        "  FROM chosen i JOIN incident_risk_factors l ON l.incident_id = i.id GROUP BY 1, 2)"
        " SELECT a.code, a.name, r.code AS factor, r.label, t.area_tagged, tt.area_total,"
        " sum(t.area_tagged) OVER (PARTITION BY t.risk_factor_id) AS all_tagged,"
        " (SELECT count(*) FROM chosen) AS all_total, t.tagged_key, tt.total_key,"
        " CAST(sum(t.tagged_key) OVER (PARTITION BY t.risk_factor_id) % " + str(KEY_SPACE) + " AS INTEGER)"
        "  AS all_tagged_key, (SELECT " + _KEY + " FROM chosen i) AS all_total_key"
        " FROM tagged t JOIN totals tt ON tt.area_id = t.area_id JOIN areas a ON a.id = t.area_id"
        " JOIN risk_factors r ON r.id = t.risk_factor_id",
        params,
    )
    for column, key in LIFT_KEYS.items():
        frame[column] = shown.counts(frame[column], frame[key])
    frame = frame.dropna(subset=["area_tagged", "area_total", "all_tagged", "all_total"])
    frame = frame[(frame["area_tagged"] > 0) & (frame["area_total"] > 0)].copy()
    if frame.empty:
        return frame.assign(share_area=[], share_all=[], lift=[], low=[], high=[])
    frame["share_area"] = frame["area_tagged"] / frame["area_total"]
    frame["share_all"] = frame["all_tagged"] / frame["all_total"]
    frame["lift"] = frame["share_area"] / frame["share_all"]
    se = np.sqrt(1 / frame["area_tagged"] - 1 / frame["area_total"] + 1 / frame["all_tagged"]
                 - 1 / frame["all_total"]).clip(lower=0)
    frame["low"] = np.exp(np.log(frame["lift"]) - 1.96 * se)
    frame["high"] = np.exp(np.log(frame["lift"]) + 1.96 * se)
    return frame.sort_values(["code", "lift"], ascending=[True, False]).reset_index(drop=True)


@dataclass
class Ranking:
    table: pd.DataFrame                       # one row per area, best first, with components and reasons
    hot: hotspots.HotSpots
    weights: Weights
    notes: list[str] = field(default_factory=list)


def _as_set(value) -> set[str]:
    if value is None or value is pd.NA or isinstance(value, float | str):
        return set()
    return {str(v) for v in value}


def _coverage(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, list[str]]:
    """Area code -> names of interventions running at the period's end that target the filtered problem."""
    running = queries.interventions_in(con, filters.end, filters.end)
    running = running[running["status"] == "pågående"]
    targets = queries.frame(
        con,
        "SELECT iv.id, list(DISTINCT r.code) FILTER (WHERE r.code IS NOT NULL) AS factors,"
        " list(DISTINCT c.code) FILTER (WHERE c.code IS NOT NULL) AS categories FROM interventions iv"
        " LEFT JOIN intervention_risk_factors ir ON ir.intervention_id = iv.id"
        " LEFT JOIN risk_factors r ON r.id = ir.risk_factor_id"
        " LEFT JOIN intervention_categories ic ON ic.intervention_id = iv.id"
        " LEFT JOIN categories c ON c.id = ic.category_id GROUP BY 1",
    ).set_index("id")
    covered: dict[str, list[str]] = {}
    for item in running.itertuples():
        factors = _as_set(targets.at[item.id, "factors"]) if item.id in targets.index else set()
        categories = _as_set(targets.at[item.id, "categories"]) if item.id in targets.index else set()
        relevant = ((not filters.risk_factors and not filters.categories)
                    or factors & set(filters.risk_factors) or categories & set(filters.categories))
        if relevant:
            for code in _as_set(item.area_codes):
                covered.setdefault(code, []).append(item.name)
    return covered


def rank(con: duckdb.DuckDBPyConnection, filters: Filters, weights: Weights | None = None, *,
         shown: Disclosure = STAFF) -> Ranking:
    """Rank the areas for the filtered incidents, from the counts `shown` lets the person see: for a viewer an
    area whose count is hidden is not ranked (its score would give the hidden count back)."""
    from lagesbild.overview import shown_area_rates

    weights = weights or Weights()
    now = shown_area_rates(con, filters, shown)
    before = shown_area_rates(con, filters.previous_period(), shown)
    frame = now.merge(before[["code", "count", "harm"]].rename(columns={"count": "before", "harm": "harm_before"}),
                      on="code")
    frame = frame[frame["population"].fillna(0) > 0].copy()
    frame["harm_rate"] = frame["harm"] * 1000 / frame["population"]

    found = hotspots.analyse(con, filters)
    hot_share = pd.Series(0.0, index=frame.index)
    if not found.message:
        cells = found.cells
        located = _cells_to_areas(con, cells)
        shares = located.groupby("code")["is_hot"].mean()
        hot_share = frame["code"].map(shares).fillna(0.0)
    frame["hot_share"] = hot_share

    lifts = lift_table(con, filters, shown)
    if filters.risk_factors:
        lifts = lifts[lifts["factor"].isin(filters.risk_factors)]
    lifts = lifts[lifts["area_tagged"] >= MIN_LIFT_COUNT]
    strongest = lifts.sort_values("low", ascending=False).drop_duplicates("code").set_index("code")
    frame["lift"] = frame["code"].map(strongest["lift"]).fillna(1.0)
    frame["lift_low"] = frame["code"].map(strongest["low"]).fillna(1.0)
    frame["lift_label"] = frame["code"].map(strongest["label"]).astype(object).where(lambda s: s.notna(), "")

    changes = [shown.change(c, b) for c, b in zip(frame["count"], frame["before"], strict=True)]
    frame["change"] = changes
    covered = _coverage(con, filters)
    frame["covered_by"] = frame["code"].map(lambda code: covered.get(code, []))

    top_rate = frame["harm_rate"].max() or 1.0
    frame["c_rate"] = frame["harm_rate"] / top_rate
    frame["c_trend"] = [min(1.0, max(0.0, (c.ratio or 1) - 1)) if c is not None and c.verdict == "ökning" else 0.0
                        for c in changes]
    frame["c_hot"] = frame["hot_share"].clip(0, 1)
    frame["c_lift"] = ((frame["lift_low"] - 1) / 2).clip(0, 1)  # lower CI bound: chance alone earns nothing
    frame["c_cover"] = frame["covered_by"].map(lambda names: 1.0 if names else 0.0)
    frame["need"] = (weights.rate * frame["c_rate"] + weights.trend * frame["c_trend"]
                     + weights.hotspots * frame["c_hot"] + weights.lift * frame["c_lift"])
    # Coverage discounts need: an area whose problem already has a matching intervention is where a *new*
    # effort does least extra good, however high its need.
    frame["score"] = frame["need"] * (1 - weights.coverage * frame["c_cover"])
    frame.loc[frame["count"].isna(), "score"] = np.nan
    frame = frame.sort_values(["score", "harm_rate"], ascending=False, na_position="last").reset_index(drop=True)
    frame["rank"] = np.where(frame["score"].notna(), np.arange(1, len(frame) + 1), 0)
    frame["reasons"] = [_reasons(row, frame, shown) for row in frame.itertuples()]
    notes = [] if not found.message else [f"Hot spots: {found.message}."]
    return Ranking(frame, found, weights, notes)


def _cells_to_areas(con: duckdb.DuckDBPyConnection, cells: pd.DataFrame) -> pd.DataFrame:
    import shapely

    from lagesbild import geo

    shapes = queries.area_shapes(con)
    polygons = [shapely.transform(shapely.from_geojson(text), lambda xy: np.column_stack(
        geo.to_sweref(xy[:, 0], xy[:, 1]))) for text in shapes["geojson"]]
    position = geo.assign_to_polygons(polygons, cells["x"].to_numpy(), cells["y"].to_numpy())
    codes = shapes["code"].to_numpy()
    return pd.DataFrame({"code": np.where(position >= 0, codes[np.clip(position, 0, None)], None),
                         "is_hot": (cells["kind"] == "hot").to_numpy() & (cells["level"] >= 0.95).to_numpy()})


def _reasons(row, frame: pd.DataFrame, shown: Disclosure) -> str:
    """The components behind a rank, in plain Swedish."""
    if row.count != row.count:
        return (f"För få händelser för att visas ({shown.hidden_label}); området rangordnas bara för inloggad "
                "personal.")
    parts = []
    position = int((frame["harm_rate"] > row.harm_rate).sum()) + 1
    parts.append(f"skadeviktad nivå {formatting.number(row.harm_rate, 0)} per 1 000 invånare "
                 f"({position}:{'a' if position in (1, 2) else 'e'} högst)")
    change = row.change
    if change is not None and change.percent is not None:
        parts.append(f"{formatting.change(change)} mot föregående period")
    if row.hot_share > 0:
        parts.append(f"{formatting.percent(100 * row.hot_share, 0, signed=False)} av rutorna är hot spots")
    if row.lift_label and row.lift >= 1.5 and row.lift_low > 1:
        parts.append(f"{row.lift_label.lower()} {formatting.number(row.lift, 1)} gånger vanligare än i kommunen")
    if row.covered_by:
        parts.append("pågående insats: " + ", ".join(row.covered_by[:2]) + ("…" if len(row.covered_by) > 2 else ""))
    else:
        parts.append("ingen pågående insats mot detta")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def display_table(ranking: Ranking, shown: Disclosure) -> pd.DataFrame:
    """The ranking as a Swedish table (built from shown counts: "<5" and no score or rate where hidden)."""
    frame = ranking.table
    return pd.DataFrame({
        "Rang": pd.array([r if r else None for r in frame["rank"]], dtype="Int64"),
        "Område": frame["name"],
        "Poäng": [shown.derived(100 * s, 0) for s in frame["score"]],
        "Händelser": [shown.text(c) for c in frame["count"]],
        "Skadeviktat per 1 000 inv.": [shown.derived(r, 0) for r in frame["harm_rate"]],
        "Varför": frame["reasons"],
    })


def export_records(ranking: Ranking) -> list[dict]:
    """The ranking as plain records (for the CLI's JSON and CSV)."""
    records = []
    for row in ranking.table.itertuples():
        records.append({
            "rank": int(row.rank), "area_code": row.code, "area": row.name, "score": round(float(row.score), 4),
            "incidents": int(row.count), "incidents_previous_period": int(row.before),
            "harm_per_1000": round(float(row.harm_rate), 2),
            "change_percent": None if row.change is None or row.change.percent is None
            else round(row.change.percent, 1),
            "change_p_value": None if row.change is None or row.change.p_value is None
            else round(row.change.p_value, 4),
            "change_verdict": None if row.change is None else row.change.verdict, "hot_spot_share": round(float(row.hot_share), 3),
            "strongest_risk_factor": row.lift_label or None,
            "lift": None if math.isnan(row.lift) else round(float(row.lift), 2),
            "covered_by": list(row.covered_by), "reasons": row.reasons,
        })
    return records
