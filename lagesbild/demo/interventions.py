"""The demo's interventions (insatser): typical Swedish crime-prevention work, dated relative to the data.

Dates are given as (years before the last data year, month, day), so the picture stays the same whatever
year the demo is built in. Status follows from the dates and the demo's last day.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple, overload

from lagesbild.demo import places

TOWN = tuple(d.code for d in places.DISTRICTS)
LISTERLANDET = ("LAN-L", "MJA", "HAL", "NOG", "HOR")
HARBOUR_AREAS = ("HAL", "NOG", "HOR")
EVERYWHERE = ("*",)


class DemoIntervention(NamedTuple):
    name: str
    kind: str
    areas: tuple[str, ...]
    start: tuple[int, int, int]
    end: tuple[int, int, int] | None
    responsible: tuple[str, ...]
    risk_factors: tuple[str, ...]
    categories: tuple[str, ...]
    problem: str
    dose: tuple[float, str] | None = None
    cost_sek: float | None = None
    spot: places.Spot | None = None  # an own geometry: a ring of `spot_radius_m` around this spot
    spot_radius_m: float = 150.0
    weekdays: tuple[int, ...] = ()          # ISO weekdays the effort works on; empty: every day
    hours: tuple[int, int] | None = None    # first and last hour (inclusive, may wrap past midnight)


INTERVENTIONS = (
    DemoIntervention(
        "Ny belysning i gångstråket vid stationen", "Belysning", ("SBG-C",), (2, 3, 15), None,
        ("kommun", "fastighetsägare"), ("bristande_belysning", "skymd_sikt"),
        ("misshandel", "ran", "olaga_hot", "skadegorelse", "otrygghet"),
        "Våld, rån och otrygghet kvällstid i det mörka gångstråket mellan stationen och centrum",
        cost_sek=850_000, spot=places.DARK_PATH),
    DemoIntervention(
        "Trygghetsvärdar i centrum fredag och lördag kväll", "Trygghetsvärdar", ("SBG-C",), (4, 9, 1), None,
        ("kommun",), ("alkoholservering", "alkohol_unga"), ("misshandel", "ordningsstorning", "skadegorelse"),
        "Våld och ordningsstörningar kring krogarna helgnätter", dose=(24, "timmar per vecka"),
        cost_sek=1_200_000, weekdays=(5, 6), hours=(21, 3)),
    DemoIntervention(
        "Nattvandring i Falkvik", "Nattvandring", ("SBG-F",), (3, 8, 20), None, ("föreningar", "kommun"),
        ("samlingsplats_unga", "bristande_tillsyn"), ("skadegorelse", "klotter", "ordningsstorning"),
        "Unga samlas kvällstid vid skolan utan vuxna", dose=(6, "timmar per vecka"), cost_sek=40_000),
    DemoIntervention(
        "Fältassistenter i hamnarna sommartid", "Fältassistenter", HARBOUR_AREAS, (1, 6, 15), (1, 8, 20),
        ("kommun", "socialtjänst"), ("alkohol_unga", "samlingsplats_unga"),
        ("ordningsstorning", "skadegorelse", "stold"),
        "Berusade unga och stölder i hamnarna under sommaren", dose=(30, "timmar per vecka"), cost_sek=180_000),
    DemoIntervention(
        "Fältassistenter i hamnarna sommartid (i år)", "Fältassistenter", HARBOUR_AREAS, (0, 6, 15),
        (0, 8, 20), ("kommun", "socialtjänst"), ("alkohol_unga", "samlingsplats_unga"),
        ("ordningsstorning", "skadegorelse", "stold"),
        "Berusade unga och stölder i hamnarna under sommaren", dose=(30, "timmar per vecka"), cost_sek=190_000),
    DemoIntervention(
        "Klottersanering inom 24 timmar", "Klottersanering", TOWN, (3, 1, 1), None,
        ("kommun", "fastighetsägare"), ("nedskrapning_klotter",), ("klotter", "skadegorelse"),
        "Klotter som blir kvar signalerar att ingen bryr sig", cost_sek=300_000),
    DemoIntervention(
        "Kamerabevakning vid stationen", "Kamerabevakning", ("SBG-S",), (1, 2, 1), None, ("polis", "kommun"),
        ("kollektivtrafiknod",), ("cykelstold", "stold", "skadegorelse"),
        "Cykelstölder och skadegörelse vid stationen", cost_sek=400_000, spot=places.STATION),
    DemoIntervention(
        "Röjning av vegetation vid Mjällby skola", "Röjning av vegetation", ("MJA",), (2, 5, 2), (2, 5, 20),
        ("kommun",), ("skymd_sikt",), ("skadegorelse", "klotter"),
        "Skymda ytor bakom skolan där skadegörelse sker", cost_sek=60_000, spot=places.SCHOOLS[3]),
    DemoIntervention(
        "SSPF – skola, socialtjänst, polis och fritid", "SSPF", EVERYWHERE, (4, 1, 15), None,
        ("skola", "socialtjänst", "polis", "fritid"), ("kriminella_kamrater", "skolfranvaro", "tidig_debut"),
        ("misshandel", "ran", "narkotika"), "Unga i riskzonen för kriminalitet",
        dose=(4, "timmar per vecka")),
    DemoIntervention(
        "Föräldrastöd i Sölvesborgs tätort", "Föräldrastöd", TOWN, (3, 9, 1), None,
        ("socialtjänst", "föreningar"), ("bristande_tillsyn",), ("skadegorelse", "klotter"),
        "Föräldrar som saknar stöd i att sätta gränser", dose=(2, "timmar per vecka"), cost_sek=90_000),
    DemoIntervention(
        "Kvällsöppen fritidsgård i Mjällby", "Fritidsgård", ("MJA",), (2, 1, 10), None, ("fritid",),
        ("samlingsplats_unga",), ("skadegorelse", "klotter", "ordningsstorning"),
        "Unga saknar en trygg mötesplats kvällstid", dose=(12, "timmar per vecka"), cost_sek=350_000),
    DemoIntervention(
        "Trygghetsvandring i Sölve", "Trygghetsvandring", ("SOL",), (0, 9, 10), (0, 9, 10),
        ("kommun", "polis", "föreningar"), ("bristande_belysning", "svag_sammanhallning"), ("otrygghet",),
        "Boende upplever otrygghet vid badplatsen", cost_sek=5_000),
    DemoIntervention(
        "Medborgarlöfte – tryggare centrum", "Medborgarlöfte", ("SBG-C", "SBG-F"), (1, 1, 1), (-1, 12, 31),
        ("polis", "kommun"), ("alkoholservering", "oppen_narkotikahandel"),
        ("narkotika", "misshandel", "ordningsstorning"), "Narkotika och våld i centrum"),
    DemoIntervention(
        "Grannsamverkan på Listerlandet", "Grannsamverkan", LISTERLANDET, (5, 3, 1), None,
        ("polis", "föreningar"), ("tomma_lokaler", "svag_sammanhallning"), ("inbrott", "stold"),
        "Inbrott i fritidshus under vinterhalvåret"),
    DemoIntervention(
        "Platssamverkan under festivalen i Norje", "Platssamverkan", ("NOR",), (0, 6, 1), (0, 6, 12),
        ("polis", "kommun", "fastighetsägare", "föreningar"), ("alkohol_unga", "oppen_narkotikahandel"),
        ("stold", "narkotika", "misshandel", "nedskrapning"), "Stölder och narkotika under festivalveckan",
        cost_sek=250_000, spot=places.FESTIVAL, spot_radius_m=600),
    DemoIntervention(
        "Ansvarsfull alkoholservering", "Tillsyn och utbildning", ("SBG-C",), (3, 2, 1), None,
        ("kommun", "polis"), ("alkoholservering",), ("misshandel", "ordningsstorning"),
        "Överservering på krogarna kring torget", cost_sek=120_000),
    DemoIntervention(
        "Ny belysning i Falkviks centrum", "Belysning", ("SBG-F",), (-1, 3, 1), (-1, 4, 15),
        ("kommun", "fastighetsägare"), ("bristande_belysning",), ("skadegorelse", "otrygghet"),
        "Mörka passager vid Falkviks centrum", cost_sek=600_000),
    DemoIntervention(
        "Spelprevention i skolan", "Skolprogram", TOWN, (-1, 1, 15), (-1, 6, 10), ("skola", "kommun"),
        ("spel",), (), "Spel om pengar bland högstadieelever", dose=(1, "timmar per vecka")),
)


@overload
def dated(offset: tuple[int, int, int], last_year: int) -> date: ...
@overload
def dated(offset: None, last_year: int) -> None: ...
@overload
def dated(offset: tuple[int, int, int] | None, last_year: int) -> date | None: ...
def dated(offset: tuple[int, int, int] | None, last_year: int) -> date | None:
    """A (years back, month, day) offset as a date, counted from `last_year`."""
    if offset is None:
        return None
    years_back, month, day = offset
    return date(last_year - years_back, month, day)


def status(start: date, end: date | None, today: date) -> str:
    """planerad, pågående or avslutad as seen on `today`."""
    if start > today:
        return "planerad"
    if end is not None and end < today:
        return "avslutad"
    return "pågående"
