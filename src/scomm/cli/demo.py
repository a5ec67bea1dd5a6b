"""`scomm demo`: the most useful real thing scomm can do at this stage of the project."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from rich.console import Console
from rich.table import Table

from scomm.domain import (
    Conviction,
    NcicOffense,
    Severity,
    classify_level,
    offense_table,
    sheriff_ori,
)

# Counties named in DESIGN.md, by (state FIPS, county FIPS).
_EXAMPLE_COUNTIES = (
    ("Harris County, TX", 48, 201),
    ("Los Angeles County, CA", 6, 37),
    ("Cook County, IL", 17, 31),
    ("San Francisco, CA", 6, 75),
    ("Arlington County, VA", 51, 13),
)

_EXAMPLE_HISTORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("no conviction", ()),
    ("one traffic offense", ("5499",)),
    ("three DUI convictions", ("5404", "5404", "5404")),
    ("one burglary", ("2299",)),
    ("cocaine sale", ("3530",)),
    ("two burglaries", ("2299", "2299")),
)


def run_demo(console: Console) -> None:
    """Show the domain model working on real codes: ORIs derived and ICE levels classified."""
    console.rule("[bold]scomm demo[/bold]: the domain model on real codes")
    console.print(
        "The booking pipeline is not built yet; this shows the parts that are, computed now."
    )

    oris = Table(title="County sheriff ORIs derived from FIPS codes")
    oris.add_column("county")
    oris.add_column("FIPS")
    oris.add_column("derived ORI")
    for name, state, county in _EXAMPLE_COUNTIES:
        oris.add_row(name, f"{state:02d}{county:03d}", str(sheriff_ori(state, county)))
    console.print(oris)

    table = offense_table()
    by_severity = Counter(o.severity for o in table.values())
    sev = Table(title=f"NCIC offense codes shipped: {len(table)}, by scomm's severity class")
    sev.add_column("severity")
    sev.add_column("codes", justify="right")
    for severity in Severity:
        sev.add_row(severity.value, str(by_severity[severity]))
    console.print(sev)

    levels = Table(title="ICE criminal level by conviction history")
    levels.add_column("history")
    levels.add_column("level")
    day = dt.date(2010, 1, 1)
    for label, codes in _EXAMPLE_HISTORIES:
        convictions = [Conviction(NcicOffense.lookup(c), day) for c in codes]
        levels.add_row(label, classify_level(convictions).label)
    console.print(levels)
