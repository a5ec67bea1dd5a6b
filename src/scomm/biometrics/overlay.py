"""A picture of what the extractor found: minutiae drawn over the print, for people to check."""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.image import FingerprintImage
from scomm.biometrics.template import MinutiaType, Template

ENDING_COLOUR = (220, 30, 30)
BIFURCATION_COLOUR = (30, 90, 230)


def draw_minutiae(image: FingerprintImage, template: Template) -> npt.NDArray[np.uint8]:
    """RGB image: endings red, bifurcations blue, a tick in each minutia's direction."""
    rgb = np.asarray(cv2.cvtColor(image.pixels, cv2.COLOR_GRAY2RGB), dtype=np.uint8)
    sx = image.width / template.width
    sy = image.height / template.height
    for m in template.minutiae:
        colour = BIFURCATION_COLOUR if m.kind == MinutiaType.BIFURCATION else ENDING_COLOUR
        x, y = m.x * sx, m.y * sy
        centre = (round(x), round(y))
        tip = (round(x + 14 * sx * math.cos(m.theta)), round(y + 14 * sy * math.sin(m.theta)))
        cv2.circle(rgb, centre, 5, colour, 1, cv2.LINE_AA)
        cv2.line(rgb, centre, tip, colour, 1, cv2.LINE_AA)
    return rgb
