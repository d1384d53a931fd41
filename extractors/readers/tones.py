"""Grey levels of a page image: the greyscale the readers work on, and its percentiles."""

from __future__ import annotations

import cv2
import numpy as np


def to_grey(rgb_or_grey: np.ndarray) -> np.ndarray:
    """Greyscale that drops red: stamps (红章) over text become pale, black ink stays dark."""
    if rgb_or_grey.ndim == 2:
        return rgb_or_grey
    rgb = np.ascontiguousarray(rgb_or_grey[:, :, :3])
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red, green, blue = cv2.split(rgb)
    # Where a pixel is clearly red, take the red channel (light); elsewhere the usual luminance,
    # so blue ink and grey scans keep their contrast.
    reddish = cv2.compare(cv2.subtract(red, cv2.max(green, blue)), 60, cv2.CMP_GT)
    return cv2.copyTo(red, reddish, lum)


def grey_percentile(grey: np.ndarray, q: float) -> float:
    """The q-th percentile grey level, from a histogram: numpy's percentile sorts every pixel."""
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return float(np.searchsorted(cum, cum[-1] * q / 100.0))
