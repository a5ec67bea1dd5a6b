import csv
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scomm.domain import Ori, sheriff_ori, state_by_fips, state_by_postal
from scomm.domain.states import NCIC_STATE_CODES

BODY = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=7, max_size=7)


@given(st.sampled_from(sorted(NCIC_STATE_CODES)), BODY)
def test_any_state_code_with_seven_alphanumerics_is_valid(state: str, body: str) -> None:
    ori = Ori(state + body)
    assert str(ori) == state + body
    assert ori.state.ncic == state


@given(st.text(max_size=20).filter(lambda s: len(s) != 9))
def test_wrong_length_is_rejected_with_the_length(value: str) -> None:
    with pytest.raises(ValueError, match="exactly 9 characters"):
        Ori(value)


@given(
    st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2).filter(
        lambda s: s not in NCIC_STATE_CODES
    ),
    BODY,
)
def test_unknown_state_prefix_is_rejected(prefix: str, body: str) -> None:
    with pytest.raises(ValueError, match="NCIC state code"):
        Ori(prefix + body)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("NE0010000", "NCIC state code"),  # Nebraska's ORIs use NB, not the postal NE
        ("CA019000a", "upper-case letters or digits"),
        ("CA019 000", "upper-case letters or digits"),
        ("CA01900000", "exactly 9 characters"),
    ],
)
def test_bad_oris_name_the_problem(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Ori(value)


def test_county_pattern() -> None:
    assert Ori("CA0190000").county_number == 19
    assert Ori("CA0190000").is_county_pattern
    assert Ori("TXHPD0000").county_number is None
    assert not Ori("TXHPD0000").is_county_pattern


@pytest.mark.parametrize(
    ("state", "county", "expected"),
    [
        (48, 201, "TX1010000"),  # Harris County Sheriff
        (6, 37, "CA0190000"),  # Los Angeles County Sheriff
        (6, 6037, "CA0190000"),  # the full 5-digit FIPS works too
        (17, 31, "IL0160000"),  # Cook County Sheriff
        (6, 75, "CA0380000"),  # San Francisco Sheriff
        (31, 55, "NB0280000"),  # Douglas County NE: NCIC code NB
    ],
)
def test_sheriff_ori_from_fips(state: int, county: int, expected: str) -> None:
    assert sheriff_ori(state, county) == Ori(expected)


def test_sheriff_ori_rejects_inconsistent_fips() -> None:
    with pytest.raises(ValueError, match="not in state FIPS 48"):
        sheriff_ori(48, 6037)
    with pytest.raises(ValueError, match="unknown state FIPS code 99"):
        sheriff_ori(99, 1)
    with pytest.raises(ValueError, match=r"1\.\.999"):
        sheriff_ori(6, 0)


def test_state_lookups() -> None:
    assert state_by_postal("ne").ncic == "NB"
    assert state_by_fips(66).ncic == "GM"


def test_every_real_ori_validates(shared_data: Path) -> None:
    with (shared_data / "scomm" / "agencies.csv").open() as f:
        oris = [row["ori"] for row in csv.DictReader(f)]
    assert len(oris) == 18702
    for value in oris:
        Ori(value)


def test_derived_sheriff_ori_matches_most_real_county_agencies(shared_data: Path) -> None:
    with (shared_data / "scomm" / "agencies_county_fips.csv").open() as f:
        rows = list(csv.DictReader(f))
    real = {row["ori"] for row in rows}
    fips = {int(float(r["county_fips_first"])) for r in rows if r["county_fips_first"]}
    derived = [sheriff_ori(f // 1000, f) for f in fips]
    hits = sum(ori.value in real for ori in derived)
    # Counties renamed or added after the alphabetical numbering break the rule; >90% hold.
    assert hits / len(derived) > 0.9
