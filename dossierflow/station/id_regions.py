"""Every place of a dossier's pages where an ID number was read, from the readings the run kept
(the extraction cache named by the judging record), so pictures shown to someone who reads ID
numbers masked draw them all flat: an ID-card copy, a certificate or a pledge quoting the number,
not only the region the `id_number` field was taken from."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

from dossierflow.cache import ExtractionCache
from dossierflow.errors import UsageError
from dossierflow.judging_record import JudgingRecord, record_path
from dossierflow.privacy import holds_id_number

# (file, page) → boxes on that page whose reading holds an ID number
PageBoxes = dict[tuple[str, Optional[int]], list[list[float]]]


class ReadingsMissing(Exception):
    """The run's readings of the dossier are gone (no judging record, or its cache entry): where
    ID numbers are on its pages is unknown. The message is Chinese."""


class IdRegions:
    """The regions by dossier, computed once per state of the run's judging record."""

    def __init__(self, keep: int = 64) -> None:
        self._known: OrderedDict[tuple, PageBoxes] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def boxes(self, out_dir: Path, dossier_id: str, file: str, page: Optional[int]) -> list[list[float]]:
        return list(self._of(Path(out_dir), dossier_id).get((file, page), []))

    def _of(self, out_dir: Path, dossier_id: str) -> PageBoxes:
        path = record_path(out_dir)
        try:
            st = path.stat()
        except OSError:
            raise ReadingsMissing(_MISSING) from None
        key = (str(out_dir), dossier_id, st.st_mtime_ns, st.st_size)
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
                return self._known[key]
        found = _read_regions(out_dir, dossier_id)
        with self._lock:
            self._known[key] = found
            while len(self._known) > self._keep:
                self._known.popitem(last=False)
        return found


_MISSING = "该批次的读取结果已不在输出文件夹中，无法确定页面上身份证号的位置，图像不予显示：请管理员对该批次重新运行 dossier run"


def _read_regions(out_dir: Path, dossier_id: str) -> PageBoxes:
    try:
        record = JudgingRecord.load(out_dir)
    except UsageError:
        raise ReadingsMissing(_MISSING) from None
    entry = next((d for d in record.dossiers if d.dossier_id == dossier_id), None)
    if entry is None or entry.key is None:  # ended in an error: nothing of it was read
        return {}
    extraction = ExtractionCache(out_dir).get(entry.key)
    if extraction is None:
        raise ReadingsMissing(_MISSING)
    found: PageBoxes = {}
    for page in extraction.pages:
        if page.coords != "pt":  # a Word file's cells: no picture is drawn of them
            continue
        where = page.source()
        for seg in page.segments:
            if holds_id_number(seg.text):
                found.setdefault((where.file, where.page), []).append([float(v) for v in seg.box])
    return found
