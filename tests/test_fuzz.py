"""Fuzz smoke test of the file entry point: mutated copies of generated PDFs and DOCX files.

`extractors.readers.read_file` runs in a forked child with a time limit: what
`read_file_isolated` does in production, but without its catch-all, so a library exception that
escapes a reader is seen for what it is. Each case is a generated fixture file damaged the way
uploads and hostile senders damage files (bytes flipped, cut short, chunks repeated or dropped,
PDF numbers set to extremes, DOCX zip entries corrupted, dropped or replaced with an XML bomb). Every case must end as pages or a
`FileRejected` with a message a clerk can read; never another exception, a hang, a child killed
by a signal, or a silent empty read.

Seeded and bounded: the mutations are a pure function of the seed and the case number; the
run stops at the time budget, but never before MIN_CASES cases, so what is tested does not
depend on the machine's speed. Reproduce one failure with DOSSIER_FUZZ_SEED and the case number
printed in the failure.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from dossierflow.config import Limits
from dossierflow.errors import FileRejected
from extractors.readers import read_file

SEED = int(os.environ.get("DOSSIER_FUZZ_SEED", "20200618"))
BUDGET_S = float(os.environ.get("DOSSIER_FUZZ_SECONDS", "30"))  # per format
MIN_CASES = int(os.environ.get("DOSSIER_FUZZ_MIN_CASES", "24"))
MAX_CASES = 400
# Small enough that a mutant that lost its text layer is OCRed quickly; a one- or two-page file
# that needs more than FILE_TIMEOUT_S is a hang, not slowness.
LIMITS = replace(Limits(), file_timeout_s=30.0, ocr_dpi=72, max_pages_per_file=4, file_memory_bytes=2 * 1024**3)

_CJK = re.compile(r"[\u4e00-\u9fff]")
Mutator = Callable[[bytes, random.Random], tuple[bytes, str]]


# ---------------------------------------------------------------------------------------------
# Byte-level mutations (any format)
# ---------------------------------------------------------------------------------------------


def flip_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    n = rng.choice((1, 2, 8, 32, 128))
    for _ in range(n):
        i = rng.randrange(len(buf))
        buf[i] ^= rng.randrange(1, 256)
    return bytes(buf), f"flip {n} bytes"


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    # Bias towards the tail, where PDFs keep their xref and zips their central directory.
    cut = rng.choice((rng.randrange(1, len(data)), len(data) - rng.randrange(1, min(2048, len(data)))))
    return data[:cut], f"truncate at {cut}/{len(data)}"


def duplicate_chunk(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    size = rng.choice((16, 512, 4096, len(data) // 3 or 1))
    src = rng.randrange(max(1, len(data) - size))
    dst = rng.randrange(len(data))
    chunk = data[src : src + size] * rng.choice((1, 1, 4))
    return data[:dst] + chunk + data[dst:], f"duplicate {len(chunk)} bytes from {src} at {dst}"


def drop_chunk(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    size = rng.choice((1, 64, 1024, 8192))
    at = rng.randrange(max(1, len(data) - size))
    return data[:at] + data[at + size :], f"drop {size} bytes at {at}"


# ---------------------------------------------------------------------------------------------
# PDF structure: numbers that size or locate things, set to values no honest writer uses.
# ---------------------------------------------------------------------------------------------

_PDF_KEYS = (b"/Length", b"/Count", b"/Width", b"/Height", b"/BitsPerComponent", b"/Size", b"/W",
             b"/MediaBox", b"/Rotate", b"/First", b"/N", b"/Columns", b"/Predictor", b"/DecodeParms")
_EXTREMES = (b"0", b"-1", b"2147483648", b"99999999999", b"1e308", b"-0", b"3.5", b"65535")


def pdf_extreme_number(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    key = rng.choice(_PDF_KEYS)
    spots = [m.start(1) for m in re.finditer(re.escape(key) + rb"\s*\[?\s*(-?\d+(?:\.\d+)?)", data)]
    if not spots:
        return flip_bytes(data, rng)
    at = rng.choice(spots)
    end = re.match(rb"-?\d+(?:\.\d+)?", data[at:]).end()  # type: ignore[union-attr]
    value = rng.choice(_EXTREMES)
    return data[:at] + value + data[at + end :], f"{key.decode()} := {value.decode()} at {at}"


def pdf_break_keyword(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    word = rng.choice((b"endstream", b"endobj", b"xref", b"trailer", b"startxref", b"stream", b"obj"))
    spots = [m.start() for m in re.finditer(word, data)]
    if not spots:
        return truncate(data, rng)
    at = rng.choice(spots)
    return data[:at] + b"XX" + data[at + len(word) :], f"break {word.decode()} at {at}"


# ---------------------------------------------------------------------------------------------
# DOCX: a valid zip whose parts are damaged, so the XML and OPC layers are what gets tested.
# ---------------------------------------------------------------------------------------------

_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>"
)
_EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)
_DEEP = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' + (
    b"<w:tbl><w:tr><w:tc>" * 3000
) + b"</w:body></w:document>"


def _rezip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in entries:
            zf.writestr(name, body)
    return out.getvalue()


def docx_entry(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = [(i.filename, zf.read(i)) for i in zf.infolist()]
    xml = [k for k, (name, _) in enumerate(entries) if name.endswith((".xml", ".rels"))] or list(range(len(entries)))
    k = rng.choice(xml)
    name, body = entries[k]
    action = rng.choice(("flip", "truncate", "drop", "bomb", "external", "deep", "garbage", "empty"))
    if action == "flip":
        body, _ = flip_bytes(body, rng)
    elif action == "truncate":
        body = body[: rng.randrange(len(body) or 1)]
    elif action == "drop":
        return _rezip(entries[:k] + entries[k + 1 :]), f"drop entry {name}"
    elif action == "bomb":
        body = _BOMB
    elif action == "external":
        body = _EXTERNAL
    elif action == "deep":
        body = _DEEP
    elif action == "garbage":
        body = bytes(rng.randrange(256) for _ in range(rng.choice((10, 1000))))
    else:
        body = b""
    entries[k] = (name, body)
    return _rezip(entries), f"{action} entry {name}"


PDF_MUTATORS: tuple[Mutator, ...] = (flip_bytes, truncate, duplicate_chunk, drop_chunk, pdf_extreme_number,
                                     pdf_extreme_number, pdf_break_keyword)
DOCX_MUTATORS: tuple[Mutator, ...] = (flip_bytes, truncate, duplicate_chunk, drop_chunk, docx_entry, docx_entry,
                                      docx_entry)


# ---------------------------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    cases: int = 0
    read: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    crashed: list[str] = field(default_factory=list)  # died without answering (also in failures)
    failures: list[str] = field(default_factory=list)


# forkserver, not fork: by the time this runs, earlier tests (Dask, Prefect) have left threads in
# the pytest process, and a plain fork can copy a lock one of them holds and hang the child.
_FORK = mp.get_context("forkserver")


def _child(conn: Connection, path: str) -> None:
    """`read_file` itself, not the isolating wrapper: the wrapper turns any exception into
    CorruptFile, which would hide a reader that lets a library's exception escape."""
    os.setpgrp()
    resource.setrlimit(resource.RLIMIT_AS, (LIMITS.file_memory_bytes, LIMITS.file_memory_bytes))
    # As in production's child: a forked OpenCV must not touch the thread pool it inherited.
    import cv2

    cv2.setNumThreads(1)
    try:
        read = read_file(Path(path), Path(path).name, LIMITS)
        conn.send(("ok", len(read.pages)))
    except FileRejected as exc:
        conn.send(("rejected", type(exc).__name__, str(exc)))
    except MemoryError:
        conn.send(("rejected", "MemoryError", "内存超过上限"))  # read_file_isolated maps this to LimitExceeded
    except BaseException as exc:  # noqa: BLE001 - exactly what this test looks for
        conn.send(("uncaught", type(exc).__name__, str(exc)[:300]))
    finally:
        conn.close()


