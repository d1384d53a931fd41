"""A whole batch of hostile and broken input through the real `dossier run` command.

Every odd file other projects keep for their own robustness tests becomes a dossier of its own
(but the scans whose only cost is OCR, read one by one in tests/test_bad_inputs.py), next to
hand-made hostile entries and good generated dossiers. Whole entries: a corrupt zip, a
zip bomb, an empty folder, a zero-byte PDF, a folder and a PDF sharing a name, a stray Thumbs.db.
Single files inside otherwise good dossiers: a DOCX with an entity bomb, a DOCX of 30 000
paragraphs, a PDF with JavaScript and a launch action, a truncated JPEG, a PNG claiming
100000×100000 pixels, a file over the size limit, a symlink, a zip member escaping with `../`,
a zip member whose deflate stream is damaged. The run must
finish with exit 0, list every dossier exactly once, give each bad one an `error` line or a
`returned` status with a Chinese message naming the problem, and leave the good ones as they
would be alone.

Limits are lowered through the environment (`DOSSIER_LIMIT_*`) so the OCR-heavy corpus files
cost seconds, not minutes.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_dossier
from tests.shared_dir import SHARED, require_shared

SHARED_FOLDER = SHARED if SHARED is not None else Path("shared-not-found")
CORPUS = SHARED_FOLDER / "corpus" / "bad-inputs"
SCHEMA = SHARED_FOLDER / "spec" / "result.schema.json"
CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".pdf", ".docx"))
# Whole-page scans whose oddity is in the image itself (JBIG2, CCITT, CMYK coding, a skewed or
# poster-sized page, several scanned pages): all their cost is OCR, and tests/test_bad_inputs.py
# reads each one and checks its page count. In this batch they would add minutes of OCR and no
# other path: the small scans, odd-geometry pages, encrypted and corrupt PDFs and every DOCX
# kept here still go through the whole run as dossiers of their own.
READ_ELSEWHERE = frozenset({
    "ocrmypdf/cardinal.pdf", "ocrmypdf/ccitt.pdf", "ocrmypdf/encrypted_algo4.pdf", "ocrmypdf/enormous.pdf",
    "ocrmypdf/jbig2.pdf", "ocrmypdf/jbig2_baddevicen.pdf", "ocrmypdf/poster.pdf", "ocrmypdf/rotated_skew.pdf",
    "py-pdf-sample-files/023-cmyk-image_cmyk-image.pdf",
})
BATCH_CORPUS_FILES = [p for p in CORPUS_FILES if p.relative_to(CORPUS).as_posix() not in READ_ELSEWHERE]
RUN_DATE = "2020-07-01"
ENV = {
    "DOSSIER_LIMIT_FILE_TIMEOUT_S": "60",
    "DOSSIER_LIMIT_OCR_DPI": "100",
    "DOSSIER_LIMIT_MAX_PAGES_PER_FILE": "20",
    "DOSSIER_LIMIT_FILE_MEMORY_BYTES": str(1536 * 1024 * 1024),
    "DOSSIER_LIMIT_MAX_PAGE_PIXELS": "40000000",
    "DOSSIER_LIMIT_MAX_FILE_BYTES": str(4 * 1024 * 1024),  # the corpus's largest file is 2.7 MB
}
_CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def shared_inputs() -> None:
    """Skips without the corpus and schema on a developer's machine; fails under CI=true."""
    require_shared("corpus", "bad-inputs")
    require_shared("spec", "result.schema.json")


# ---------------------------------------------------------------------------------------------
# Hostile files made here
# ---------------------------------------------------------------------------------------------


def zip_bomb(path: Path) -> None:
    """About 150 KB that inflate to 150 MB: far over the compression-ratio limit."""
    block = b"\0" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("bomb/评审表.pdf", "w", force_zip64=True) as fh:
        for _ in range(150):
            fh.write(block)


