"""Did it work? Follow-up of an intervention against comparison areas, with displacement and honest uncertainty.

Targeted incidents (the intervention's categories, else its risk factors, else all) are counted over equal
periods before and after its start in three places: the target (its own geometry, else its areas), a buffer
(a ring around the target, or the adjacent areas) and the comparison (the rest of the municipality, or chosen
areas). From these come the rate ratio in the target, the ratio of ratios against the comparison (a
difference in differences on the log scale) with its 95 % interval, the count difference against what the
comparison's trend predicts, and the weighted displacement quotient (Bowers & Johnson 2003) for displacement
or diffusion of benefit into the buffer. The verdict is plain Swedish and says so when counts are too small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.ops import unary_union

from lagesbild import formatting, geo, queries
from lagesbild.protect import KEY_SPACE, Disclosure, combine_keys
from lagesbild.stats import compare_counts

MIN_EVENTS = 20          # target before + after below this: too few to say anything
MIN_AFTER_DAYS = 30
DEFAULT_DAYS = 365
DEFAULT_RING_M = 500.0


@dataclass(frozen=True)
class Options:
    days: int = DEFAULT_DAYS              # length of each of the two periods
    buffer: str = "ring"                  # 'ring' or 'adjacent' (areas touching the target)
    ring_m: float = DEFAULT_RING_M
    comparison: tuple[str, ...] = ()      # area codes; empty: the rest of the municipality


@dataclass
class Evaluation:
    intervention_id: int
    name: str
    start: date
    before: tuple[date, date]
    after: tuple[date, date]
    targeted: str                          # which incidents count, in Swedish
    counts: dict[str, tuple[int, int]]     # place -> (before, after) for target, buffer, comparison
    rate_ratio: float | None               # target after / before
    relative: float | None                 # (target after/before) / (comparison after/before)
    relative_ci: tuple[float, float] | None
    expected_difference: float | None      # target after minus what the comparison's trend predicts
    wdq: float | None
    verdict: str  # 'minskning', 'ökning', 'ingen skillnad', 'för få', 'för tidigt', 'ingen jämförelse'
    summary: str                           # one or two Swedish sentences
    displacement: str = ""                 # 'förflyttning', 'spridning av nytta', ''
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # cell keys of `counts` (lagesbild.protect)
    monthly_keys: pd.DataFrame = field(default_factory=pd.DataFrame)
    length: int = 0
    complete: bool = True
    protected: bool = False                # counts moved and small ones hidden (NaN) for a viewer
    hidden_label: str = "<5"

    def record(self) -> dict:
        """Plain values for JSON/CSV."""
        return {
            "intervention_id": self.intervention_id, "name": self.name, "start": self.start.isoformat(),
            "before": [d.isoformat() for d in self.before], "after": [d.isoformat() for d in self.after],
            "targeted": self.targeted,
            **{f"{place}_{when}": self.counts[place][i] for place in ("target", "buffer", "comparison")
               for i, when in enumerate(("before", "after"))},
            "rate_ratio": _round(self.rate_ratio), "relative_to_comparison": _round(self.relative),
            "relative_ci_low": _round(self.relative_ci[0]) if self.relative_ci else None,
            "relative_ci_high": _round(self.relative_ci[1]) if self.relative_ci else None,
            "difference_from_expected": _round(self.expected_difference, 1), "wdq": _round(self.wdq),
            "verdict": self.verdict, "displacement": self.displacement or None, "summary": self.summary,
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _sweref(geometry):
    return shapely.transform(geometry, lambda xy: np.column_stack(geo.to_sweref(xy[:, 0], xy[:, 1])))


def _places(con: duckdb.DuckDBPyConnection, item: dict, options: Options):
    """Target, buffer and comparison as SWEREF geometries, plus the area ids they consist of."""
    areas = queries.frame(con, "SELECT id, code, geojson FROM areas WHERE division = coalesce((SELECT value FROM"
                               " meta WHERE key = 'division'), division)")
    shapes = {row.id: _sweref(shapely.from_geojson(row.geojson)) for row in areas.itertuples()}
    code_to_id = dict(zip(areas["code"], areas["id"], strict=True))
    own = item["geojson"] if isinstance(item["geojson"], str) and item["geojson"] else None
    target_ids = [code_to_id[c] for c in item["area_codes"] if c in code_to_id]
    target = _sweref(shapely.from_geojson(own)) if own else unary_union([shapes[i] for i in target_ids])
    if options.buffer == "adjacent" and not own:
        near = [i for i, shape in shapes.items() if i not in target_ids and shape.buffer(1).intersects(target)]
        buffer = unary_union([shapes[i] for i in near]) if near else shapely.Polygon()
    else:
        buffer = target.buffer(options.ring_m).difference(target)
    if options.comparison:
        chosen = [code_to_id[c] for c in options.comparison if c in code_to_id]
        comparison = unary_union([shapes[i] for i in chosen]).difference(target).difference(buffer)
    else:
        comparison = unary_union(list(shapes.values())).difference(target).difference(buffer)
    return {"target": target, "buffer": buffer, "comparison": comparison}


def _targeted(con: duckdb.DuckDBPyConnection, intervention_id: int) -> tuple[str, list, str]:
    categories = queries.rows(con, "SELECT c.id, c.label FROM intervention_categories ic JOIN categories c"
                                   " ON c.id = ic.category_id WHERE ic.intervention_id = ? ORDER BY c.label",
                              [intervention_id])
    if categories:
        return ("list_contains(?, i.category_id)", [[c for c, _ in categories]],
                ", ".join(label for _, label in categories))
    factors = queries.rows(con, "SELECT r.id, r.label FROM intervention_risk_factors ir JOIN risk_factors r"
                                " ON r.id = ir.risk_factor_id WHERE ir.intervention_id = ? ORDER BY r.label",
                           [intervention_id])
    if factors:
        mask = sum(1 << (f - 1) for f, _ in factors)
        return ("(i.risk_mask & CAST(? AS UBIGINT)) <> 0", [mask],
                "med riskfaktor " + ", ".join(label.lower() for _, label in factors))
    return ("TRUE", [], "alla händelser")


def evaluate(con: duckdb.DuckDBPyConnection, intervention_id: int, options: Options | None = None,
             today: date | None = None) -> Evaluation:
    """Follow up one intervention."""
    options = options or Options()
    found = queries.frame(
        con,
        "SELECT iv.id, iv.name, iv.start_date, iv.end_date, iv.geojson,"
        " coalesce((SELECT list(a.code) FROM intervention_areas ia JOIN areas a ON a.id = ia.area_id"
        "  WHERE ia.intervention_id = iv.id), []) AS area_codes FROM interventions iv WHERE iv.id = ?",
        [intervention_id])
    if found.empty:
        raise KeyError(f"no intervention with id {intervention_id}")
    item = found.iloc[0].to_dict()
    item["area_codes"] = list(item["area_codes"]) if item["area_codes"] is not None else []
    start = pd.Timestamp(item["start_date"]).date()
    last = (queries.data_range(con) or (start, start))[1]
    last = min(last, today or last)
    length = min(options.days, (last - start).days + 1)
    after = (start, start + timedelta(days=max(length, 1) - 1))
    # Up to a year after the start, "before" is the same dates a year earlier: a summer effort is compared
    # with the summer before, not with the spring. Longer windows use the period of equal length just before.
    shift = timedelta(days=365) if length <= 365 else timedelta(days=length)
    before = (after[0] - shift, after[1] - shift)
    condition, params, targeted = _targeted(con, intervention_id)

    incidents = queries.frame(
        con,
        "SELECT i.day, i.x, i.y, i.area_id, i.cell_key FROM incidents i WHERE i.day BETWEEN ? AND ? AND i.x IS NOT NULL AND "
        + condition, [min(before[0], after[0]), max(before[1], after[1]), *params])
    places = _places(con, item, options)
    x, y = incidents["x"].to_numpy(float), incidents["y"].to_numpy(float)
    where = np.full(len(incidents), "", dtype=object)
    for name in ("target", "buffer", "comparison"):  # in this order: a point belongs to the first that holds it
        geometry = places[name]
        if geometry.is_empty or not len(x):
            continue
        shapely.prepare(geometry)
        hit = (where == "") & shapely.contains_xy(geometry, x, y)
        where[hit] = name
    day = pd.to_datetime(incidents["day"]).dt.date.to_numpy()
    is_after = day >= start
    in_window = ((day >= before[0]) & (day <= before[1])) | ((day >= after[0]) & (day <= after[1]))
    where[~in_window] = ""
    counts = {name: (int(((where == name) & ~is_after).sum()), int(((where == name) & is_after).sum()))
              for name in ("target", "buffer", "comparison")}
    record_keys = incidents["cell_key"].to_numpy(np.int64)
    keys = {name: (combine_keys(record_keys[(where == name) & ~is_after]),
                   combine_keys(record_keys[(where == name) & is_after])) for name in counts}

    grouped = pd.DataFrame({"month": pd.to_datetime(incidents["day"]).dt.to_period("M").dt.to_timestamp(),
                            "place": where, "key": record_keys}).query("place != ''").groupby(["month", "place"])
    monthly = grouped.size()
    monthly = monthly.unstack(fill_value=0).reset_index() if len(monthly) else pd.DataFrame()
    monthly_keys = (grouped["key"].sum() % KEY_SPACE).unstack(fill_value=0).reset_index() if len(
        monthly) else pd.DataFrame()
    first_day = (queries.data_range(con) or (before[0], before[0]))[0]
    evaluation = _judge(item, start, before, after, targeted, counts, length, complete=before[0] >= first_day)
    evaluation.monthly, evaluation.monthly_keys, evaluation.keys = monthly, monthly_keys, keys
    evaluation.length, evaluation.complete = length, before[0] >= first_day
    return evaluation


def as_shown(evaluation: Evaluation, shown: Disclosure) -> Evaluation:
    """The follow-up as a viewer may see it: every count moved by its cell key, small ones hidden, and the
    ratios, interval, WDQ and verdict recomputed from the shown counts — never from the exact ones, from which
    a ratio next to a shown count would give back a hidden number."""
    if not shown.viewer:
        return evaluation
    counts = {place: (shown.count(b, evaluation.keys[place][0]), shown.count(a, evaluation.keys[place][1]))
              for place, (b, a) in evaluation.counts.items()}
    monthly = evaluation.monthly.copy()
    for place in PLACE_LABELS:
        if place in monthly:
            monthly[place] = shown.counts(monthly[place], evaluation.monthly_keys[place])
    hidden = any(math.isnan(value) for pair in counts.values() for value in pair)
    # The verdict is judged on the moved counts: the shown ones, or where a count is hidden its moved value
    # (neither exact nor shown); with a hidden count no number is printed at all.
    internal = {place: tuple(int(v) for v in shown.moved(evaluation.counts[place], evaluation.keys[place]))
                for place in counts}
    item = {"id": evaluation.intervention_id, "name": evaluation.name}
    judged = _judge(item, evaluation.start, evaluation.before, evaluation.after, evaluation.targeted, internal,
                    evaluation.length, complete=evaluation.complete)
    judged.counts, judged.keys, judged.monthly, judged.protected = counts, evaluation.keys, monthly, True
    judged.hidden_label = shown.hidden_label
    if hidden:
        judged.rate_ratio = judged.relative = judged.relative_ci = judged.expected_difference = judged.wdq = None
        judged.displacement = ""
        if judged.verdict in ("minskning", "ökning", "ingen skillnad", "för få"):
            judged.summary = (f"{VERDICT_LABELS[judged.verdict]}. Några av talen är för små för att visas "
                              "(”<5”), därför visas ingen förändring i procent.")
    return judged


def _judge(item, start, before, after, targeted, counts, length, complete: bool = True) -> Evaluation:
    (tb, ta), (bb, ba), (cb, ca) = counts["target"], counts["buffer"], counts["comparison"]
    rate_ratio = ta / tb if tb else None
    relative = relative_ci = expected = wdq = None
    if tb and ta and cb and ca:
        relative = (ta / tb) / (ca / cb)
        se = math.sqrt(1 / ta + 1 / tb + 1 / ca + 1 / cb)
        relative_ci = (math.exp(math.log(relative) - 1.96 * se), math.exp(math.log(relative) + 1.96 * se))
    if cb:
        expected = ta - tb * (ca / cb)
    if ca and cb and (ta / ca - tb / cb) != 0:
        wdq = (ba / ca - bb / cb) / (ta / ca - tb / cb)

    name = item["name"]
    displacement = ""
    if length <= 0:
        verdict, summary = "för tidigt", f"{name} har inte startat ännu, eller det finns inga data efter starten."
    elif length < MIN_AFTER_DAYS:
        verdict, summary = "för tidigt", (f"{name} startade för nyligen: det finns bara {length} dagar med data "
                                           "efter starten.")
    elif not complete:
        verdict = "för få"
        summary = (f"Data saknas för delar av perioden före starten (den börjar {formatting.day(before[0])}); "
                   "välj en kortare period för uppföljningen.")
    elif cb + ca == 0:
        verdict = "ingen jämförelse"
        summary = ("Det finns inget jämförelseområde: insatsen omfattar hela kommunen eller så saknas händelser "
                   "utanför insatsområdet. Välj jämförelseområden eller jämför med andra kommuner.")
    elif tb + ta < MIN_EVENTS or not cb or not ca:
        verdict = "för få"
        summary = (f"För få händelser för att säga något säkert ({tb} före och {ta} efter i insatsområdet). "
                   "Följ upp igen när mer tid har gått.")
    else:
        low, high = relative_ci if relative_ci else (0.0, math.inf)
        change = formatting.percent(100 * (relative - 1)) if relative else "–"
        if relative is None:
            verdict, summary = "ingen skillnad", "Inga händelser efter starten i insatsområdet."
        elif high < 1:
            verdict = "minskning"
            summary = (f"Säker minskning: {change} i insatsområdet jämfört med jämförelseområdena "
                       f"(95 % intervall {formatting.percent(100 * (low - 1))} till "
                       f"{formatting.percent(100 * (high - 1))}); {formatting.number(abs(expected or 0), 0)} "
                       "färre händelser än jämförelseområdenas utveckling ger anledning att vänta.")
        elif low > 1:
            verdict = "ökning"
            summary = f"Ökning: {change} i insatsområdet jämfört med jämförelseområdena, mer än slumpen förklarar."
        else:
            verdict = "ingen skillnad"
            summary = (f"Ingen säker skillnad mot jämförelseområdena ({change}, kan vara slump); insatsen kan inte "
                       "sägas ha fungerat eller inte fungerat ännu.")
        buffer_change = compare_counts(ba, bb, exposure_ratio=(ca / cb) if cb else 1.0)
        if verdict == "minskning" and wdq is not None and bb + ba >= MIN_EVENTS // 2:
            if wdq < -0.1 and buffer_change.verdict == "ökning":
                displacement = "förflyttning"
                summary += (f" Men händelserna i närområdet ökade (WDQ {formatting.number(wdq, 2)}): tecken på "
                            "förflyttning" + (", större än vinsten." if wdq < -1 else "."))
            elif wdq > 0.1 and buffer_change.verdict == "minskning":
                displacement = "spridning av nytta"
                summary += (f" Även närområdet minskade (WDQ {formatting.number(wdq, 2)}): nyttan spred sig.")
    return Evaluation(item["id"], name, start, before, after, targeted, counts, rate_ratio, relative, relative_ci,
                      expected, wdq, verdict, summary, displacement)


VERDICT_LABELS = {"minskning": "Säker minskning", "ökning": "Ökning", "ingen skillnad": "Ingen säker skillnad",
                  "för få": "För få händelser", "för tidigt": "För tidigt", "ingen jämförelse": "Ingen jämförelse"}
PLACE_LABELS = {"target": "Insatsområdet", "buffer": "Närområdet", "comparison": "Jämförelseområdet"}


def table(evaluation: Evaluation) -> pd.DataFrame:
    """Counts before and after per place, as a Swedish table ("<5" where a viewer's count is hidden)."""
    rows = []
    for place, label in PLACE_LABELS.items():
        before, after = evaluation.counts[place]
        if before != before or after != after:
            rows.append({"Plats": label, "Före": _count_text(before, evaluation.hidden_label),
                         "Efter": _count_text(after, evaluation.hidden_label), "Förändring": "–"})
            continue
        change = compare_counts(int(after), int(before))
        rows.append({"Plats": label, "Före": formatting.number(before), "Efter": formatting.number(after),
                     "Förändring": formatting.change(change)})
    return pd.DataFrame(rows)


def _count_text(value: float, hidden_label: str) -> str:
    return hidden_label if value != value else formatting.number(value)


def chart(evaluation: Evaluation) -> go.Figure:
    """Monthly targeted incidents per place, with the start marked."""
    figure = go.Figure()
    colours = {"target": "#b2182b", "buffer": "#ef8a62", "comparison": "#969696"}
    for place, label in PLACE_LABELS.items():
        if not evaluation.monthly.empty and place in evaluation.monthly:
            figure.add_scatter(x=evaluation.monthly["month"], y=evaluation.monthly[place], mode="lines+markers",
                               name=label, line={"color": colours[place]},
                               yaxis="y2" if place == "comparison" else "y")
    figure.add_vline(x=pd.Timestamp(evaluation.start).timestamp() * 1000, line_dash="dash", line_color="#333")
    figure.add_annotation(x=pd.Timestamp(evaluation.start), y=1, yref="paper", text="Start", showarrow=False,
                          xanchor="left")
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 20, "b": 10},
                         yaxis={"title": "Insats- och närområdet"},
                         yaxis2={"title": "Jämförelseområdet", "overlaying": "y", "side": "right"},
                         legend={"orientation": "h", "y": -0.2}, separators=", ")
    return figure
