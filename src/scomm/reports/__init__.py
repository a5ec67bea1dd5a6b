"""Statistics, plots and the HTML report (issue 9)."""