def corrupt_zip(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04" + bytes((i * 37) % 256 for i in range(4000)))


def billion_laughs_docx(good_docx: Path, path: Path) -> None:
    """A real DOCX whose document.xml declares nested entities (the classic 'billion laughs')."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<!DOCTYPE w:document [{''.join(entities)}]>"
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    with zipfile.ZipFile(good_docx) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, body if info.filename == "word/document.xml" else src.read(info))


def paragraph_flood_docx(good_docx: Path, path: Path, paragraphs: int = 30_000) -> None:
    """A real DOCX whose body is tens of thousands of label-like paragraphs: small on disk, but
    every paragraph is a candidate for every form label after reading."""
    line = "<w:p><w:r><w:t>专业技术资格评审表 姓名：{0} 工作单位：包头市第{0}中学 申报资格：高级教师</w:t></w:r></w:p>"
    body = "".join(line.format(i) for i in range(paragraphs))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{body}</w:body></w:document>").encode()
    with zipfile.ZipFile(good_docx) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == "word/document.xml" else src.read(info))


def with_javascript_and_launch(good_pdf: Path, path: Path) -> None:
    """The same PDF with document JavaScript, an /OpenAction that launches a program and a link
    annotation that does the same: what a hostile sender adds to a genuine-looking form."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=str(good_pdf))
    script = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('dossierflow robustness test');"),
    })
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
    script_ref, launch_ref = writer._add_object(script), writer._add_object(launch)
    # Document-level script (the /Names /JavaScript tree) and an open action chaining to a launch.
    names = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("init"), script_ref]),
    })})
    writer._root_object[NameObject("/Names")] = names
    opening = DictionaryObject({**script, NameObject("/Next"): launch_ref})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(opening)
    annot = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 60, 30)]),
        NameObject("/A"): launch_ref,
    })
    writer.add_annotation(0, annot)
    with path.open("wb") as fh:
        writer.write(fh)


def oversize_pdf(good_pdf: Path, path: Path) -> None:
    """A genuine PDF padded past the file-size limit (a comment after %%EOF keeps it valid)."""
    path.write_bytes(good_pdf.read_bytes() + b"\n%" + b"x" * (5 * 1024 * 1024) + b"\n")


def zip_with_escape(good_dir: Path, path: Path) -> None:
    """A dossier zip that also carries a member climbing out of the extraction folder."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(good_dir.iterdir()):
            zf.write(f, f"{good_dir.name}/{f.name}")
        zf.writestr("../../escape.pdf", b"%PDF-1.4\n%%EOF\n")


def zip_with_damaged_member(good_dir: Path, path: Path) -> str:
    """A dossier zip whose directory is intact but one member's deflate stream is damaged, so
    zlib itself fails while inflating it (not only the CRC check). Returns that member's name."""
    members = sorted(good_dir.iterdir(), key=lambda f: -f.stat().st_size)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in members:
            zf.write(f, f"{good_dir.name}/{f.name}")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for at in range(start + 40, start + info.compress_size - 8, 97):
            trial = bytearray(data)
            for k in range(8):
                trial[at + k] ^= 0xA5
            try:
                with zipfile.ZipFile(io.BytesIO(bytes(trial))) as zf, zf.open(info.filename) as fh:
                    while fh.read(1 << 16):
                        pass
            except zlib.error:
                path.write_bytes(bytes(trial))
                return info.filename.split("/")[-1]
            except zipfile.BadZipFile:
                continue
    raise AssertionError("no offset makes zlib fail; the fixture cannot build this case")


def truncated_jpeg(good_jpeg: Path, path: Path) -> None:
    data = good_jpeg.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def huge_png(path: Path) -> None:
    """A valid PNG header claiming 100000×100000 pixels, with almost no data behind it."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What a root entry must become. `names` is the bad file as results show it (batch-relative)."""

    kind: str  # "good" | "error" | "returned" | "corpus" | "javascript"
    names: str = ""
    words: tuple[str, ...] = ()  # Chinese words the message must contain (the problem named)


@dataclass
class Built:
    root: Path
    out: Path
    expect: dict[str, Expect]
    good_status: dict[str, str]
    proc: object


def _corpus_id(p: Path) -> str:
    folder = {"ocrmypdf": "om", "py-pdf-sample-files": "pp", "python-docx": "dx"}[p.parent.name]
    return f"{folder}-{p.stem[:40]}"


