"""Where a dossier's pages show an ID number, and what to draw flat in any picture of a page shown
to someone who reads ID numbers masked: the printed reports' crops and the station's images both
ask here, so the two cover the same lines.

The regions come from the readings the run kept (the extraction cache named by the judging
record): every line where an ID number was read (an ID-card copy, a certificate or a pledge
quoting the number), not only the region the `id_number` field was taken from."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.errors import UsageError
from dossierflow.judging_record import JudgingRecord, record_path
from dossierflow.models import DossierExtraction
from dossierflow.privacy import PRIVATE_FIELDS, holds_id_number

# (file, page) → boxes on that page whose reading holds an ID number
PageBoxes = dict[tuple[str, Optional[int]], list[list[float]]]


class ReadingsMissing(Exception):
    """The run's readings of the dossier are gone (no judging record, or its cache entry): where
    ID numbers are on its pages is unknown. The message is Chinese."""


_MISSING = "该批次的读取结果已不在输出文件夹中，无法确定页面上身份证号的位置，图像不予显示：请管理员对该批次重新运行 dossier run"


def id_lines(extraction: DossierExtraction) -> PageBoxes:
    """Every read line of the extraction that shows an ID number, by page. A Word file's cells
    have no picture, so none of theirs."""
    found: PageBoxes = {}
    for page in extraction.pages:
        if page.coords != "pt":
            continue
        where = page.source()
        for seg in page.segments:
            if holds_id_number(seg.text):
                found.setdefault((where.file, where.page), []).append([float(v) for v in seg.box])
    return found


def run_record(out_dir: Path) -> JudgingRecord:
    """The run's judging record; ReadingsMissing when it is gone or unreadable."""
    try:
        return JudgingRecord.load(out_dir)
    except UsageError:
        raise ReadingsMissing(_MISSING) from None


def id_lines_of(out_dir: Path, record: JudgingRecord, dossier_id: str) -> PageBoxes:
    """`id_lines` of the dossier as the run read it; ReadingsMissing when its reading is gone."""
    entry = record.dossier(dossier_id)
    if entry is None or entry.key is None:  # ended in an error: nothing of it was read
        return {}
    extraction = ExtractionCache(out_dir).get(entry.key)
    if extraction is None:
        raise ReadingsMissing(_MISSING)
    return id_lines(extraction)


def covers(line: dict, read: PageBoxes, file: str, page: Optional[int]) -> list[list[float]]:
    """The boxes of this page to draw flat before anything of it is shown masked: the private
    fields' own regions (a reviewer's correction may point elsewhere than a read line) and every
    line where an ID number was read (`read`, the dossier's `id_lines`). An image file's first
    frame is cited as page 1 by some sources and without a page by others: both are that one
    picture, and get the same boxes."""
    here = (file, _frame(page))
    boxes = []
    for key in PRIVATE_FIELDS:
        src = ((line.get("fields", {}).get(key) or {}).get("source")) or {}
        if src.get("bbox") and (src.get("file"), _frame(src.get("page"))) == here:
            boxes.append([float(v) for v in src["bbox"]])
    for (read_file, read_page), found in read.items():
        if (read_file, _frame(read_page)) == here:
            boxes += [box for box in found if box not in boxes]
    return boxes


def _frame(page: Optional[int]) -> int:
    """A page as the picture it is drawn from: no page is the first (`crops.page_raster`)."""
    return page or 1


class IdRegions:
    """`id_lines_of` by dossier, computed once per state of the run's judging record (the station
    draws many pictures of one dossier)."""

    def __init__(self, keep: int = 64) -> None:
        self._known: OrderedDict[tuple, PageBoxes] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def of(self, out_dir: Path, dossier_id: str) -> PageBoxes:
        path = record_path(Path(out_dir))
        try:
            st = path.stat()
        except OSError:
            raise ReadingsMissing(_MISSING) from None
        key = (str(out_dir), dossier_id, st.st_mtime_ns, st.st_size)
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
        found = id_lines_of(Path(out_dir), run_record(Path(out_dir)), dossier_id)
        with self._lock:
            self._known[key] = found
            while len(self._known) > self._keep:
                self._known.popitem(last=False)
        return found
