"""Synthetic fingerprints with known truth (issue 7, point 1).

* :func:`generate_master` - the master print of one (seed, identity, finger): pattern class,
  singular points, orientation and ridge-period maps, an AM-FM phase field whose spiral
  singularities are the ground-truth minutiae.
* :func:`render_impression` - any number of live-scan impressions of a master (placement,
  elastic distortion, partial contact, dry/wet skin, sensor noise), with the minutiae mapped in,
  drawn from a :class:`CaptureProfile` (``DB1_B_LIKE`` by default, or ``BOOKING_LIVE_SCAN``).
* :func:`synthesize_master_template` / :func:`template_impression` - minutiae sets with realistic
  statistics and no image, for filling very large galleries cheaply;
  :func:`to_engine_template` turns any of these minutiae sets into the engine's ``Template``.
"""

from scomm.biometrics.synthetic.impression import (
    DEFAULT_SIZE,
    Capture,
    Impression,
    render_impression,
)
from scomm.biometrics.synthetic.master import MasterPrint, generate_master
from scomm.biometrics.synthetic.minutiae import BIFURCATION, ENDING, GroundTruthMinutiae
from scomm.biometrics.synthetic.pattern import PatternClass, SingularPoint
from scomm.biometrics.synthetic.profile import (
    BOOKING_LIVE_SCAN,
    DB1_B_LIKE,
    CaptureProfile,
    profile_named,
)
from scomm.biometrics.synthetic.templates import (
    MasterTemplate,
    impression_of_new_finger,
    synthesize_master_template,
    template_impression,
    template_of_new_finger,
    to_engine_template,
)

__all__ = [
    "BIFURCATION",
    "BOOKING_LIVE_SCAN",
    "DB1_B_LIKE",
    "DEFAULT_SIZE",
    "ENDING",
    "Capture",
    "CaptureProfile",
    "GroundTruthMinutiae",
    "Impression",
    "MasterPrint",
    "MasterTemplate",
    "PatternClass",
    "SingularPoint",
    "generate_master",
    "impression_of_new_finger",
    "profile_named",
    "render_impression",
    "synthesize_master_template",
    "template_impression",
    "template_of_new_finger",
    "to_engine_template",
]
