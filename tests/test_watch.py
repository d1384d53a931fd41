"""The inbox (`dossier watch`): a batch is taken only once complete, a bad one is moved aside
with its reason and the next is still processed, and every batch is a run of the served
deployment. Real flows against a real (temporary) Prefect API; DOCX batches only, no OCR."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from fixtures.generate import generate_batch
from flows.inbox import REASON_SUFFIX, Inbox, SettleTracker


@pytest.fixture(scope="module")
def prefect_api():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="module")
def source_batch(tmp_path_factory) -> Path:
    batch = tmp_path_factory.mktemp("src") / "q3-docx"
    generate_batch(batch, n=2, seed=5, forms=("docx",))
    return batch


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_batch_is_settled_only_after_it_stopped_changing(tmp_path: Path) -> None:
    box = Inbox(tmp_path / "inbox")
    batch = box.root / "b1"
    (batch / "A0001").mkdir(parents=True)
    part = batch / "A0001" / "form.pdf"
    part.write_bytes(b"x" * 10)
    clock = Clock()
    tracker = SettleTracker(settle=5, clock=clock)

    assert tracker.look(box.candidates()) == ([], [batch])  # first seen
    clock.now = 4
    with part.open("ab") as fh:
        fh.write(b"y" * 10)  # still being copied: growing
    assert tracker.look(box.candidates())[0] == []
    clock.now = 8  # 4 s unchanged
    (batch / "A0002").mkdir()  # a new dossier folder appears
    assert tracker.look(box.candidates())[0] == []
    clock.now = 12.9
    assert tracker.look(box.candidates())[0] == []
    clock.now = 13
    assert tracker.look(box.candidates())[0] == [batch]


def test_only_folders_and_zips_are_batches(tmp_path: Path) -> None:
    box = Inbox(tmp_path / "inbox")
    for name in ("b.zip", "notes.txt", ".b2.zip.partial", "~tmp.zip"):
        (box.root / name).write_bytes(b"PK")
    (box.root / "folder").mkdir()
    assert [e.name for e in box.candidates()] == ["b.zip", "folder"]  # done/, failed/, processing/ are ours


def test_a_failed_batch_gets_its_reason_and_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    box = Inbox(tmp_path / "inbox")
    for _ in range(2):
        (box.root / "b.zip").write_bytes(b"junk")
        box.failed(box.claim(box.root / "b.zip"), "压缩包已损坏")
    failed = sorted(p.name for p in (box.root / "failed").iterdir())
    zips = [n for n in failed if n.endswith(".zip")]
    assert len(zips) == 2 and "b.zip" in zips
    for name in zips:
        assert "原因：压缩包已损坏" in (box.root / "failed" / (name + REASON_SUFFIX)).read_text(encoding="utf-8")


def _copy_slowly(src: Path, dest: Path, pause: float, holding: threading.Event, release: threading.Event) -> None:
    """Copy a batch file by file, each in a few pieces, as a slow network copy would. The last
    file's last piece waits for `release`: until then that file is written again from its start,
    piece by piece, so the copy keeps changing for as long as the test needs, however fast or
    slow the machine is. `holding` is set once the copy is in that state."""
    files = [p for p in sorted(src.rglob("*")) if p.is_file()]
    for i, path in enumerate(files):
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
        step = max(1, len(data) // 3)
        held = i == len(files) - 1
        while True:
            with target.open("wb") as fh:
                for start in range(0, len(data), step):
                    if held and start + step >= len(data) and not release.is_set():
                        holding.set()
                        break  # the last piece waits: written again from the start
                    fh.write(data[start : start + step])
                    fh.flush()
                    time.sleep(pause)
                else:
                    break  # written whole


def _watch_once(inbox: Path, out: Path, settle: float, lines: list[str]):
    from flows.watch import WatchOptions, watch

    return watch(WatchOptions(inbox=inbox, out_root=out, settle=settle, poll=0.5, once=True, workers=1), lines.append)


def test_a_batch_copied_in_slowly_is_taken_only_when_complete(prefect_api, source_batch: Path, tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    holding, release = threading.Event(), threading.Event()
    copying = threading.Thread(target=_copy_slowly, args=(source_batch, inbox / "q3-docx", 0.1, holding, release), daemon=True)
    copying.start()
    assert holding.wait(120), "the copy never reached its last file"
    lines: list[str] = []
    try:
        report = _watch_once(inbox, out, settle=2.0, lines=lines)
        assert copying.is_alive(), "the copy is held until released: it cannot have ended"
    finally:
        release.set()
        copying.join()
    assert report.done == [] and (inbox / "q3-docx").is_dir() and not out.exists()
    assert any("仍在复制" in line for line in lines), lines

    report = _watch_once(inbox, out, settle=1.0, lines=lines)
    assert report.done == ["q3-docx"]
    assert (inbox / "done" / "q3-docx" / "batch.yaml").is_file() and not (inbox / "q3-docx").exists()
    results = (out / "q3-docx" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(results) == 2 and '"status": "error"' not in "".join(results)


def test_a_bad_zip_is_moved_aside_and_the_next_batch_is_processed_by_the_deployment(
    prefect_api, source_batch: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.watch import deployment_name

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "a-broken.zip").write_bytes(b"this is not a zip archive")
    shutil.copytree(source_batch, inbox / "q3-docx")
    lines: list[str] = []
    report = _watch_once(inbox, out, settle=0.5, lines=lines)

    assert report.failed == ["a-broken.zip"] and report.done == ["q3-docx"]
    reason = (inbox / "failed" / ("a-broken.zip" + REASON_SUFFIX)).read_text(encoding="utf-8")
    assert "压缩包已损坏" in reason
    assert (inbox / "failed" / "a-broken.zip").is_file() and (inbox / "done" / "q3-docx").is_dir()
    assert list((inbox / "processing").iterdir()) == []
    assert (out / "q3-docx" / "results.jsonl").is_file()
    assert any("a-broken.zip 处理失败" in line and "压缩包已损坏" in line for line in lines), lines

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(f"dossier-inbox/{deployment_name(inbox)}")
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])))
    states = {run.name: run.state.type.value for run in runs}
    assert states["inbox-a-broken.zip"] == "FAILED" and states["inbox-q3-docx"] == "COMPLETED"


def test_a_batch_left_in_processing_is_put_back(prefect_api, tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox")
    (inbox.root / "processing" / "q9").mkdir()
    lines: list[str] = []
    _watch_once(inbox.root, tmp_path / "out", settle=0.0, lines=lines)
    # Put back, then (an empty folder holds no dossier) taken again and moved aside with the reason.
    assert any("已放回收件箱" in line for line in lines), lines
    assert (inbox.root / "failed" / "q9").is_dir() and (inbox.root / "failed" / ("q9" + REASON_SUFFIX)).is_file()


def test_watch_refuses_a_missing_inbox(tmp_path: Path) -> None:
    from tests.conftest import run_dossier

    proc = run_dossier("watch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--once", check=False)
    assert proc.returncode == 2 and "收件箱" in proc.stderr
