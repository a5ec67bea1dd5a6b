"""Shipped county tables: rebuilt from the reference data, weights that add up."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from scomm.domain import Ori
from scomm.sim.geography import County, derive_county_rows, national_geography, weigh_counties


def _shipped(name: str) -> list[dict[str, str]]:
    text = resources.files("scomm.sim").joinpath(f"data/{name}").read_text()
    return list(csv.DictReader(text.splitlines()))


def test_shipped_tables_are_the_derivation_of_the_reference_data(shared_data: Path) -> None:
    scomm = shared_data / "scomm"
    counties, agencies = derive_county_rows(
        scomm / "agencies_county_fips.csv", scomm / "county_activation.csv"
    )
    assert counties == _shipped("counties.csv")
    assert agencies == _shipped("agencies.csv")


def test_national_geography_has_every_county_and_real_jail_oris() -> None:
    geo = national_geography()
    assert len(geo.counties) == 3147
    assert np.isclose(geo.weights.sum(), 1.0)
    assert geo.counties[geo.index_of(48201)].jail_ori == Ori("TX1010000")  # Harris County
    assert geo.counties[geo.index_of(6037)].jail_ori == Ori("CA0190000")  # Los Angeles
    # California books more than Wyoming: state populations drive the weights
    ca = sum(w for c, w in zip(geo.counties, geo.weights, strict=True) if c.state_fips == 6)
    wy = sum(w for c, w in zip(geo.counties, geo.weights, strict=True) if c.state_fips == 56)
    assert 0.10 < ca < 0.14 and wy < 0.003
    assert geo.foreign_born_share[geo.index_of(6037)] > 0.25


def test_restriction_keeps_national_shares() -> None:
    geo = national_geography()
    small = geo.restricted_to([48201, 6037])
    assert [c.fips for c in small.counties] == [6037, 48201]
    assert small.weights[1] == geo.weights[geo.index_of(48201)]
    with pytest.raises(ValueError, match="none of the requested"):
        geo.restricted_to([99999])
    with pytest.raises(KeyError, match="99999"):
        geo.index_of(99999)


def test_county_weight_follows_agency_count() -> None:
    a = County(6001, 6, Ori("CA0010000"), False, (Ori("CA0010100"),))
    b = County(6003, 6, Ori("CA0020000"), False, ())
    geo = weigh_counties([a, b], {6: (3_000, 0.2)})
    assert np.allclose(geo.weights, [2 / 3, 1 / 3])
    with pytest.raises(ValueError, match="no county has a known state population"):
        weigh_counties([a], {})
