"""Reading in parallel: a thick PDF in page parts gives what reading it whole gives, files keep
their order, a failing part rejects its file only, and core slots cap the children."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile
from dossierflow.ingest import DossierInput, InputFile, sha256_file
from extractors import dossier as dossier_mod
from extractors.dossier import in_process_reader, isolated_reader, read_files
from extractors.readers import read_file, slots
from tests.test_readers import text_pdf

LIMITS = Limits()


def _input(tmp_path: Path, *paths: Path) -> DossierInput:
    files = [InputFile(rel=f"A1/{p.name}", path=p, sha256=sha256_file(p), size=p.stat().st_size) for p in paths]
    return DossierInput(dossier_id="A1", entry="A1", files=files)


def _page_keys(pages) -> list[tuple[str, int | None, str]]:
    return [(p.file, p.page, p.text()) for p in pages]


@pytest.mark.parametrize("reader", [in_process_reader, isolated_reader])
def test_pdf_read_in_parts_equals_read_whole(tmp_path: Path, reader) -> None:
    booklet = text_pdf(tmp_path / "booklet.pdf", pages=2 * dossier_mod.PDF_PART_PAGES + 1)
    form = text_pdf(tmp_path / "form.pdf")
    infos, pages, problems = read_files(_input(tmp_path, booklet, form), LIMITS, reader)
    whole = read_file(booklet, "A1/booklet.pdf", LIMITS)
    assert not problems
    assert [i.path for i in infos] == ["A1/booklet.pdf", "A1/form.pdf"]
    assert infos[0].pages == whole.info.pages == 2 * dossier_mod.PDF_PART_PAGES + 1
    assert infos[0].text_layer_pages == whole.info.text_layer_pages == whole.info.pages
    assert _page_keys(pages[: whole.info.pages]) == _page_keys(whole.pages)
    assert [p.page for p in pages] == [*range(1, whole.info.pages + 1), 1]


def test_a_failing_part_rejects_its_file_only(tmp_path: Path) -> None:
    booklet = text_pdf(tmp_path / "booklet.pdf", pages=dossier_mod.PDF_PART_PAGES + 2)
    form = text_pdf(tmp_path / "form.pdf")

    def reader(f, limits, pages=None):
        if pages and pages[0] > 0:
            raise CorruptFile("第 4 页无法渲染")
        return in_process_reader(f, limits, pages)

    infos, pages, problems = read_files(_input(tmp_path, booklet, form), LIMITS, reader)
    assert infos[0].error == "第 4 页无法渲染" and infos[1].error is None
    assert problems == ["A1/booklet.pdf：第 4 页无法渲染"]
    assert {p.file for p in pages} == {"A1/form.pdf"}


def test_core_slots_cap_concurrency() -> None:
    slots.configure(2)
    try:
        running, peak, lock = 0, 0, threading.Lock()

        def work() -> None:
            nonlocal running, peak
            with slots.core_slot():
                with lock:
                    running += 1
                    peak = max(peak, running)
                time.sleep(0.05)
                with lock:
                    running -= 1

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert peak == 2
    finally:
        slots.configure(None)


def test_forkserver_preload_leaves_no_heavy_import_to_each_child(tmp_path: Path) -> None:
    """Each file is read in a child forked from the preloaded server: whatever the child still has
    to import, it imports again for every file. Scipy (via imagehash), Pillow's plugins and numpy's
    submodules took 0.1-0.3 s per child before they were preloaded."""
    import json
    import subprocess
    import sys

    from extractors.readers.samples import render_form

    scan = tmp_path / "scan_0001.png"
    render_form(200).image.save(scan, dpi=(200, 200))
    pdf = text_pdf(tmp_path / "form.pdf")
    code = (
        "import json, sys\n"
        "import extractors.readers.preload\n"
        "from pathlib import Path\n"
        "from dossierflow.config import Limits\n"
        "from extractors.readers import read_file\n"
        "before = set(sys.modules)\n"
        f"for p in {[str(scan), str(pdf)]!r}:\n"
        "    read_file(Path(p), 'A1/' + Path(p).name, Limits())\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    imported = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in imported if m.split(".")[0] in {"scipy", "numpy", "PIL", "cv2", "pdfplumber", "pypdf", "pypdfium2", "imagehash", "onnxruntime", "tesserocr"}]
    assert heavy == [], heavy


_MAIN_SCRIPT = """
import sys
from pathlib import Path

if __name__ == "__main__":
    from dossierflow.config import Limits
    from extractors.readers.isolate import read_file_isolated

    read = read_file_isolated(Path(sys.argv[1]), "A1/form.pdf", Limits())
    print("PAGES", len(read.pages), flush=True)
else:  # multiprocessing's main-module fix-up runs the script again under this name
    Path(__file__).with_suffix(".rerun").touch()
"""


def test_reading_workers_do_not_rerun_the_main_script(tmp_path: Path) -> None:
    """A forkserver child re-runs its parent's main script before its target (for `dossier run`
    the whole CLI: about 1 s of CPU per worker); a reading worker needs nothing from it."""
    import os
    import subprocess
    import sys

    script = tmp_path / "entry.py"
    script.write_text(_MAIN_SCRIPT, encoding="utf-8")
    pdf = text_pdf(tmp_path / "form.pdf")
    root = str(Path(__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, str(script), str(pdf)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": root}, cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "PAGES 1" in out.stdout
    assert not script.with_suffix(".rerun").exists()