def _run_isolated(path: Path) -> tuple:
    """The child's answer: ("ok", pages) | ("rejected", class, message) | ("uncaught", class,
    message) | ("hang",) when it had to be killed | ("signal", exit code) when it died."""
    parent, child = _FORK.Pipe(duplex=False)
    proc = _FORK.Process(target=_child, args=(child, str(path)))
    proc.start()
    child.close()
    answer = None
    if parent.poll(LIMITS.file_timeout_s):
        try:
            answer = parent.recv()
        except EOFError:  # died before answering
            pass
    parent.close()
    proc.join(1)
    if proc.is_alive():
        os.killpg(proc.pid, signal.SIGKILL)
        proc.join(5)
        return ("hang",)
    if answer is None:
        return ("signal", proc.exitcode)
    return answer


def _check_one(path: Path, label: str, tally: Tally) -> None:
    answer = _run_isolated(path)
    kind = answer[0]
    if kind == "ok":
        tally.read += 1
        if answer[1] == 0:
            tally.failures.append(f"{label}: read without pages and without a rejection (silent drop)")
    elif kind == "rejected":
        _, name, message = answer
        tally.rejected[name] = tally.rejected.get(name, 0) + 1
        if not message.strip():
            tally.failures.append(f"{label}: {name} without a message")
        elif not _CJK.search(message):
            tally.failures.append(f"{label}: {name} message is not Chinese: {message}")
    elif kind == "uncaught":
        tally.failures.append(f"{label}: read_file raised {answer[1]} instead of FileRejected: {answer[2]}")
    elif kind == "hang":
        tally.failures.append(f"{label}: no answer within {LIMITS.file_timeout_s:g} s (hang)")
    else:
        # A reader killed by a signal (a segfault in a native library, the kernel's OOM killer)
        # is a defect even though production's isolation turns it into a rejection: the file is
        # lost with a message about the crash, not about the file.
        died = f"{label}: child died with exit code {answer[1]}{_signal_name(answer[1])}"
        tally.crashed.append(died)
        tally.failures.append(died)


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None or exitcode >= 0:
        return ""
    try:
        return f" (killed by {signal.Signals(-exitcode).name})"
    except ValueError:
        return f" (killed by signal {-exitcode})"


