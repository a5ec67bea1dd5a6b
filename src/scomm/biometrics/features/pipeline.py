"""The extractor: image -> normalised image -> mask -> orientation -> period -> Gabor ->
skeleton -> minutiae -> filtered minutiae -> template, keeping every intermediate for inspection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.features.enhancement import EnhancementParams, GaborEnhancer
from scomm.biometrics.features.filtering import FilterParams, MinutiaeFilter
from scomm.biometrics.features.frequency import FrequencyEstimator, FrequencyParams, period_image
from scomm.biometrics.features.minutiae import (
    BIFURCATION,
    DetectionParams,
    MinutiaeDetector,
)
from scomm.biometrics.features.orientation import OrientationEstimator, OrientationParams
from scomm.biometrics.features.segmentation import SegmentationParams, Segmenter
from scomm.biometrics.features.skeleton import Skeletonizer, SkeletonParams
from scomm.biometrics.image import DEFAULT_PPI, MAX_SIDE, FingerprintImage, ImageError
from scomm.biometrics.quality import quality_score
from scomm.biometrics.template import Minutia, MinutiaType, Template

MIN_SIDE = 32
"""Images smaller than this (after scaling to 500 ppi) hold no usable ridge structure."""


@dataclass(frozen=True)
class ExtractorParams:
    segmentation: SegmentationParams = field(default_factory=SegmentationParams)
    orientation: OrientationParams = field(default_factory=OrientationParams)
    frequency: FrequencyParams = field(default_factory=FrequencyParams)
    enhancement: EnhancementParams = field(default_factory=EnhancementParams)
    skeleton: SkeletonParams = field(default_factory=SkeletonParams)
    detection: DetectionParams = field(default_factory=DetectionParams)
    filtering: FilterParams = field(default_factory=FilterParams)

    def to_json(self) -> str:
        return json.dumps({k: v.to_dict() for k, v in self.__dict__.items()}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> ExtractorParams:
        values: dict[str, Any] = json.loads(text)
        kinds = {k: type(v) for k, v in ExtractorParams().__dict__.items()}
        unknown = set(values) - set(kinds)
        if unknown:
            raise ValueError(f"ExtractorParams: unknown stage(s) {sorted(unknown)}")
        return ExtractorParams(**{k: kinds[k].from_dict(v) for k, v in values.items()})


@dataclass(frozen=True, eq=False)
class Extraction:
    """A template and the images that led to it (all at 500 ppi)."""

    template: Template
    normalized: npt.NDArray[np.float32]
    mask: npt.NDArray[np.bool_]
    orientation: npt.NDArray[np.float32]
    coherence: npt.NDArray[np.float32]
    ridge_period: float
    enhanced: npt.NDArray[np.float32]
    ridges: npt.NDArray[np.uint8]
    skeleton: npt.NDArray[np.uint8]


def normalize(pixels: npt.NDArray[np.uint8], sigma: float = 8.0) -> npt.NDArray[np.float32]:
    """Zero local mean, unit local variance: evens out dry and wet patches."""
    img = pixels.astype(np.float32)
    centred = img - cv2.GaussianBlur(img, (0, 0), sigma)
    spread = np.sqrt(cv2.GaussianBlur(centred * centred, (0, 0), sigma))
    return (centred / np.maximum(spread, 4.0)).astype(np.float32)


class Extractor:
    def __init__(self, params: ExtractorParams | None = None) -> None:
        self.params = p = params or ExtractorParams()
        self.segmenter = Segmenter(p.segmentation)
        self.orientation = OrientationEstimator(p.orientation)
        self.frequency = FrequencyEstimator(p.frequency)
        self.enhancer = GaborEnhancer(p.enhancement)
        self.skeletonizer = Skeletonizer(p.skeleton)
        self.detector = MinutiaeDetector(p.detection)
        self.filter = MinutiaeFilter(p.filtering)

    def run(self, image: FingerprintImage) -> Extraction:
        pixels = image.pixels
        if image.ppi != DEFAULT_PPI:
            scale = DEFAULT_PPI / image.ppi
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            if max(size) > MAX_SIDE:
                raise ImageError(
                    f"{image.width}x{image.height} at {image.ppi} ppi is {size[0]}x{size[1]} "
                    f"at 500 ppi, over {MAX_SIDE} pixels a side (is the resolution right?)"
                )
            pixels = np.asarray(
                cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), dtype=np.uint8
            )
        h, w = pixels.shape
        if min(h, w) < MIN_SIDE:
            return self._empty(pixels)
        norm = normalize(pixels)
        mask = self.segmenter.run(norm)
        field_ = self.orientation.run(norm)
        period = self.frequency.run(norm, field_.theta, mask)
        local = (
            period_image(period, norm.shape) if self.params.enhancement.period_bins > 1 else None
        )
        enhanced = self.enhancer.run(norm, field_.theta, period.median, mask, local)
        ridges = self.skeletonizer.binarize(enhanced, mask)
        skeleton = self.skeletonizer.thin(ridges)
        raw = self.detector.run(skeleton, mask, field_.theta)
        kept = self.filter.run(raw, mask, field_.coherence, period.median)
        minutiae = [
            Minutia(
                float(x),
                float(y),
                float(t),
                MinutiaType.BIFURCATION if k == BIFURCATION else MinutiaType.ENDING,
                float(r),
            )
            for x, y, t, k, r in zip(
                kept.x, kept.y, kept.theta, kept.kind, kept.reliability, strict=True
            )
        ]
        quality = quality_score(pixels, mask, field_.coherence, kept.reliability)
        template = Template.create(minutiae, w, h, DEFAULT_PPI, quality)
        return Extraction(
            template,
            norm,
            mask,
            field_.theta,
            field_.coherence,
            period.median,
            enhanced,
            ridges,
            skeleton,
        )

    def _empty(self, pixels: npt.NDArray[np.uint8]) -> Extraction:
        h, w = pixels.shape
        zeros = np.zeros((h, w), dtype=np.float32)
        none = np.zeros((h, w), dtype=np.uint8)
        template = Template.create([], w, h, DEFAULT_PPI, 0)
        return Extraction(template, zeros, none.astype(bool), zeros, zeros, 0.0, zeros, none, none)


_DEFAULT: Extractor | None = None


def extract(image: FingerprintImage) -> Template:
    """The template of an image with the default parameters."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Extractor()
    return _DEFAULT.run(image).template
