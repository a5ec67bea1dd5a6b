"""The jurisdiction registry built from the shipped real data."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from scomm.domain import Ori, sheriff_ori
from scomm.policy import LESC_ORI, Registry

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "rebuild_policy_data.py"
_SPEC = importlib.util.spec_from_file_location("rebuild_policy_data", _SCRIPT)
assert _SPEC is not None and _SPEC.loader is not None
_REBUILD = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_REBUILD)
build = _REBUILD.build

DATA = Path(__file__).resolve().parents[2] / "src" / "scomm" / "policy" / "data"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.shipped()


def test_every_county_resolves_to_an_activation_date_an_ori_and_a_field_office(
    registry: Registry,
) -> None:
    counties = list(registry.counties.values())
    assert len(counties) >= 3100
    for county in counties:
        assert dt.date(2008, 10, 27) <= county.activation <= dt.date(2013, 1, 22), county
        assert county.ori.state == county.state, county
        assert county.field_office, county
        assert county.name, county


def test_real_counties_have_their_real_agencies(registry: Registry) -> None:
    harris = registry.county("48201")
    assert harris.activation == dt.date(2008, 10, 27)
    assert harris.ori == Ori("TX1010000")
    assert harris.field_office == "Houston"
    los_angeles = registry.county(6037)
    assert (los_angeles.name, los_angeles.ori.value) == ("Los Angeles", "CA0190000")
    assert los_angeles.field_office == "Los Angeles"
    assert registry.county("17031").ori.value == "IL0160000"
    assert registry.county("36081").ori.value == "NY0303000"  # Queens: the NYPD
    assert registry.county("11001").ori.value == "DCMPD0000"
    assert registry.agency("VA0070100").counties == ("51013",)
    assert registry.field_office("36103") == "New York City"  # Suffolk, by county
    assert registry.field_office("36029") == "Buffalo"  # Erie
    assert LESC_ORI.value == "VTICE0900"


def test_derived_oris_are_marked_and_clash_with_no_real_one(registry: Registry) -> None:
    derived = [c for c in registry.counties.values() if c.ori_derived]
    assert 0 < len(derived) < 30
    real = {a.ori for a in registry.agencies.values() if not a.derived}
    for county in derived:
        assert county.ori not in real
        assert registry.agency(county.ori).derived
        base = sheriff_ori(county.state.fips, int(county.fips))
        assert county.ori.value[:5] == base.value[:5]
    assert len({c.ori for c in derived}) == len(derived)
    assert not registry.county("48201").ori_derived


def test_missing_activation_dates_fall_back_to_the_state_completion(registry: Registry) -> None:
    dade = registry.county("12025")
    assert dade.activation_source == "state"
    florida = [c.activation for c in registry.counties.values() if c.state.postal == "FL"]
    assert dade.activation == max(florida)
    assert registry.county("48201").activation_source == "data"


def test_unlisted_oris_find_their_county_by_prefix(registry: Registry) -> None:
    county = registry.county_for_ori("CA0190199")
    assert county is not None and county.fips == "06037"
    assert registry.county_for_ori("ZZ0000000") is None


def test_with_agency_adds_a_jail(registry: Registry) -> None:
    extended = registry.with_agency("CA0190177", "Men's Central Jail", "06037", "Jail")
    assert extended.agency("CA0190177").counties == ("06037",)
    assert "CA0190177" not in registry.agencies
    assert "CA0190177" in {a.ori.value for a in extended.agencies_in("06037")}
    with pytest.raises(ValueError, match="not in California"):
        registry.with_agency("TX0010177", "Wrong state", "06037")
    with pytest.raises(ValueError, match="unknown county"):
        registry.county("99999")
    with pytest.raises(ValueError, match="not in the registry"):
        registry.agency("CA0199999")


def test_shipped_data_is_a_faithful_rebuild_of_the_reference_data(shared_data: Path) -> None:
    for name, text in build(shared_data / "scomm").items():
        assert (DATA / name).read_text(encoding="utf-8") == text, name


def test_shipped_data_is_compact() -> None:
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 3_000_000


# The two codings disagree on the activation month of these counties only (Indiana counties
# activated on 2011-05-31, coded June by the independent file); Alaska, Hawaii and a few
# independent cities have no month there at all.
KNOWN_DISAGREEMENTS = {"18063", "18065", "18069", "18121", "18145", "18165", "18177", "18179"}


def test_the_two_activation_codings_agree_except_where_known(registry: Registry) -> None:
    with (DATA / "county_names.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    compared, disagreements = 0, {}
    for row in rows:
        if not row["activation_year"]:
            continue
        compared += 1
        county = registry.county(row["county_fips"])
        theirs = (int(row["activation_year"]), int(row["activation_month"]))
        if theirs != (county.activation.year, county.activation.month):
            disagreements[county.fips] = (county.activation.isoformat(), theirs)
    print(f"{len(disagreements)} of {compared} counties disagree: {disagreements}")
    assert set(disagreements) == KNOWN_DISAGREEMENTS
    assert compared > 3000
