from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics import Extractor, ExtractorParams, FingerprintImage, MinutiaType, is_usable
from scomm.biometrics.features.filtering import FilterParams


def test_extraction_finds_a_plausible_set_of_minutiae(fvc_image: FingerprintImage) -> None:
    result = Extractor().run(fvc_image)
    template = result.template
    assert 15 <= len(template) <= 120
    assert is_usable(template.quality)
    kinds = {m.kind for m in template.minutiae}
    assert kinds == {MinutiaType.ENDING, MinutiaType.BIFURCATION}
    # Every minutia lies on the finger, away from its border.
    assert result.mask[template.y.astype(int), template.x.astype(int)].all()
    assert ((template.reliability > 0) & (template.reliability <= 1)).all()


def test_intermediate_images_are_available(fvc_image: FingerprintImage) -> None:
    result = Extractor().run(fvc_image)
    shape = fvc_image.pixels.shape
    for picture in (result.mask, result.orientation, result.coherence, result.enhanced):
        assert picture.shape == shape
    assert set(np.unique(result.skeleton)) <= {0, 1}
    assert 20_000 < result.mask.sum() < 0.9 * result.mask.size
    assert 5.0 < result.ridge_period < 14.0
    # The skeleton is thinner than the binary ridges it came from.
    assert result.skeleton.sum() < 0.5 * result.ridges.sum()


def test_parameters_round_trip_through_json() -> None:
    params = ExtractorParams(filtering=FilterParams(border=20.0))
    assert ExtractorParams.from_json(params.to_json()) == params
    assert FilterParams.from_json(FilterParams(gap=2.0).to_json()).gap == 2.0
    with pytest.raises(ValueError, match="unknown"):
        FilterParams.from_json('{"nope": 1}')


def test_resolution_is_normalised_to_500_ppi(fvc_image: FingerprintImage) -> None:
    import cv2

    big = cv2.resize(fvc_image.pixels, (1280, 960), interpolation=cv2.INTER_CUBIC)
    template = Extractor().run(FingerprintImage(big, 1000)).template
    assert (template.width, template.height, template.ppi) == (640, 480, 500)
    assert len(template) >= 10


def test_local_period_filter_banks_give_a_comparable_template(fvc_image: FingerprintImage) -> None:
    from dataclasses import replace

    from scomm.biometrics import compare
    from scomm.biometrics.features.enhancement import EnhancementParams

    banded = ExtractorParams(enhancement=replace(EnhancementParams(), period_bins=3))
    a = Extractor(banded).run(fvc_image).template
    b = Extractor().run(fvc_image).template
    assert abs(len(a) - len(b)) <= 0.5 * len(b)
    assert compare(a, b) > 0.1


def test_implausible_resolution_is_a_clear_error(fvc_image: FingerprintImage) -> None:
    from scomm.biometrics import ImageError

    with pytest.raises(ImageError, match="resolution"):
        Extractor().run(FingerprintImage(fvc_image.pixels, 10))
