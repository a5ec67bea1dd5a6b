import pytest
from hypothesis import given
from hypothesis import strategies as st

from scomm.domain import NcicOffense, Severity, offense_table


def test_table_has_all_464_codes() -> None:
    table = offense_table()
    assert len(table) == 464
    assert all(len(code) == 4 and code.isdigit() for code in table)


@pytest.mark.parametrize(
    ("code", "category", "severity"),
    [
        ("0999", "HOMICIDE", Severity.AGGRAVATED),
        ("1313", "ASSAULT", Severity.MISDEMEANOR),  # simple assault
        ("1304", "ASSAULT", Severity.AGGRAVATED),  # aggravated assault with a gun
        ("3530", "DANGEROUS DRUGS", Severity.AGGRAVATED),  # cocaine sale
        ("3532", "DANGEROUS DRUGS", Severity.FELONY),  # cocaine possession
        ("3562", "DANGEROUS DRUGS", Severity.MISDEMEANOR),  # marijuana possession
        ("5404", "TRAFFIC OFFENSE", Severity.MISDEMEANOR),  # DUI alcohol
        ("5499", "TRAFFIC OFFENSE", Severity.MISDEMEANOR),
        ("2299", "BURGLARY", Severity.FELONY),
    ],
)
def test_known_codes(code: str, category: str, severity: Severity) -> None:
    offense = NcicOffense.lookup(code)
    assert offense.category_name == category
    assert offense.severity is severity
    assert offense.is_felony_class is (severity is not Severity.MISDEMEANOR)


def test_lookup_accepts_an_int() -> None:
    assert NcicOffense.lookup(999).code == "0999"


@pytest.mark.parametrize(
    ("code", "message"),
    [("5400", "unknown NCIC offense code '5400'"), ("54", "4 digits"), ("ABCD", "4 digits")],
)
def test_bad_codes_are_named(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NcicOffense.lookup(code)


@given(st.integers(min_value=0, max_value=9999))
def test_lookup_either_finds_the_code_or_says_unknown(number: int) -> None:
    code = f"{number:04d}"
    if code in offense_table():
        assert NcicOffense.lookup(code).code == code
    else:
        with pytest.raises(ValueError, match=f"unknown NCIC offense code '{code}'"):
            NcicOffense.lookup(code)