def _fuzz(originals: list[Path], mutators: tuple[Mutator, ...], work: Path, tag: str) -> Tally:
    tally = Tally()
    blobs = [(p, p.read_bytes()) for p in originals]
    deadline = time.monotonic() + BUDGET_S
    for case in range(MAX_CASES):
        if case >= MIN_CASES and time.monotonic() > deadline:
            break
        rng = random.Random(f"{SEED}-{tag}-{case}")
        src, data = rng.choice(blobs)
        mutate = rng.choice(mutators)
        mutant, what = mutate(data, rng)
        target = work / f"{tag}-{case:04d}{src.suffix}"
        target.write_bytes(mutant)
        _check_one(target, f"case {case} ({src.name}, {mutate.__name__}: {what}, seed {SEED})", tally)
        target.unlink()
        tally.cases += 1
    return tally


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    from fixtures.generate import generate_batch

    root = tmp_path_factory.mktemp("fuzz-src") / "batch"
    generate_batch(root, n=2, seed=7, forms=("docx", "text_pdf"), damage="clean", batch_yaml=False)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    by_kind = {
        "pdf": [p for p in files if p.suffix == ".pdf"],
        "docx": [p for p in files if p.suffix == ".docx"],
    }
    # Fewer, smaller seeds keep each case fast; variety comes from the mutations.
    return {k: sorted(v, key=lambda p: p.stat().st_size)[:4] for k, v in by_kind.items()}


def _report(tally: Tally, tag: str) -> str:
    return (f"{tag}: {tally.cases} cases, {tally.read} read, rejected {tally.rejected}, "
            f"{len(tally.crashed)} killed by a signal; {len(tally.failures)} failures:\n"
            + "\n".join(tally.failures[:20]))


@pytest.mark.timeout(int(BUDGET_S + 300))
def test_fuzz_pdf(originals: dict[str, list[Path]], tmp_path: Path) -> None:
    assert originals["pdf"], "the generator made no PDF"
    for p in originals["pdf"]:  # the unmutated seeds must read, or the mutants test nothing
        answer = _run_isolated(p)
        assert answer[0] == "ok" and answer[1] > 0, (p.name, answer)
    tally = _fuzz(originals["pdf"], PDF_MUTATORS, tmp_path, "pdf")
    print(_report(tally, "pdf"))
    assert tally.cases >= MIN_CASES
    if tally.failures:
        pytest.fail(_report(tally, "pdf"), pytrace=False)


