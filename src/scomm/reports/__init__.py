"""Statistics, plots and the HTML report of a replay run (issue 9).

``Outcomes.load(engine, run_id)`` reads a run's booking outcomes; ``build_report`` cuts the
interoperability tables, headlines, profiling monitor and figures from them; ``write_report``
writes ``report.html`` with a CSV per table. ``compare_*`` put two runs side by side.
"""

from scomm.reports.compare import compare_by_state, compare_headlines, compare_totals
from scomm.reports.headlines import Headline, headlines
from scomm.reports.outcomes import Outcomes, ReportError, RunInfo
from scomm.reports.profiling import profiling_monitor
from scomm.reports.report import (
    Figure,
    Report,
    build_report,
    load_and_build,
    published_detainers,
    write_report,
)
from scomm.reports.tables import MEASURES, Table, by_county, by_month, by_state, totals

__all__ = [
    "MEASURES",
    "Figure",
    "Headline",
    "Outcomes",
    "Report",
    "ReportError",
    "RunInfo",
    "Table",
    "build_report",
    "by_county",
    "by_month",
    "by_state",
    "compare_by_state",
    "compare_headlines",
    "compare_totals",
    "headlines",
    "load_and_build",
    "profiling_monitor",
    "published_detainers",
    "totals",
    "write_report",
]
