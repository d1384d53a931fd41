"""Grey levels of a page image: the greyscale the readers work on, and its percentiles."""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

RED_MARGIN = 60  # red exceeds green and blue by this much: red ink (a seal, a red heading)
RED_PIXELS = 100  # of every 4th pixel both ways, this many red ones make a page with red ink


def has_red_ink(rgb_or_grey: np.ndarray) -> bool:
    """Whether a page image holds red ink (sampled): a greyscale scan never does."""
    if rgb_or_grey.ndim == 2 or rgb_or_grey.shape[2] < 3:
        return False
    h, w = rgb_or_grey.shape[:2]
    sample = cv2.resize(np.ascontiguousarray(rgb_or_grey[:, :, :3]), (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_NEAREST)
    return cv2.countNonZero(_reddish(*cv2.split(sample))) >= RED_PIXELS


def _reddish(red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> np.ndarray:
    """255 where red exceeds both green and blue by RED_MARGIN, else 0."""
    return cv2.compare(cv2.subtract(red, cv2.max(green, blue)), RED_MARGIN, cv2.CMP_GT)


def to_grey(rgb_or_grey: np.ndarray) -> np.ndarray:
    """Greyscale that drops red: stamps (红章) over text become pale, black ink stays dark."""
    return grey_and_red_ink(rgb_or_grey)[0]


def grey_and_red_ink(rgb_or_grey: np.ndarray) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """`to_grey` of the image, and where it is red ink (255, else 0; None for a greyscale image),
    from one pass over its colour channels."""
    grey, red_ink, _ = page_tones(rgb_or_grey)
    return grey, red_ink


def page_tones(rgb_or_grey: np.ndarray) -> tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
    """`grey_and_red_ink` of the image, and its plain luminance (red as dark as its brightness
    makes it: a red bar is dark ground there, and paper in the greyscale)."""
    if rgb_or_grey.ndim == 2:
        return rgb_or_grey, None, rgb_or_grey
    rgb = np.ascontiguousarray(rgb_or_grey[:, :, :3])
    lum = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red, green, blue = cv2.split(rgb)
    margin = cv2.subtract(red, cv2.max(green, blue))
    # Where a pixel is clearly red, take the red channel (light); elsewhere the usual luminance,
    # so blue ink and grey scans keep their contrast. In between (a seal stroke's paler,
    # JPEG-blurred edge, red by 20-60 levels) blend the two: with a hard cut, those edges stayed
    # grey outlines of the seal's lettering, and a value under the seal read 本千中证 for 本科.
    lighter = cv2.multiply(cv2.subtract(red, lum), cv2.LUT(margin, _RED_WEIGHT), scale=1 / 255)
    return cv2.add(lum, lighter), cv2.compare(margin, RED_MARGIN, cv2.CMP_GT), lum


_RED_FROM = 20  # red by less than this over green and blue: luminance alone
_RED_WEIGHT = np.clip((np.arange(256) - _RED_FROM) * 255.0 / (RED_MARGIN - _RED_FROM), 0, 255).astype(np.uint8)


def grey_percentile(grey: np.ndarray, q: float, where: Optional[np.ndarray] = None) -> float:
    """The q-th percentile grey level (of the pixels `where` is non-zero, if given), from a
    histogram: numpy's percentile sorts every pixel."""
    hist = cv2.calcHist([grey], [0], where, [256], [0, 256]).ravel()
    cum = np.cumsum(hist)
    return float(np.searchsorted(cum, cum[-1] * q / 100.0))