@pytest.mark.timeout(int(BUDGET_S + 300))
def test_fuzz_docx(originals: dict[str, list[Path]], tmp_path: Path) -> None:
    assert originals["docx"], "the generator made no DOCX"
    for p in originals["docx"]:
        answer = _run_isolated(p)
        assert answer[0] == "ok" and answer[1] > 0, (p.name, answer)
    tally = _fuzz(originals["docx"], DOCX_MUTATORS, tmp_path, "docx")
    print(_report(tally, "docx"))
    assert tally.cases >= MIN_CASES
    if tally.failures:
        pytest.fail(_report(tally, "docx"), pytrace=False)


ZIP_CASES = int(os.environ.get("DOSSIER_FUZZ_ZIP_CASES", "300"))


@pytest.mark.timeout(600)
def test_fuzz_dossier_zip_listing(originals: dict[str, list[Path]], tmp_path: Path) -> None:
    """A damaged dossier zip at the batch root must become that dossier's error (or a problem
    note), never an exception out of `open_batch`, which would stop the whole batch; a damaged
    batch zip is `BatchInvalid`. Cheap: ingest only lists and inflates, so many cases fit in
    seconds."""
    from dossierflow.errors import BatchInvalid
    from dossierflow.ingest import open_batch

    members = originals["pdf"][:2] + originals["docx"][:2]
    clean = io.BytesIO()
    with zipfile.ZipFile(clean, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in members:
            zf.write(p, f"D/{p.name}")
    data = clean.getvalue()
    limits = replace(LIMITS, max_zip_entry_bytes=4 * 1024 * 1024)
    failures: list[str] = []
    outcomes = {"error": 0, "files": 0}
    for case in range(ZIP_CASES):
        rng = random.Random(f"{SEED}-zip-{case}")
        mutate = rng.choice((flip_bytes, flip_bytes, truncate, duplicate_chunk, drop_chunk, docx_entry))
        mutant, what = mutate(data, rng)
        root = tmp_path / f"batch{case}"
        root.mkdir()
        (root / "D.zip").write_bytes(mutant)
        label = f"case {case} ({mutate.__name__}: {what}, seed {SEED})"
        try:
            batch = open_batch(root, tmp_path / f"work{case}", limits)
        except Exception as exc:  # noqa: BLE001 - exactly what this test looks for
            failures.append(f"{label}: open_batch raised {type(exc).__name__}: {exc}")
            continue
        finally:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(tmp_path / f"work{case}", ignore_errors=True)
        # The same bytes as the batch itself: unreadable is BatchInvalid (exit 3, a message), and
        # nothing else may escape.
        as_batch = tmp_path / f"batch{case}.zip"
        as_batch.write_bytes(mutant)
        try:
            open_batch(as_batch, tmp_path / f"bwork{case}", limits)
        except BatchInvalid as exc:
            if not _CJK.search(str(exc)):
                failures.append(f"{label}: BatchInvalid without a Chinese reason: {exc}")
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{label}: open_batch(batch zip) raised {type(exc).__name__}: {exc}")
        finally:
            as_batch.unlink()
            shutil.rmtree(tmp_path / f"bwork{case}", ignore_errors=True)
        if [d.dossier_id for d in batch.dossiers] != ["D"]:
            failures.append(f"{label}: dossiers {[d.dossier_id for d in batch.dossiers]}")
            continue
        d = batch.dossiers[0]
        if d.error:
            outcomes["error"] += 1
            if not _CJK.search(d.error):
                failures.append(f"{label}: error without a Chinese reason: {d.error}")
        else:
            outcomes["files"] += 1
            failures += [f"{label}: problem not in Chinese: {p}" for p in d.problems if not _CJK.search(p)]
    print(f"zip: {ZIP_CASES} cases, {outcomes}")
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures[:20]), pytrace=False)


def test_mutators_change_their_input() -> None:
    """A mutator that returned its input unchanged would make the fuzz run a no-op."""
    rng = random.Random(1)
    data = bytes(range(256)) * 40
    for mutate in (flip_bytes, truncate, duplicate_chunk, drop_chunk):
        for _ in range(20):
            assert mutate(data, rng)[0] != data, mutate.__name__
    docx = _rezip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
    for _ in range(20):
        assert docx_entry(docx, rng)[0] != docx
    pdf = b"%PDF-1.4\n1 0 obj<</Length 12/Count 3>>stream\nxxxxxxxxxxxx\nendstream endobj\nxref\ntrailer\n%%EOF"
    for _ in range(20):
        assert pdf_extreme_number(pdf, rng)[0] != pdf
        assert pdf_break_keyword(pdf, rng)[0] != pdf
