"""Readers on small generated files: type by content, text PDFs, DOCX, images, limits, isolation."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from dossierflow.config import Limits
from dossierflow.errors import EncryptedFile, FileRejected, LimitExceeded, ParseTimeout, UnsupportedFile
from extractors.readers import read_file
from extractors.readers.isolate import read_file_isolated
from extractors.readers.ocr_layout import Word, chinese_brackets, group_words
from extractors.readers.preprocess import CellBox, Prepared, map_box
from tests.hanging_reader import jumping_clock, place_hanging_worker

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LIMITS = Limits()


def _font() -> str:
    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))
    return "wqy"


def text_pdf(path: Path, pages: int = 1) -> Path:
    """A 评审表-like page: a title line, a ruled 2×4 table, a signature line below it."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setProducer("Microsoft Word 2016")
    font = _font()
    w, h = A4
    for _ in range(pages):
        c.setFont(font, 16)
        c.drawString(200, h - 80, "专业技术资格评审表")
        c.setFont(font, 11)
        xs, top, row_h = [60, 160, 300, 400, 535], h - 130, 30
        rows = [("姓名", "王建国", "性别", "男"), ("工作单位", "包头钢铁公司", "申报资格", "高级工程师")]
        for r, cells in enumerate(rows):
            y = top - r * row_h
            for ci, text in enumerate(cells):
                c.drawString(xs[ci] + 6, y - 20, text)
        for r in range(len(rows) + 1):
            c.line(xs[0], top - r * row_h, xs[-1], top - r * row_h)
        for x in xs:
            c.line(x, top, x, top - len(rows) * row_h)
        c.drawString(60, top - 100, "申报人签名：王建国")
        c.showPage()
    c.save()
    return path


def test_text_pdf_cells_and_lines(tmp_path: Path) -> None:
    read = read_file(text_pdf(tmp_path / "form.pdf"), "A1/form.pdf", LIMITS)
    assert read.info.kind == "pdf" and read.info.pages == 1 and read.info.text_layer_pages == 1
    assert read.info.producer == "Microsoft Word 2016"
    page = read.pages[0]
    assert page.method == "text" and page.page == 1 and page.file == "A1/form.pdf"
    by_cell = {s.cell: s for s in page.segments if s.cell}
    assert by_cell[(0, 0, 1)].text == "王建国"
    assert by_cell[(0, 1, 3)].text == "高级工程师"
    assert by_cell[(0, 1, 0)].text == "工作单位"
    # PDF points from the top-left: the first row's cells start 130 pt below the top edge.
    assert by_cell[(0, 0, 1)].box[1] == pytest.approx(130, abs=2)
    assert by_cell[(0, 0, 1)].box[0] == pytest.approx(160, abs=2)
    loose = [s.text for s in page.segments if s.cell is None]
    assert loose == ["专业技术资格评审表", "申报人签名：王建国"]


def test_type_is_read_from_content_not_name(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "x.pdf")
    disguised = tmp_path / "IMG_2231.jpg"
    disguised.write_bytes(pdf.read_bytes())
    assert read_file(disguised, "IMG_2231.jpg", LIMITS).info.kind == "pdf"
    junk = tmp_path / "scan.pdf"
    junk.write_bytes(b"just some text, no PDF here")
    with pytest.raises(UnsupportedFile) as err:
        read_file(junk, "scan.pdf", LIMITS)
    assert "无法识别" in str(err.value)


