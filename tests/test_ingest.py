"""Listing a batch: every root entry becomes a dossier or a reported skip, zips opened safely."""

from __future__ import annotations

import gc
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Callable, TypeVar

import pytest

from dossierflow.config import Limits
from dossierflow.errors import BatchInvalid, BatchNotFound
from dossierflow.ingest import InputFile, open_batch, sha256_file

T = TypeVar("T")


def _batch(tmp_path: Path) -> Path:
    root = tmp_path / "batch"
    (root / "A0001").mkdir(parents=True)
    (root / "A0001" / "scan_0001.pdf").write_bytes(b"%PDF-1.4 one")
    (root / "A0001" / "新建文档.docx").write_bytes(b"PK docx-ish")
    (root / "A0002.pdf").write_bytes(b"%PDF-1.4 bound")
    inner = tmp_path / "A0003"
    inner.mkdir()
    (inner / "IMG_2231.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    with zipfile.ZipFile(root / "A0003.zip", "w") as zf:
        zf.write(inner / "IMG_2231.jpg", "A0003/IMG_2231.jpg")
    (root / "Thumbs.db").write_bytes(b"junk")
    (root / "说明.txt").write_text("stray", encoding="utf-8")
    (root / "batch.yaml").write_text("unit: 包头市昆都仑区教育局\nsubmitted_on: 2020-06-18\n", encoding="utf-8")
    return root


def test_each_root_entry_is_a_dossier_or_a_reported_skip(tmp_path: Path) -> None:
    b = open_batch(_batch(tmp_path), tmp_path / "work", Limits())
    assert [d.dossier_id for d in b.dossiers] == ["A0001", "A0002", "A0003"]
    assert b.batch_id == "batch"
    assert b.info.unit == "包头市昆都仑区教育局" and b.info.has_yaml
    assert {name for name, _ in b.skipped} == {"Thumbs.db", "说明.txt"}
    a1 = b.dossiers[0]
    assert sorted(f.rel for f in a1.files) == ["A0001/scan_0001.pdf", "A0001/新建文档.docx"]
    assert all(len(f.sha256) == 64 for f in a1.files)
    a3 = b.dossiers[2]
    assert [f.rel for f in a3.files] == ["A0003.zip/IMG_2231.jpg"]
    assert a3.files[0].path.read_bytes().startswith(b"\xff\xd8")


def test_content_key_follows_bytes_not_paths_or_runs(tmp_path: Path) -> None:
    root = _batch(tmp_path)
    k1 = open_batch(root, tmp_path / "w1", Limits()).dossiers[0].content_key("v1")
    k2 = open_batch(root, tmp_path / "w2", Limits()).dossiers[0].content_key("v1")
    assert k1 == k2
    (root / "A0001" / "scan_0001.pdf").write_bytes(b"%PDF-1.4 changed")
    k3 = open_batch(root, tmp_path / "w3", Limits()).dossiers[0].content_key("v1")
    assert k3 != k1
    assert open_batch(root, tmp_path / "w4", Limits()).dossiers[0].content_key("v2") != k3


def test_zip_batch_is_listed_like_a_folder(tmp_path: Path) -> None:
    root = _batch(tmp_path)
    archive = tmp_path / "2020-kundulun.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in root.rglob("*"):
            if p.is_file():
                zf.write(p, "2020-kundulun/" + p.relative_to(root).as_posix())
    b = open_batch(archive, tmp_path / "work", Limits())
    assert [d.dossier_id for d in b.dossiers] == ["A0001", "A0002", "A0003"]
    assert b.batch_id == "2020-kundulun"


def test_empty_folder_and_empty_pdf_are_errors_not_drops(tmp_path: Path) -> None:
    root = tmp_path / "b"
    (root / "E1").mkdir(parents=True)
    (root / "E2.pdf").write_bytes(b"")
    b = open_batch(root, tmp_path / "work", Limits())
    assert [(d.dossier_id, bool(d.error)) for d in b.dossiers] == [("E1", True), ("E2", True)]
    assert "空" in b.dossiers[0].error and "0 字节" in b.dossiers[1].error


def test_zip_bomb_and_traversal_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    with zipfile.ZipFile(root / "BOMB.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("BOMB/big.pdf", b"\0" * 5_000_000)
    with zipfile.ZipFile(root / "EVIL.zip", "w") as zf:
        zf.writestr("../../escape.pdf", b"%PDF-1.4")
        zf.writestr("ok.pdf", b"%PDF-1.4 fine")
    b = open_batch(root, tmp_path / "work", Limits())
    bomb, evil = b.dossiers
    assert bomb.error and "压缩比" in bomb.error
    assert not evil.error and [f.rel for f in evil.files] == ["EVIL.zip/ok.pdf"]
    assert any("不安全" in p for p in evil.problems)
    assert not (tmp_path / "escape.pdf").exists() and not (tmp_path / "work" / "escape.pdf").exists()


def test_zip_entry_limits_have_settings(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    with zipfile.ZipFile(root / "MANY.zip", "w") as zf:
        for i in range(5):
            zf.writestr(f"p{i}.pdf", b"%PDF")
    b = open_batch(root, tmp_path / "work", replace(Limits(), max_zip_entries=3))
    assert "文件数 5 超过上限 3" in b.dossiers[0].error


def test_gbk_names_in_zips_are_decoded(tmp_path: Path) -> None:
    root = tmp_path / "b"
    root.mkdir()
    path = root / "G1.zip"
    gbk = "评审表.pdf".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".pdf"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(placeholder.decode(), b"%PDF-1.4")
    # What Windows archivers write: GBK bytes with no UTF-8 flag (Python itself never does).
    path.write_bytes(path.read_bytes().replace(placeholder, gbk))
    b = open_batch(root, tmp_path / "work", Limits())
    assert [f.rel for f in b.dossiers[0].files] == ["G1.zip/评审表.pdf"]


def test_missing_or_broken_batches_fail_the_run(tmp_path: Path) -> None:
    with pytest.raises(BatchNotFound):
        open_batch(tmp_path / "nope", tmp_path / "work", Limits())
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(BatchInvalid):
        open_batch(broken, tmp_path / "work", Limits())
    root = tmp_path / "b"
    root.mkdir()
    (root / "batch.yaml").write_text("posts: [{level: galactic, established: 1, vacant: 0}]", encoding="utf-8")
    with pytest.raises(BatchInvalid, match="galactic"):
        open_batch(root, tmp_path / "work", Limits())


def test_listed_files_keep_their_paths_hashes_and_pickle(tmp_path: Path) -> None:
    import pickle

    b = open_batch(_batch(tmp_path), tmp_path / "work", Limits())
    root = tmp_path / "batch"
    by_rel = {f.rel: f for d in b.dossiers for f in d.files}
    assert by_rel["A0001/新建文档.docx"].path == root / "A0001" / "新建文档.docx"
    assert by_rel["A0002.pdf"].path == root / "A0002.pdf"
    assert by_rel["A0003.zip/IMG_2231.jpg"].path == tmp_path / "work" / "unzipped" / "A0003" / "A0003" / "IMG_2231.jpg"
    for f in by_rel.values():
        assert isinstance(f.path, Path) and f.path.read_bytes()
        assert f.sha256 == sha256_file(f.path) and f.size == f.path.stat().st_size
        assert pickle.loads(pickle.dumps(f)) == f
    # Made by hand, a path that does not end in the file's name and a digest that is not one.
    odd = InputFile("A1/a.pdf", tmp_path / "elsewhere.bin", "not-a-digest", 3)
    assert odd.path == tmp_path / "elsewhere.bin" and odd.sha256 == "not-a-digest"


def _many_files(tmp_path: Path, dossiers: int = 60, per_dossier: int = 10) -> Path:
    root = tmp_path / "批次" / "batch"
    for i in range(dossiers):
        folder = root / f"A{i:04d}"
        folder.mkdir(parents=True)
        for j in range(per_dossier):
            (folder / f"新建 Microsoft Word 文档{j}.docx").write_bytes(b"PK" + bytes([i, j]) * 300)
    return root


def _held_bytes(make: Callable[[], T]) -> tuple[T, int]:
    """What `make` allocated and its result still holds (tracemalloc: allocations, not RSS)."""
    gc.collect()
    tracemalloc.start()
    try:
        made = make()
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return made, held


def test_the_listing_holds_each_file_in_a_few_hundred_bytes(tmp_path: Path) -> None:
    """The run keeps the batch's listing until its last report is written: what each listed file
    costs is paid for every file of a city's batch for the whole run."""
    root = _many_files(tmp_path)
    open_batch(root, tmp_path / "work", Limits())  # modules' first-use caches, not the listing's
    batch, held = _held_bytes(lambda: open_batch(root, tmp_path / "work", Limits()))
    files = sum(len(d.files) for d in batch.dossiers)
    assert files == 600
    # Each file's relative name, digest and size, and its share of its dossier's: about 370
    # bytes here. A `Path` per file and its hex digest held about 1,100 (longer paths, more).
    assert held / files < 450, held / files


def test_the_reports_find_files_in_the_listing_without_a_copy_per_file(tmp_path: Path) -> None:
    from dossierflow.output import ListedFiles

    batch = open_batch(_many_files(tmp_path), tmp_path / "work", Limits())
    files = [f for d in batch.dossiers for f in d.files]
    paths, held = _held_bytes(lambda: ListedFiles(batch, "path"))
    # A dict of every file's path, as the reports built it, held a `Path` per file (about 500
    # bytes each over a compact listing); the lookup holds one entry per dossier.
    assert held / len(files) < 60, held / len(files)
    assert len(paths) == len(files) and bool(paths)
    assert dict(paths) == {f.rel: f.path for f in files}
    assert dict(ListedFiles(batch, "sha256")) == {f.rel: f.sha256 for f in files}
    assert paths.get("A0001/nothing.docx") is None and paths.get("B9/x.pdf") is None
