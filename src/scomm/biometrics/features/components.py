"""Connected components of a binary image with their areas.

``cv2.connectedComponentsWithStats`` computes boxes and centroids that no stage uses and costs
five times the labelling alone on a print (1.1 against 0.2 CPU-ms at 400 x 400); the areas
are one count of the labels.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

Binary = npt.NDArray[np.uint8]


def labelled_components(
    binary: Binary,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp]]:
    """8-connected labels (0 the background, as OpenCV numbers them) and each label's area."""
    count, labels = cv2.connectedComponents(binary, connectivity=8, ltype=cv2.CV_32S)
    areas = np.bincount(labels.ravel(), minlength=count)
    return np.asarray(labels, dtype=np.int32), areas