def _take_good(gen: Path, dossier_id: str, root: Path, new_id: str) -> Path:
    dest = root / new_id
    shutil.copytree(gen / dossier_id, dest)
    return dest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from fixtures.generate import generate_batch
    from fixtures.truth import BatchTruth

    work = tmp_path_factory.mktemp("bad-batch")
    gen = work / "gen"
    # Good dossiers, one per slot that needs one; distinct people so no duplicate-applicant flag
    # joins two of them. DOCX forms read fast; one text-PDF dossier carries the JavaScript PDF.
    forms = ("docx", "docx", "docx", "docx", "docx", "docx", "text_pdf", "docx", "docx", "docx", "text_pdf", "docx")
    generate_batch(gen, n=len(forms), seed=11, forms=forms, damage="clean", batch_yaml=True)
    truth = BatchTruth.model_validate_json((work / "gen.truth.json").read_text(encoding="utf-8"))
    by_id = {d.dossier_id: d for d in truth.dossiers}

    root = work / "batch"
    root.mkdir()
    shutil.copy(gen / "batch.yaml", root / "batch.yaml")
    expect: dict[str, Expect] = {}
    good_status: dict[str, str] = {}

    # Good ones: one untouched, one whose PDF form gets JavaScript and a launch action.
    _take_good(gen, "A0001", root, "good-1")
    expect["good-1"] = Expect("good")
    good_status["good-1"] = by_id["A0001"].expected_status
    js_dir = _take_good(gen, "A0007", root, "good-js")
    target = min(js_dir.glob("*.pdf"), key=lambda p: p.stat().st_size)
    with_javascript_and_launch(gen / "A0007" / target.name, target)
    expect["good-js"] = Expect("javascript", f"good-js/{target.name}", ("JavaScript",))
    good_status["good-js"] = by_id["A0007"].expected_status

    # A good dossier plus one unreadable file: returned, the file named.
    def add(slot: str, new_id: str, name: str, make, words: tuple[str, ...]) -> None:
        folder = _take_good(gen, slot, root, new_id)
        make(folder / name)
        expect[new_id] = Expect("returned", f"{new_id}/{name}", words)

    good_docx = next((gen / "A0002").glob("*.docx"))
    good_jpg = next(p for p in (gen / "A0003").iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    add("A0002", "with-laughs", "诚信承诺书.docx", lambda p: billion_laughs_docx(good_docx, p), ("DOCTYPE",))
    add("A0003", "with-cut-jpeg", "IMG_2231.jpg", lambda p: truncated_jpeg(good_jpg, p), ("图片",))
    add("A0004", "with-huge-png", "scan_0001.png", huge_png, ("像素",))
    add("A0005", "with-invalid-pdf", "附件.pdf", lambda p: shutil.copy(CORPUS / "ocrmypdf/invalid.pdf", p), ())
    add("A0006", "with-zero-pdf", "扫描件.pdf", lambda p: p.write_bytes(b""), ("空",))
    good_pdf = max((gen / "A0007").glob("*.pdf"))
    add("A0008", "with-oversize", "材料汇总.pdf", lambda p: oversize_pdf(good_pdf, p), ("上限",))
    # A symlink in an upload folder is never followed (it could point anywhere on the server),
    # and the clerk is told the file was not read.
    add("A0009", "with-symlink", "secret.pdf", lambda p: p.symlink_to("/etc/passwd"), ("链接",))
    zip_with_escape(gen / "A0010", root / "with-escape.zip")
    expect["with-escape"] = Expect("returned", "escape.pdf", ("不安全",))
    add("A0012", "with-flood", "工作总结.docx", lambda p: paragraph_flood_docx(good_docx, p), ("过多",))
    damaged = zip_with_damaged_member(gen / "A0011", root / "with-damaged-member.zip")
    expect["with-damaged-member"] = Expect("returned", damaged, ("无法解压",))

    # Whole entries that cannot be read at all: an error line each.
    corrupt_zip(root / "bad-zip.zip")
    expect["bad-zip"] = Expect("error", "bad-zip.zip", ("损坏",))
    zip_bomb(root / "bomb.zip")
    expect["bomb"] = Expect("error", "bomb.zip", ("压缩",))
    (root / "empty").mkdir()
    expect["empty"] = Expect("error", "empty", ("空",))
    (root / "zero.pdf").write_bytes(b"")
    expect["zero"] = Expect("error", "zero.pdf", ("空",))
    # A folder and a bound PDF with the same name: two dossiers, neither may hide the other.
    (root / "twin").mkdir()
    shutil.copy(CORPUS / "python-docx/doc-no-coreprops.docx", root / "twin" / "doc-no-coreprops.docx")
    expect["twin"] = Expect("corpus", "twin/doc-no-coreprops.docx")
    shutil.copy(CORPUS / "ocrmypdf/invalid.pdf", root / "twin.pdf")
    expect["twin~twin.pdf"] = Expect("error", "twin.pdf", ("重复",))
    (root / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)

    # Each corpus file (but the OCR-only scans above) as a dossier of its own: PDFs bound at the
    # root, DOCX in a folder.
    for p in BATCH_CORPUS_FILES:
        did = _corpus_id(p)
        if p.suffix.lower() == ".pdf":
            shutil.copy(p, root / f"{did}.pdf")
            expect[did] = Expect("corpus", f"{did}.pdf")
        else:
            (root / did).mkdir()
            shutil.copy(p, root / did / p.name)
            expect[did] = Expect("corpus", f"{did}/{p.name}")
    assert len(expect) == len({k.lower() for k in expect}), "dossier ids must differ"

    out = work / "out"
    env = {**ENV, "DOSSIER_DATA_DIR": str(work / "data")}
    proc = run_dossier("run", str(root), "--out", str(out), "--no-db", "--date", RUN_DATE, "--workers", "2",
                       env=env, timeout=900, check=False)
    return Built(root, out, expect, good_status, proc)


def _rows(built: Built) -> list[dict]:
    path = built.out / "results.jsonl"
    assert path.exists(), f"no results.jsonl; stderr:\n{built.proc.stderr[-4000:]}"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _by_id(built: Built) -> dict[str, dict]:
    return {r["dossier_id"]: r for r in _rows(built)}


def _chinese(text: str | None) -> bool:
    return bool(text and _CJK.search(text))


# ---------------------------------------------------------------------------------------------
# The assertions
# ---------------------------------------------------------------------------------------------


def test_scans_left_out_of_the_batch_are_read_elsewhere() -> None:
    """A corpus file left out of this batch keeps its own expected outcome in test_bad_inputs,
    and the batch still holds scans, Word files, encrypted and corrupt PDFs."""
    from tests.test_bad_inputs import EXPECTED, Reads

    rel = {p.relative_to(CORPUS).as_posix(): p for p in CORPUS_FILES}
    assert READ_ELSEWHERE <= set(rel), sorted(READ_ELSEWHERE - set(rel))
    assert all(isinstance(EXPECTED.get(name), Reads) for name in READ_ELSEWHERE)
    kept = {p.relative_to(CORPUS).as_posix() for p in BATCH_CORPUS_FILES}
    assert {"ocrmypdf/kcs.pdf", "ocrmypdf/invalid.pdf", "ocrmypdf/skew-encrypted.pdf"} <= kept
    assert sum(name.endswith(".docx") for name in kept) == sum(p.suffix == ".docx" for p in CORPUS_FILES)


def test_run_succeeds(built: Built) -> None:
    assert built.proc.returncode == 0, f"exit {built.proc.returncode}\n{built.proc.stderr[-6000:]}"


def test_every_dossier_exactly_once(built: Built) -> None:
    ids = [r["dossier_id"] for r in _rows(built)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"listed more than once: {dupes}"
    missing = sorted(set(built.expect) - set(ids))
    extra = sorted(set(ids) - set(built.expect))
    assert not missing, f"silently dropped: {missing}"
    assert not extra, f"not a dossier, yet listed: {extra}"


def test_every_line_matches_the_contract(built: Built) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for row in _rows(built):
        jsonschema.validate(row, schema)


def test_stray_root_file_is_reported_not_fatal(built: Built) -> None:
    summary = json.loads((built.out / "batch.json").read_text(encoding="utf-8"))
    skipped = {s["entry"]: s["reason"] for s in summary["skipped"]}
    assert "Thumbs.db" in skipped and _chinese(skipped["Thumbs.db"])
    assert summary["dossiers"] == len(built.expect)


def _fail_all(problems: list[str]) -> None:
    """One run shows every dossier that went wrong, not only the first."""
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_unreadable_entries_are_error_lines(built: Built) -> None:
    rows, problems = _by_id(built), []
    for did, exp in built.expect.items():
        if exp.kind != "error":
            continue
        row = rows[did]
        message = row.get("message") or ""
        if row["status"] != "error" or not _chinese(message):
            problems.append(f"{did}: {row['status']} {message!r}, expected an error line with a Chinese message")
        problems += [f"{did}: message does not say {w!r}: {message}" for w in exp.words if w not in message]
    _fail_all(problems)


def test_unreadable_file_returns_its_dossier_and_is_named(built: Built) -> None:
    rows, problems = _by_id(built), []
    for did, exp in built.expect.items():
        if exp.kind != "returned":
            continue
        row = rows[did]
        message = row.get("message") or ""
        if row["status"] != "returned":
            problems.append(f"{did}: {row['status']}, expected returned ({message!r})")
        if exp.names not in message or not _chinese(message):
            problems.append(f"{did}: message does not name {exp.names}: {message!r}")
        # The rest of the dossier was still read: the good files' fields are there.
        if not row["fields"].get("name"):
            problems.append(f"{did}: the readable files of the dossier were not used")
    _fail_all(problems)


def test_unreadable_file_reason_reaches_the_report(built: Built) -> None:
    """The clerk sees why each file was refused (entity bomb, pixels, empty, size, link), not
    only that it was: in results.jsonl and in the dossier's report.html."""
    rows, problems = _by_id(built), []
    for did, exp in built.expect.items():
        if exp.kind != "returned":
            continue
        message = rows[did].get("message") or ""
        html = (built.out / did / "report.html").read_text(encoding="utf-8")
        if exp.names.split("/")[-1] not in html:
            problems.append(f"{did}: report.html does not name {exp.names}")
        for word in exp.words:
            if word not in message:
                problems.append(f"{did}: message does not give the reason ({word!r}): {message!r}")
            if word not in html:
                problems.append(f"{did}: report.html does not give the reason ({word!r})")
    _fail_all(problems)


def test_every_corpus_file_is_answered(built: Built) -> None:
    """A corpus file alone is never a valid dossier: it is an error line naming its problem, or
    it was read and judged: the missing 评审表 fails EVAL_FORM_PRESENT, or puts it to review when
    an unrecognised page might be it."""
    rows, problems = _by_id(built), []
    for did, exp in built.expect.items():
        if exp.kind != "corpus":
            continue
        row = rows[did]
        message = row.get("message") or ""
        if row["status"] == "accepted":
            problems.append(f"{did}: accepted")
        if row["status"] == "error":
            if not _chinese(message) or exp.names not in message:
                problems.append(f"{did}: error line without a Chinese message naming {exp.names}: {message!r}")
            continue
        eval_form = next((f for f in row["findings"] if f["rule"] == "EVAL_FORM_PRESENT"), None)
        if eval_form is None or eval_form["outcome"] not in ("fail", "review") or not _chinese(eval_form["message"]):
            problems.append(f"{did}: read, but EVAL_FORM_PRESENT says {eval_form}")
        if not row["documents"]:
            problems.append(f"{did}: read, yet no document listed: its pages were dropped")
        if message and exp.names not in message:
            problems.append(f"{did}: message does not name {exp.names}: {message!r}")
    # Known answers: password-protected files are refused as such, not read as blank pages; a
    # header-only PDF is an error.
    for did in ("om-skew-encrypted", "pp-005-libreoffice-writer-password_libreoff"):
        if rows[did]["status"] != "error" or "加密" not in (rows[did].get("message") or ""):
            problems.append(f"{did}: not refused as encrypted: {rows[did]['status']} {rows[did].get('message')!r}")
    if rows["om-invalid"]["status"] != "error":
        problems.append(f"om-invalid: {rows['om-invalid']['status']}, expected error")
    _fail_all(problems)


def test_good_dossiers_are_unaffected(built: Built) -> None:
    rows = _by_id(built)
    for did, status in built.good_status.items():
        row = rows[did]
        assert row["status"] == status, (did, row["status"], row.get("message"),
                                         [f["rule"] for f in row["findings"] if f["outcome"] in ("fail", "review")],
                                         [f["code"] for f in row["flags"]])


def test_javascript_and_launch_actions_are_reported(built: Built) -> None:
    row = _by_id(built)["good-js"]
    exp = built.expect["good-js"]
    message = row.get("message") or ""
    assert exp.names in message, message
    assert "JavaScript" in message and "启动" in message, message


def test_javascript_pdf_is_flagged_by_the_reader(tmp_path: Path) -> None:
    """The structure check sees both actions in the file made above, and sees none in the
    original: the dossier message depends on these two flags."""
    from dossierflow.config import Limits
    from extractors.readers import read_file
    from fixtures.generate import generate_batch

    gen = tmp_path / "gen"
    generate_batch(gen, n=1, seed=3, forms=("text_pdf",), damage="clean", batch_yaml=False)
    plain = max((gen / "A0001").glob("*.pdf"), key=lambda p: p.stat().st_size)
    hostile = tmp_path / "hostile.pdf"
    with_javascript_and_launch(plain, hostile)
    before = read_file(plain, "plain.pdf", Limits())
    after = read_file(hostile, "hostile.pdf", Limits())
    assert not before.info.has_javascript and not before.info.has_launch_action
    assert after.info.has_javascript and after.info.has_launch_action
    assert [p.text() for p in after.pages] == [p.text() for p in before.pages]
