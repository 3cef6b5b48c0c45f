"""Write lagesbild/data/kommuner.csv: Sweden's 290 municipalities with county and SKR municipality group.

Inputs, read in place (never copied into the repository):
- `municipality_county.csv` from sjbrg/swedish-geodata (CC0 1.0): code, full name ("Sölvesborgs kommun"),
  short name ("Sölvesborg"), county; under ../shared/realdata/kommun_reference_sjbrg/ by default;
- `scripts/skr_kommungrupper_2023.csv` (beside this script): SKR's kommungruppsindelning 2023, code -> group.

Run from the repository root:  python scripts/make_kommuner.py [path/to/municipality_county.csv]
The output is small, attributed in its header lines, and checked: 290 codes, each with exactly one group.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT.parent / "shared" / "realdata" / "kommun_reference_sjbrg" / "municipality_county.csv"
GROUPS = Path(__file__).resolve().parent / "skr_kommungrupper_2023.csv"
OUTPUT = ROOT / "lagesbild" / "data" / "kommuner.csv"

HEADER = """\
# Sweden's 290 municipalities (kommuner): code, name, short name, county, SKR municipality group 2023.
# Made by scripts/make_kommuner.py; do not edit by hand.
# Codes, names and counties: sjbrg/swedish-geodata data/municipality_county.csv
#   @ 03b0a24be1f08f1b7127a1e1fc74fa5e81a6b1ba, CC0 1.0.
# skr_group: Sveriges Kommuner och Regioner (SKR), Kommungruppsindelning 2023 (Bilaga 1, Lista alla kommuner),
#   https://skr.se/kommunerochregioner/kommungruppsindelning.8281.html; see scripts/skr_kommungrupper_2023.csv.
"""


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(line for line in handle if not line.startswith("#")))


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_INPUT
    municipalities = _rows(source)
    if municipalities[0][:4] != ["municipality_code", "municipality_name", "municipality_name_short", "county_code"]:
        raise SystemExit(f"{source}: unexpected header {municipalities[0]}")
    groups = dict((code, group) for code, group in _rows(GROUPS)[1:])
    out = []
    for code, name, short, _county_code, county, *_ in municipalities[1:]:
        if code not in groups:
            raise SystemExit(f"{GROUPS}: no SKR group for {code} {short}")
        out.append([code, name, short, county, groups.pop(code)])
    if len(out) != 290 or groups:
        raise SystemExit(f"expected 290 municipalities each with one group; left over: {sorted(groups)}")
    out.sort()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "short_name", "county", "skr_group"])
        writer.writerows(out)
    print(f"wrote {len(out)} municipalities to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
