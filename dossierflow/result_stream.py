"""A batch's results one at a time: written as result lines to a file in OUT as each dossier is
judged, and read back from it by the writers, so no step holds every dossier's result.

The file becomes `results.jsonl` when the outputs are written (`output.write_result_lines`):
until then a run that stops leaves the previous run's results in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from dossierflow.models import DossierResult
from dossierflow.results import result_line

if TYPE_CHECKING:
    from dossierflow.pipeline import BatchJudging, Brief, Judged

LINES_FILE = ".results.jsonl.part"


def line_text(line: dict) -> str:
    """One line of results.jsonl."""
    return json.dumps(line, ensure_ascii=False) + "\n"


class ResultStream:
    """The results of `judging`, made as they are iterated, and as many times (a database write
    that loses a race is tried again, and iterates them again). Each pass writes their lines to
    OUT's lines file, or, without `out`, keeps the results. `judged()` after a pass: what the
    writers need."""

    def __init__(self, judging: "BatchJudging", out: Optional[Path]):
        self.judging, self.out = judging, out
        self.briefs: list[Brief] = []
        self.kept: list[DossierResult] = []

    @property
    def lines_file(self) -> Optional[Path]:
        return self.out / LINES_FILE if self.out is not None else None

    def __iter__(self) -> Iterator[DossierResult]:
        from dossierflow.pipeline import brief_of

        self.briefs, self.kept = [], []
        if self.lines_file is None:
            for r in self.judging.results():
                self.briefs.append(brief_of(r))
                self.kept.append(r)
                yield r
            return
        self.lines_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lines_file, "w", encoding="utf-8") as fh:
            for r in self.judging.results():
                fh.write(line_text(result_line(r)))
                self.briefs.append(brief_of(r))
                yield r
            fh.flush()
            os.fsync(fh.fileno())

    def judged(self) -> "Judged":
        from dossierflow.pipeline import Judged

        j = self.judging
        return Judged(policy_year=j.policy_year, briefs=self.briefs, batch_findings=j.batch_findings, rulebook=j.rulebook,
                      rulebook_name=j.rulebook_name, results=self.kept, lines_file=self.lines_file)


class SpooledLines:
    """The result lines of a lines file, read afresh each time they are iterated."""

    def __init__(self, path: Path):
        self.path = path
        self._count: Optional[int] = None

    def __iter__(self) -> Iterator[dict]:
        with open(self.path, encoding="utf-8") as fh:
            for text in fh:
                if text.strip():
                    yield json.loads(text)

    def __len__(self) -> int:
        if self._count is None:
            with open(self.path, encoding="utf-8") as fh:
                self._count = sum(1 for text in fh if text.strip())
        return self._count