def test_structure_incremental_update_and_javascript(tmp_path: Path) -> None:
    src = text_pdf(tmp_path / "orig.pdf")
    edited = tmp_path / "edited.pdf"
    writer = PdfWriter(str(src), incremental=True)
    writer.add_metadata({"/Producer": "PDF editor"})
    with edited.open("wb") as fh:
        writer.write(fh)
    info = read_file(edited, "edited.pdf", LIMITS).info
    assert info.incremental_updates == 1
    assert read_file(src, "orig.pdf", LIMITS).info.incremental_updates == 0

    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    for name, action in (("js", {"/S": "/JavaScript", "/JS": "app.alert('hi');"}), ("launch", {"/S": "/Launch", "/F": "calc.exe"})):
        writer = PdfWriter(clone_from=str(src))
        obj = DictionaryObject(
            {NameObject(k): NameObject(v) if v.startswith("/") else TextStringObject(v) for k, v in action.items()}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(obj)
        writer.write(str(tmp_path / f"{name}.pdf"))
    js_info = read_file(tmp_path / "js.pdf", "js.pdf", LIMITS).info
    launch_info = read_file(tmp_path / "launch.pdf", "launch.pdf", LIMITS).info
    assert js_info.has_javascript and not js_info.has_launch_action
    assert launch_info.has_launch_action and not launch_info.has_javascript
    plain = read_file(src, "orig.pdf", LIMITS).info
    assert not plain.has_javascript and not plain.has_launch_action


def test_encryption_empty_password_opens_else_rejected(tmp_path: Path) -> None:
    src = text_pdf(tmp_path / "orig.pdf")
    locked, owner_only = tmp_path / "locked.pdf", tmp_path / "owner.pdf"
    for path, user in ((locked, "secret"), (owner_only, "")):
        writer = PdfWriter(clone_from=str(src))
        writer.encrypt(user_password=user, owner_password="owner", algorithm="AES-128")
        writer.write(str(path))
    with pytest.raises(EncryptedFile) as err:
        read_file(locked, "locked.pdf", LIMITS)
    assert "加密" in str(err.value)
    read = read_file(owner_only, "owner.pdf", LIMITS)
    assert read.info.encrypted
    assert any(s.text == "王建国" for s in read.pages[0].segments)


def test_limits_pages_and_bytes(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "three.pdf", pages=3)
    with pytest.raises(LimitExceeded) as err:
        read_file(pdf, "three.pdf", replace(LIMITS, max_pages_per_file=2))
    assert "3 页" in str(err.value)
    with pytest.raises(LimitExceeded):
        read_file(pdf, "three.pdf", replace(LIMITS, max_file_bytes=100))


def _docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("专业技术资格送审表")
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).text = "姓名"
    t.cell(0, 1).text = "王建国"
    merged = t.cell(1, 1).merge(t.cell(1, 2))  # one cell spanning two grid columns
    t.cell(1, 0).text = "工作单位"
    merged.text = "包头钢铁公司"
    t.cell(2, 0).text = "申报资格"
    t.cell(2, 1).text = "高级工程师"
    d.add_paragraph("")
    d.add_paragraph("申报人签名：王建国")
    d.save(str(path))
    return path


def test_docx_body_order_cells_and_merged_once(tmp_path: Path) -> None:
    read = read_file(_docx(tmp_path / "新建文档.docx"), "A1/新建文档.docx", LIMITS)
    page = read.pages[0]
    assert read.info.kind == "docx"
    assert page.page is None and page.coords == "grid" and page.method == "docx"
    texts = [s.text for s in page.segments]
    assert texts == ["专业技术资格送审表", "姓名", "王建国", "工作单位", "包头钢铁公司", "申报资格", "高级工程师", "申报人签名：王建国"]
    seg = {s.text: s for s in page.segments}
    assert seg["王建国"].cell == (0, 0, 1) and seg["王建国"].locator == "table 1, row 1, cell 2"
    assert seg["包头钢铁公司"].cell == (0, 1, 1)
    # Tables stack below the paragraphs before them, in grid units.
    assert seg["专业技术资格送审表"].box == (0, 0, 1, 1)
    assert seg["姓名"].box == (0, 1, 1, 2)
    assert seg["高级工程师"].box == (1, 3, 2, 4)
    assert seg["申报人签名：王建国"].box[1] == 4
    assert seg["申报人签名：王建国"].locator == "paragraph 3"


def _rewrite_part(src: Path, dst: Path, part: str, transform) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, transform(data) if item.filename == part else data)


def test_docx_with_entity_declaration_is_refused(tmp_path: Path) -> None:
    good = _docx(tmp_path / "good.docx")
    bad = tmp_path / "bad.docx"

    def add_dtd(xml: bytes) -> bytes:
        head, rest = xml.split(b"?>", 1)
        return head + b'?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + rest

    _rewrite_part(good, bad, "word/document.xml", add_dtd)
    with pytest.raises(LimitExceeded) as err:
        read_file(bad, "bad.docx", LIMITS)
    assert "DOCTYPE" in str(err.value)


def test_docx_zip_bomb_is_refused(tmp_path: Path) -> None:
    good = _docx(tmp_path / "good.docx")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/media/padding.bin", b"\0" * 20_000_000)
    with pytest.raises(LimitExceeded) as err:
        read_file(bomb, "bomb.docx", LIMITS)
    assert "压缩" in str(err.value)


