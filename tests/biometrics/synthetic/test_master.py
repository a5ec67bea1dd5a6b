"""Master prints: deterministic, distinct per identity, fingerprint-like, truthful minutiae."""

from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics.synthetic import PatternClass, generate_master
from scomm.biometrics.synthetic.master import MasterPrint
from scomm.biometrics.synthetic.minutiae import ENDING


@pytest.fixture(scope="module")
def masters() -> dict[PatternClass, MasterPrint]:
    return {cls: generate_master(7, 3, 2, pattern_class=cls) for cls in PatternClass}


def test_same_seed_same_master() -> None:
    a = generate_master(11, 42, 7)
    b = generate_master(11, 42, 7)
    assert np.array_equal(a.ridges, b.ridges)
    assert a.minutiae.same_as(b.minutiae)
    assert a.pattern == b.pattern


def test_different_identities_and_seeds_differ() -> None:
    base = generate_master(11, 42, 7)
    for other in (generate_master(11, 43, 7), generate_master(12, 42, 7)):
        assert not np.array_equal(base.ridges, other.ridges)
        assert not base.minutiae.same_as(other.minutiae)
        inside = (base.outline > 0.9) & (other.outline > 0.9)
        correlation = np.corrcoef(base.ridges[inside], other.ridges[inside])[0, 1]
        assert abs(correlation) < 0.3


def test_negative_identity_is_rejected() -> None:
    with pytest.raises(ValueError, match="identity"):
        generate_master(1, -1, 2)


@pytest.mark.parametrize("cls", list(PatternClass))
def test_singular_points_match_the_class(
    masters: dict[PatternClass, MasterPrint], cls: PatternClass
) -> None:
    points = masters[cls].pattern.singular_points
    cores = sum(p.is_core for p in points)
    deltas = len(points) - cores
    expected = {
        PatternClass.ARCH: (0, 0),
        PatternClass.TENTED_ARCH: (1, 1),
        PatternClass.LEFT_LOOP: (1, 1),
        PatternClass.RIGHT_LOOP: (1, 1),
        PatternClass.WHORL: (2, 2),
    }[cls]
    assert (cores, deltas) == expected
    for p in points:  # singular points lie on the finger, not off its edge
        assert masters[cls].outline[int(p.y), int(p.x)] > 0.5


def test_loops_put_the_delta_on_the_side_away_from_the_opening(
    masters: dict[PatternClass, MasterPrint],
) -> None:
    left = masters[PatternClass.LEFT_LOOP].pattern.singular_points
    right = masters[PatternClass.RIGHT_LOOP].pattern.singular_points
    assert left[1].x > left[0].x and left[1].y > left[0].y
    assert right[1].x < right[0].x and right[1].y > right[0].y


@pytest.mark.parametrize("cls", list(PatternClass))
def test_ridge_period_is_that_of_adult_skin_at_500_ppi(
    masters: dict[PatternClass, MasterPrint], cls: PatternClass
) -> None:
    m = masters[cls]
    window = np.outer(np.hanning(48), np.hanning(48))
    freqs = np.fft.fftfreq(48)
    fx, fy = np.meshgrid(freqs, freqs)
    periods = []
    for y in range(130, 460, 60):
        for x in range(110, 380, 60):
            if m.outline[y, x] < 1.0:
                continue
            patch = m.ridges[y - 24 : y + 24, x - 24 : x + 24] * window
            power = np.abs(np.fft.fft2(patch)) ** 2
            power[0, 0] = 0.0  # the mean is not a ridge frequency
            peak = np.unravel_index(np.argmax(power), power.shape)
            periods.append(1.0 / np.hypot(fx[peak], fy[peak]))
    assert len(periods) >= 10
    # adult ridges: ~0.45-0.5 mm apart, 9-10 px at 500 ppi (whorl centres run a bit tighter)
    assert 8.0 <= float(np.median(periods)) <= 11.5


@pytest.mark.parametrize("cls", list(PatternClass))
def test_minutiae_are_many_inside_the_finger_and_spaced(
    masters: dict[PatternClass, MasterPrint], cls: PatternClass
) -> None:
    m = masters[cls]
    minutiae = m.minutiae
    assert 35 <= len(minutiae) <= 110
    assert np.all(m.outline[minutiae.y.astype(int), minutiae.x.astype(int)] > 0.5)
    dx = minutiae.x[:, None] - minutiae.x[None, :]
    dy = minutiae.y[:, None] - minutiae.y[None, :]
    distance = np.hypot(dx, dy) + np.eye(len(minutiae)) * 1e3
    assert distance.min() > 5.0
    share = float(np.mean(minutiae.kind == ENDING))
    assert 0.25 < share < 0.85


@pytest.mark.parametrize("cls", list(PatternClass))
def test_minutia_type_and_direction_describe_the_image(
    masters: dict[PatternClass, MasterPrint], cls: PatternClass
) -> None:
    """Along its direction an ending has ridge (cos > 0), a bifurcation has valley."""
    m = masters[cls]
    minutiae = m.minutiae
    agree = []
    for reach in (3.0, 4.0):
        xs = np.round(minutiae.x + reach * np.cos(minutiae.theta)).astype(int)
        ys = np.round(minutiae.y + reach * np.sin(minutiae.theta)).astype(int)
        on_ridge = m.ridges[ys, xs] > 0
        agree.append(on_ridge == (minutiae.kind == ENDING))
    assert np.mean(agree) > 0.9
