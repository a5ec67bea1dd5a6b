"""Minutiae extraction, one stage per module: segmentation, orientation, frequency, enhancement,
skeleton and minutiae detection, false-minutiae removal. ``pipeline.Extractor`` chains them."""
