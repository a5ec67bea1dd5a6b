"""Rebuild the jurisdiction data shipped in ``scomm/policy/data`` from the reference data.

A maintainer tool, kept outside the package so the product never reads the reference data:
``.venv/bin/python scripts/rebuild_policy_data.py SOURCE_DIR src/scomm/policy/data`` with the
reference data's ``scomm`` folder as SOURCE_DIR. It copies the activation and field-office files
unchanged, keeps the county names of the independent coding, and reduces the agency list to what
the registry needs, choosing for every county the ORI that stands for it (see ``SOURCES.md``).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from scomm.domain import county_number_from_fips, sheriff_ori, state_by_fips

# Counties that the independent coding has no name for (Census names of the legacy units).
SUPPLEMENTED_NAMES: dict[str, tuple[str, str]] = {
    "02270": ("AK", "WADE HAMPTON"),
    "12025": ("FL", "DADE"),
    "41006": ("OR", "UNNAMED FIPS 41006"),
    "46113": ("SD", "SHANNON"),
}

# New York City's five boroughs are booked by the NYPD, which the agency list has no county for.
CURATED_COUNTY_ORI: dict[str, str] = {
    fips: "NY0303000" for fips in ("36005", "36047", "36061", "36081", "36085")
}

_TYPE_RANK = {
    "County": 0,
    "City": 1,
    "Tribal": 2,
    "State Police": 3,
    "Other State Agency": 4,
    "Other": 5,
    "University or College": 6,
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, skipinitialspace=True))


def _name_key(name: str) -> str:
    return "".join(ch for ch in name.upper().replace("SAINT", "ST") if ch.isalpha())


def _rematch_counties(agencies: list[dict[str, str]], independent: list[dict[str, str]]) -> None:
    """Give a county to agencies the source left without one, where that is unambiguous.

    Three cases: the NYPD (all five boroughs), a state with a single county-equivalent (DC),
    and a county name the source spelled differently (``LA SALLE`` for ``LASALLE``).
    """
    by_state: dict[str, dict[str, str]] = {}
    for row in independent:
        by_state.setdefault(row["state"], {})[_name_key(row["countyname"])] = row[
            "countyfips"
        ].zfill(5)
    for agency in agencies:
        if agency["county_fips_all"]:
            continue
        if agency["ori"] == CURATED_COUNTY_ORI["36061"]:
            matches = ["36061", *sorted(set(CURATED_COUNTY_ORI) - {"36061"})]
        else:
            names = by_state.get(agency["state_abbr"], {})
            wanted = [_name_key(n) for n in agency["county_name"].split(";") if n.strip()]
            if len(names) == 1:
                matches = list(names.values())
            else:
                matches = [names[n] for n in wanted if n in names]
        if matches:
            agency["county_fips_all"] = ";".join(matches)
            agency["county_fips_first"] = matches[0]


def _home_first(agency: dict[str, str], county_ori: dict[str, str]) -> str:
    """The agency's counties, its home county first: the one whose own ORI shares the agency's
    state + county-number prefix (Odessa PD, TX0680200, is in Ector, TX068), else the source's
    order. The registry books an agency in its first county."""
    counties = [f for f in agency["county_fips_all"].split(";") if f]
    home = [f for f in counties if county_ori.get(f, "")[:5] == agency["ori"][:5]]
    if home and agency["ori"][2:5].isdigit():
        counties.remove(home[0])
        counties.insert(0, home[0])
    return ";".join(counties)


def _county_ori_rank(agency: dict[str, str], fips: str) -> tuple[int, int, int, str]:
    """Sort key: the county-wide ORI pattern first, then agency type, then the first county."""
    ori = agency["ori"]
    county_wide = ori[2:5].isdigit() and ori[5:] == "0000"
    number_matches = county_wide and int(ori[2:5]) == county_number_from_fips(int(fips[2:]))
    return (
        0 if county_wide and number_matches else 1 if county_wide else 2,
        _TYPE_RANK.get(agency["agency_type_name"], 9),
        0 if agency["county_fips_first"] == fips else 1,
        ori,
    )


def _derive_ori(fips: str, taken: set[str]) -> str:
    """``sheriff_ori`` for the county; where a real agency already has it, the next free number."""
    base = str(sheriff_ori(int(fips[:2]), int(fips)))
    if base not in taken:
        return base
    for agency_number in range(99, 0, -1):
        candidate = f"{base[:5]}{agency_number:02d}00"
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free derived ORI for county {fips}")


def build(source: Path) -> dict[str, str]:
    """The shipped files' contents, by file name."""
    activation = _read(source / "county_activation.csv")
    independent = _read(source / "county_activation_independent.csv")
    agencies = _read(source / "agencies_county_fips.csv")

    counties = [row["county_fips"] for row in activation]
    names_out = io.StringIO()
    writer = csv.writer(names_out, lineterminator="\n")
    writer.writerow(
        ["county_fips", "state", "name", "activation_month", "activation_year", "source"]
    )
    named = {row["countyfips"].zfill(5): row for row in independent}
    for fips in counties:
        if fips in named:
            row = named[fips]
            month = row["activation_month"].removesuffix(".0")
            year = row["activation_year"].removesuffix(".0")
            writer.writerow([fips, row["state"], row["countyname"], month, year, "independent"])
        else:
            state, name = SUPPLEMENTED_NAMES[fips]
            writer.writerow([fips, state, name, "", "", "supplement"])

    _rematch_counties(agencies, independent)
    by_county: dict[str, list[dict[str, str]]] = {}
    for agency in agencies:
        for fips in filter(None, agency["county_fips_all"].split(";")):
            by_county.setdefault(fips, []).append(agency)

    taken = {a["ori"] for a in agencies}
    county_ori: dict[str, str] = {}
    derived: list[dict[str, str]] = []
    for fips in counties:
        if fips in CURATED_COUNTY_ORI:
            county_ori[fips] = CURATED_COUNTY_ORI[fips]
        elif fips in by_county:
            county_ori[fips] = min(by_county[fips], key=lambda a: _county_ori_rank(a, fips))["ori"]
        else:
            ori = _derive_ori(fips, taken)
            taken.add(ori)
            county_ori[fips] = ori
            postal = state_by_fips(int(fips[:2])).postal
            derived.append(
                {
                    "ori": ori,
                    "agency_name": f"County-wide agency of county {fips} ({postal}), derived",
                    "agency_type_name": "County",
                    "county_fips_all": fips,
                    "derived": "1",
                }
            )
    stands_for: dict[str, list[str]] = {}
    for fips, ori in county_ori.items():
        stands_for.setdefault(ori, []).append(fips)

    agencies_out = io.StringIO()
    writer = csv.writer(agencies_out, lineterminator="\n")
    writer.writerow(["ori", "name", "type", "county_fips", "county_ori_for", "derived"])
    for agency in sorted([*agencies, *derived], key=lambda a: a["ori"]):
        ori = agency["ori"]
        writer.writerow(
            [
                ori,
                agency["agency_name"].strip(),
                agency["agency_type_name"],
                _home_first(agency, county_ori),
                ";".join(stands_for.get(ori, [])),
                agency.get("derived", "0"),
            ]
        )
    return {
        "county_activation.csv": (source / "county_activation.csv").read_text(encoding="utf-8"),
        "county_names.csv": names_out.getvalue(),
        "agencies.csv": agencies_out.getvalue(),
        "ice_areas_of_responsibility.csv": (source / "ice_areas_of_responsibility.csv").read_text(
            encoding="utf-8"
        ),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scripts/rebuild_policy_data.py SOURCE_DIR TARGET_DIR", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    target.mkdir(parents=True, exist_ok=True)
    for name, text in build(source).items():
        (target / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
