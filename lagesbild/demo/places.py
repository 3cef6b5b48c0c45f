"""The synthetic Sölvesborg: its outline, localities, districts and the places where patterns are planted.

Positions are approximate and the whole data set is synthetic. The outline is a 12-point simplification of
SCB's municipal boundary for Sölvesborg (kommun 1083; Källa: SCB, CC BY 4.0), in WGS84 lon/lat.
"""

from __future__ import annotations

from typing import NamedTuple

MUNICIPALITY_CODE = "1083"
MUNICIPALITY_NAME = "Sölvesborg"
DIVISION = "Lägesbild demo (syntetisk)"

OUTLINE = (
    (14.6365, 56.2052), (14.6796, 56.1594), (14.6847, 56.1176), (14.7214, 56.0722),
    (14.7822, 56.0363), (14.7271, 55.9996), (14.6632, 56.0014), (14.6082, 56.0170),
    (14.5460, 56.0457), (14.5544, 56.0741), (14.5949, 56.0846), (14.5720, 56.1996),
)


class Locality(NamedTuple):
    """A settled place that becomes one area: centre, rough population and radius of its built-up core."""

    code: str
    name: str
    lon: float
    lat: float
    population: int
    radius_m: float
    risk: float


class District(NamedTuple):
    """A part of Sölvesborg town; the town's core is split between districts by nearest seed."""

    code: str
    name: str
    lon: float
    lat: float
    population: int
    risk: float


TOWN_CENTRE = (14.5840, 56.0505)
TOWN_RADIUS_M = 1800.0

DISTRICTS = (
    District("SBG-C", "Sölvesborg centrum", 14.5840, 56.0505, 2400, 1.5),
    District("SBG-F", "Falkvik", 14.6010, 56.0575, 2450, 1.2),
    District("SBG-N", "Sölvesborg norra", 14.5790, 56.0615, 2100, 1.0),
    District("SBG-V", "Sölvesborg västra", 14.5660, 56.0480, 2250, 1.0),
    District("SBG-S", "Stationsområdet och hamnen", 14.5860, 56.0420, 350, 1.0),
)

LOCALITIES = (
    Locality("MJA", "Mjällby", 14.6760, 56.0230, 1500, 900, 0.9),
    Locality("HAL", "Hällevik", 14.7000, 56.0110, 1100, 800, 0.8),
    Locality("NOG", "Nogersund", 14.7330, 56.0120, 650, 650, 0.8),
    Locality("HOR", "Hörvik och Krokås", 14.7520, 56.0380, 700, 800, 0.7),
    Locality("SOL", "Sölve", 14.6070, 56.0300, 450, 600, 0.7),
    Locality("NOR", "Norje", 14.6680, 56.1170, 450, 900, 0.8),
    Locality("PUK", "Pukavik", 14.6690, 56.1600, 350, 650, 0.7),
    Locality("GAM", "Gammalstorp", 14.6050, 56.1400, 350, 600, 0.6),
    Locality("YSA", "Ysane", 14.6400, 56.0920, 300, 600, 0.6),
    Locality("VAL", "Valje", 14.5540, 56.0610, 300, 450, 0.6),
)

# Countryside outside the localities, split by nearest seed.
COUNTRYSIDE = (
    District("LAN-L", "Listerlandets landsbygd", 14.6600, 56.0350, 900, 0.6),
    District("LAN-M", "Mellanbygden", 14.6200, 56.0950, 500, 0.6),
    District("LAN-N", "Norra landsbygden", 14.6250, 56.1650, 1000, 0.6),
)


class Spot(NamedTuple):
    """A point where a pattern is planted (a square, a harbour, a school, a dark path)."""

    code: str
    name: str
    lon: float
    lat: float


SQUARE = Spot("torget", "Stortorget med krogarna", 14.5842, 56.0508)
STATION = Spot("stationen", "Sölvesborgs station", 14.5868, 56.0440)
DARK_PATH = Spot("gangstraket", "Gångstråket mellan stationen och centrum", 14.5818, 56.0468)
FESTIVAL = Spot("festival", "Festivalområdet i Norje", 14.6640, 56.1130)
HARBOURS = (
    Spot("hallevik_hamn", "Hällevik hamn", 14.7010, 56.0085),
    Spot("nogersund_hamn", "Nogersund hamn", 14.7320, 56.0105),
    Spot("horvik_hamn", "Hörviks hamn", 14.7560, 56.0400),
    Spot("gasthamnen", "Gästhamnen i Sölvesborg", 14.5800, 56.0445),
)
SCHOOLS = (
    Spot("skola_falkvik", "Skolan i Falkvik", 14.6030, 56.0590),
    Spot("skola_norra", "Skolan i norra Sölvesborg", 14.5810, 56.0625),
    Spot("skola_vastra", "Skolan i västra Sölvesborg", 14.5650, 56.0500),
    Spot("skola_mjallby", "Mjällby skola", 14.6770, 56.0240),
    Spot("skola_norje", "Skolan i Norje", 14.6690, 56.1190),
)
SOLVE_BEACH = Spot("solve_badplats", "Badplatsen i Sölve", 14.6040, 56.0270)