def _photo(path: Path) -> Path:
    img = Image.new("RGB", (413, 579), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    draw.ellipse((120, 90, 290, 300), fill=(90, 70, 60))  # head
    draw.rectangle((60, 330, 350, 579), fill=(30, 40, 80))  # shoulders
    img.save(path, dpi=(300, 300))
    return path


class _FakeEngine:
    """An OCR engine whose `words` is the test's function; it never finds a page turned."""

    def __init__(self, words):
        self._words = words

    def words(self, image):
        return self._words(self, image)

    def orientation(self, image):
        return None


def test_photo_is_recognised_without_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_ocr(self, image):  # pragma: no cover - failing here is the test failing
        raise AssertionError("a photo must not be OCR'd")

    monkeypatch.setattr("extractors.readers.ocr.default_engine", lambda: _FakeEngine(no_ocr))
    read = read_file(_photo(tmp_path / "IMG_0001.png"), "A1/IMG_0001.png", LIMITS)
    page = read.pages[0]
    assert read.info.kind == "image"
    assert page.image_is_photo and page.method == "image"
    assert page.photo is not None and page.photo.aspect == pytest.approx(413 / 579, abs=0.01)
    assert page.photo.background_lightness > 0.9 and page.photo.portrait
    # 413 px at 300 DPI: 35 mm wide, i.e. 99 pt.
    assert page.width_pt == pytest.approx(413 * 72 / 300, abs=0.5)


def test_page_image_is_not_a_photo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An A4 scan without DPI: assumed A4, so its page size is 595 × 842 pt; it goes to OCR."""
    calls = []

    def fake_words(self, image):
        calls.append(image.shape)
        return [Word("王建国", (100, 100, 200, 140), 0.9, (1, 1, 1))]

    monkeypatch.setattr("extractors.readers.ocr.default_engine", lambda: _FakeEngine(fake_words))
    img = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(img)
    for row in range(40):
        for col in range(30):
            draw.rectangle((150 + col * 45, 200 + row * 50, 180 + col * 45, 230 + row * 50), fill=0)
    path = tmp_path / "scan_0003.png"
    img.save(path)
    page = read_file(path, "scan_0003.png", LIMITS).pages[0]
    assert not page.image_is_photo and page.method == "ocr" and calls
    assert page.width_pt == pytest.approx(595.4, abs=1) and page.height_pt == pytest.approx(842, abs=2)
    assert page.image_hash and len(page.image_hash) == 16
    assert page.segments[0].text == "王建国"


def test_group_words_by_cell_and_split_runs() -> None:
    cells = [CellBox(0, 0, 0, (100, 100, 400, 200)), CellBox(0, 0, 1, (400, 100, 900, 200))]
    prep = Prepared(
        image=np.zeros((10, 10), np.uint8), cells=cells, to_original=np.array([[0.5, 0, 0], [0, 0.5, 0]]),
        rotation=0, skew=0.0, dpi=300,
    )
    words = [
        # Tesseract ran label and value together across the cell border at x=400.
        Word("姓名王建国", (150, 130, 650, 170), 0.8, (1, 1, 1)),
        Word("申报人签名：", (100, 300, 400, 340), 0.9, (2, 1, 1)),
        Word("日期：2020年", (700, 300, 1000, 340), 0.7, (2, 1, 1)),  # 300 px gap > 2.5 × 40 px
    ]
    segs = group_words(words, prep)
    texts = {s.text: s for s in segs}
    assert texts["姓名"].cell == (0, 0, 0) and texts["王建国"].cell == (0, 0, 1)
    assert texts["申报人签名："].cell is None and texts["日期：2020年"].cell is None
    assert texts["王建国"].box == pytest.approx((200, 50, 450, 100))  # the cell's box, mapped back
    assert texts["日期：2020年"].conf == pytest.approx(0.7)


def test_map_box_undoes_quarter_turn() -> None:
    from extractors.readers.preprocess import _affine3, _quarter_turn

    original = np.zeros((100, 200), np.uint8)  # h=100, w=200
    original[10:20, 150:170] = 255
    turned, fwd = _quarter_turn(original, 90)
    ys, xs = np.nonzero(turned)
    back = np.linalg.inv(_affine3(fwd))[:2]
    x0, y0, x1, y1 = map_box(back, (xs.min(), ys.min(), xs.max(), ys.max()))
    assert (round(x0), round(y0), round(x1), round(y1)) == (150, 10, 169, 19)


def test_isolated_read_returns_model_and_maps_rejections(tmp_path: Path) -> None:
    pdf = text_pdf(tmp_path / "form.pdf")
    read = read_file_isolated(pdf, "A1/form.pdf", replace(LIMITS, file_timeout_s=60))
    assert read.pages[0].segments and read.info.path == "A1/form.pdf"
    writer = PdfWriter(clone_from=str(pdf))
    writer.encrypt(user_password="secret", owner_password="o", algorithm="AES-128")
    writer.write(str(tmp_path / "locked.pdf"))
    with pytest.raises(EncryptedFile):
        read_file_isolated(tmp_path / "locked.pdf", "locked.pdf", replace(LIMITS, file_timeout_s=60))


def test_isolated_read_times_out_and_kills_ocr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psutil

    limits = replace(LIMITS, file_timeout_s=60)
    _, ocr_pid = place_hanging_worker(limits, monkeypatch)
    ocr = psutil.Process(ocr_pid)
    assert ocr.name() == "tesseract" and ocr.is_running()
    clock = jumping_clock(monkeypatch)
    clock.running = True
    with pytest.raises(ParseTimeout) as err:
        read_file_isolated(text_pdf(tmp_path / "form.pdf"), "form.pdf", limits)
    assert "超时" in str(err.value)
    # The kill has been sent to the whole group; wait for it to land (a bound, not a measure).
    # A killed Tesseract may linger as a zombie until init reaps it: that is not alive.
    gone, alive = psutil.wait_procs([ocr], timeout=60)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], "the child's Tesseract must die with it"
    assert issubclass(ParseTimeout, FileRejected)


def test_workers_read_file_after_file_and_a_killed_one_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker reads one file after another (no fork per file); a worker killed for a timeout
    is not handed the next file, which a fresh worker reads."""
    from extractors.readers import isolate

    limits = replace(LIMITS, file_timeout_s=120)
    pdf = text_pdf(tmp_path / "form.pdf")
    read_file_isolated(pdf, "A1/form.pdf", limits)
    started = isolate._POOL.started
    for i in range(4):
        assert read_file_isolated(pdf, f"A1/form{i}.pdf", limits).pages[0].segments
    assert isolate._POOL.started == started  # the same warm worker each time

    isolate._POOL.close()  # the warm worker goes: the hanging one is the only idle worker
    started = isolate._POOL.started
    hanging, _ = place_hanging_worker(limits, monkeypatch)
    clock = jumping_clock(monkeypatch)
    clock.running = True
    with pytest.raises(ParseTimeout):
        read_file_isolated(pdf, "A1/hangs.pdf", limits)
    clock.running = False
    assert not hanging.proc.is_alive()
    assert read_file_isolated(pdf, "A1/after.pdf", limits).pages[0].segments
    # The hanging worker and the fresh one after it: the killed worker was not reused.
    assert isolate._POOL.started == started + 2


def test_subprocess_isolation_path_for_daemonic_workers(tmp_path: Path) -> None:
    """Dask workers are daemonic and cannot fork multiprocessing children: the fallback path."""
    from extractors.readers.isolate import _outcome, _via_subprocess

    pdf = text_pdf(tmp_path / "form.pdf")
    limits = replace(LIMITS, file_timeout_s=120)
    read = _outcome(_via_subprocess(pdf, "A1/form.pdf", limits), limits)
    assert any(s.text == "王建国" for s in read.pages[0].segments)
    junk = tmp_path / "x.pdf"
    junk.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(FileRejected) as err:
        _outcome(_via_subprocess(junk, "x.pdf", limits), limits)
    assert str(err.value)


def test_chinese_brackets_from_tesseract_ascii() -> None:
    assert chinese_brackets("包头钢铁 (集团 ) 有限责任公司") == "包头钢铁（集团）有限责任公司"
    assert chinese_brackets("ISSN (print) 1002-4808") == "ISSN (print) 1002-4808"


def test_fillable_form_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "fillable.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(_font(), 11)
    c.drawString(60, 700, "姓名：")
    c.drawString(60, 670, "申报资格：高级工程师（见表）")
    c.acroForm.textfield(name="name", value="Wang Jianguo", x=120, y=690, width=150, height=20)
    c.save()
    page = read_file(path, "fillable.pdf", LIMITS).pages[0]
    field = next(s for s in page.segments if s.text == "Wang Jianguo")
    assert field.locator == "form field"
    # Top-left points: the field's top edge is 842 - 710 = 132 pt below the top of the page.
    assert field.box[1] == pytest.approx(A4[1] - 710, abs=1)
