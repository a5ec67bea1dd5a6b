"""Fingerprint images, features, templates, comparison and search (issues 3 and 7).

The public API: ``read_image`` -> ``FingerprintImage``; ``extract`` -> ``Template``;
``Template.to_bytes`` / ``Template.from_bytes``; ``to_iso19794_2`` / ``from_iso19794_2``;
``compare`` -> similarity in [0, 1]; ``Matcher`` decides at a target FMR with the calibrated
``ThresholdTable``. 1:N: ``Gallery.open(path)``, ``gallery.enrol(subject_id, {position:
template})``, ``gallery.search({position: template}, top_k)`` -> ranked ``Candidate``s,
``gallery.threshold(positions, fpir)`` (calibrated by ``calibrate_threshold``).
"""

from scomm.biometrics.decision import DEFAULT_FMR, Decision, Matcher
from scomm.biometrics.features.pipeline import Extraction, Extractor, ExtractorParams, extract
from scomm.biometrics.gallery import Gallery, GalleryError
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
from scomm.biometrics.search import (
    DEFAULT_FPIR,
    Candidate,
    Searcher,
    SearchStats,
    calibrate_threshold,
    decision_threshold,
    minutiae_template,
    synthetic_probes,
    threshold_for_fpir,
)
from scomm.biometrics.template import Minutia, MinutiaType, Template, TemplateError
from scomm.biometrics.thresholds import ErrorRates, ThresholdTable, error_rates, threshold_for_fmr

__all__ = [
    "DEFAULT_FMR",
    "DEFAULT_FPIR",
    "DEFAULT_PPI",
    "UNUSABLE_BELOW",
    "Candidate",
    "Comparator",
    "Decision",
    "ErrorRates",
    "Extraction",
    "Extractor",
    "ExtractorParams",
    "FingerprintImage",
    "Gallery",
    "GalleryError",
    "ImageError",
    "IsoFormatError",
    "Matcher",
    "MatcherParams",
    "Minutia",
    "MinutiaType",
    "SearchStats",
    "Searcher",
    "Template",
    "TemplateError",
    "ThresholdTable",
    "calibrate_threshold",
    "compare",
    "decision_threshold",
    "decode_image",
    "encode_image",
    "error_rates",
    "extract",
    "from_iso19794_2",
    "is_usable",
    "minutiae_template",
    "read_image",
    "synthetic_probes",
    "threshold_for_fmr",
    "threshold_for_fpir",
    "to_iso19794_2",
    "write_image",
]
