"""Fingerprint images, features, templates, comparison and search (issues 3 and 7).

The public API: ``read_image`` -> ``FingerprintImage``; ``extract`` -> ``Template``;
``Template.to_bytes`` / ``Template.from_bytes``; ``to_iso19794_2`` / ``from_iso19794_2``;
``compare`` -> similarity in [0, 1]; ``Matcher`` decides at a target FMR with the calibrated
``ThresholdTable``.
"""

from scomm.biometrics.decision import DEFAULT_FMR, Decision, Matcher
from scomm.biometrics.features.pipeline import Extraction, Extractor, ExtractorParams, extract
from scomm.biometrics.image import (
    DEFAULT_PPI,
    FingerprintImage,
    ImageError,
    decode_image,
    encode_image,
    read_image,
    write_image,
)
from scomm.biometrics.iso19794 import IsoFormatError, from_iso19794_2, to_iso19794_2
from scomm.biometrics.matcher import Comparator, MatcherParams, compare
from scomm.biometrics.quality import UNUSABLE_BELOW, is_usable
from scomm.biometrics.template import Minutia, MinutiaType, Template, TemplateError
from scomm.biometrics.thresholds import ErrorRates, ThresholdTable, error_rates, threshold_for_fmr

__all__ = [
    "DEFAULT_FMR",
    "DEFAULT_PPI",
    "UNUSABLE_BELOW",
    "Comparator",
    "Decision",
    "ErrorRates",
    "Extraction",
    "Extractor",
    "ExtractorParams",
    "FingerprintImage",
    "ImageError",
    "IsoFormatError",
    "Matcher",
    "MatcherParams",
    "Minutia",
    "MinutiaType",
    "Template",
    "TemplateError",
    "ThresholdTable",
    "compare",
    "decode_image",
    "encode_image",
    "error_rates",
    "extract",
    "from_iso19794_2",
    "is_usable",
    "read_image",
    "threshold_for_fmr",
    "to_iso19794_2",
    "write_image",
]
