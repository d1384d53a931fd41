"""PDF → pages: the text layer where there is a usable one, OCR of the rendered page otherwise.

pdfplumber reads text pages (ruled tables become one segment per cell); pypdfium2 renders the
others once, at the DPI OCR needs and within the pixel budget; pypdf inspects the structure.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Optional

import pdfplumber
import pypdfium2 as pdfium

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, EncryptedFile, FileRejected, LimitExceeded
from dossierflow.models import FileInfo, PageContent, Segment
from dossierflow.text import clean
from extractors.readers import FileRead
from extractors.readers.ocr import OcrEngine
from extractors.readers.pageimage import ocr_page
from extractors.readers.pdf_structure import PdfStructure, inspect_pdf, page_uses_invisible_text
from extractors.readers.preprocess import PIXEL_BUDGET
from extractors.readers.reread import RereadPolicy

MIN_TEXT_CHARS = 5  # fewer visible characters than this: the page is a scan, OCR it
MAX_CID_SHARE = 0.3
STAMPED_TEXT_CHARS = 60  # glyphs without a Unicode mapping show as "(cid:N)": such a layer is unusable
MIN_RASTER_DPI = 30
HIDDEN_TEXT_MIN_OVERLAP = 0.5


def raster_dpi(width_pt: float, height_pt: float, limits: Limits) -> int:
    """The DPI to render a page at: `ocr_dpi`, lowered so the bitmap stays within the budget."""
    area_in2 = max(width_pt, 1.0) * max(height_pt, 1.0) / (72.0 * 72.0)
    budget = min(limits.max_page_pixels, PIXEL_BUDGET)
    dpi = min(float(limits.ocr_dpi), math.sqrt(budget / area_in2))
    if dpi < MIN_RASTER_DPI:
        w_mm, h_mm = width_pt / 72 * 25.4, height_pt / 72 * 25.4
        raise LimitExceeded(f"页面尺寸 {w_mm:.0f}×{h_mm:.0f} 毫米过大，无法识别（不是 A4 页面）")
    return int(dpi)


def _center_in(box: tuple[float, float, float, float], x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _join_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into lines by vertical overlap, each line left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        for line in lines:
            ref = line[0]
            if abs(mid - (ref["top"] + ref["bottom"]) / 2) < max(2.0, (ref["bottom"] - ref["top"]) * 0.5):
                line.append(w)
                break
        else:
            lines.append([w])
    for line in lines:
        line.sort(key=lambda w: w["x0"])
    lines.sort(key=lambda line: min(w["top"] for w in line))
    return lines


def _line_text(line: list[dict]) -> str:
    return clean(" ".join(w["text"] for w in line))


def _bbox(words: list[dict]) -> tuple[float, float, float, float]:
    return (
        round(min(w["x0"] for w in words), 2),
        round(min(w["top"] for w in words), 2),
        round(max(w["x1"] for w in words), 2),
        round(max(w["bottom"] for w in words), 2),
    )


def text_segments(page: "pdfplumber.page.Page") -> list[Segment]:
    """One segment per ruled-table cell with text, one per text line outside the tables."""
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    cells: list[tuple[tuple[int, int, int], tuple[float, float, float, float]]] = []
    for ti, table in enumerate(page.find_tables()):
        for ri, row in enumerate(table.rows):
            ci = 0
            for cell in row.cells:
                if cell is None:  # covered by a merged cell, which is listed once
                    continue
                cells.append(((ti, ri, ci), tuple(float(v) for v in cell)))
                ci += 1
    in_cell: dict[tuple[int, int, int], list[dict]] = {}
    loose: list[dict] = []
    for w in words:
        x, y = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        for key, box in cells:
            if _center_in(box, x, y):
                in_cell.setdefault(key, []).append(w)
                break
        else:
            loose.append(w)
    placed: list[tuple[float, float, Segment]] = []
    boxes = dict(cells)
    for key, ws in in_cell.items():
        text = clean(" ".join(_line_text(line) for line in _join_lines(ws)))
        if text:
            box = tuple(round(v, 2) for v in boxes[key])
            placed.append((box[1], box[0], Segment(text=text, box=box, conf=1.0, cell=key)))
    for line in _join_lines(loose):
        text = _line_text(line)
        if text:
            box = _bbox(line)
            placed.append((box[1], box[0], Segment(text=text, box=box, conf=1.0)))
    placed.sort(key=lambda t: (t[0], t[1]))
    return [s for _, _, s in placed]


def form_field_segments(reader, index: int, height_pt: float) -> list[Segment]:
    """Values typed into fillable form fields: they live in widget annotations, not in the page's
    text, so pdfplumber does not see them."""
    if reader is None:
        return []
    out: list[Segment] = []
    try:
        page = reader.pages[index]
        annots = page.get("/Annots") or []
        for ref in annots.get_object() if hasattr(annots, "get_object") else annots:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            value = annot.get("/V")
            if value is None and "/Parent" in annot:
                value = annot["/Parent"].get_object().get("/V")
            text = clean(str(value)) if value is not None else ""
            rect = annot.get("/Rect")
            if not text or text.startswith("/") or rect is None:  # /Off, /Yes: checkbox states
                continue
            x0, y0, x1, y1 = (float(v) for v in rect)
            box = (round(min(x0, x1), 2), round(height_pt - max(y0, y1), 2), round(max(x0, x1), 2), round(height_pt - min(y0, y1), 2))
            out.append(Segment(text=text, box=box, conf=1.0, locator="form field"))
    except Exception:
        return out  # a malformed annotation costs its value, not the page
    return out


def _visible_text_usable(page: "pdfplumber.page.Page") -> bool:
    chars = [c for c in page.chars if c.get("text", "").strip()]
    if len(chars) < MIN_TEXT_CHARS:
        return False
    cid = sum(1 for c in chars if c["text"].startswith("(cid:"))
    if cid / len(chars) >= MAX_CID_SHARE:
        return False
    # A scan with a few words stamped on by software (a page number, a file name) is a scan:
    # its text layer would hide the page's real content.
    return not (len(chars) < STAMPED_TEXT_CHARS and _image_cover(page) > 0.5)


def _image_cover(page: "pdfplumber.page.Page") -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for im in page.images:
        covered += max(0.0, float(im["x1"] - im["x0"])) * max(0.0, float(im["bottom"] - im["top"]))
    return min(1.0, covered / area)


def native_dpi(page: "pdfplumber.page.Page") -> Optional[float]:
    """Resolution of the scan a page is made of: its largest image's pixels per inch on the page."""
    best: Optional[tuple[float, float]] = None
    for im in page.images:
        w_in = float(im["x1"] - im["x0"]) / 72.0
        size = im.get("srcsize") or (0, 0)
        if w_in <= 0 or not size[0]:
            continue
        cover = w_in * float(im["bottom"] - im["top"]) / 72.0
        if best is None or cover > best[0]:
            best = (cover, float(size[0]) / w_in)
    page_in2 = float(page.width * page.height) / 5184.0
    if best is None or best[0] < 0.5 * page_in2:
        return None
    return best[1]


def text_overlap(hidden: str, seen: str) -> float:
    """Share of the hidden layer's characters that OCR also saw (as multisets): cheap, order-free.

    Only this direction matters: a hidden layer covering part of the page is normal, one saying
    what the image does not show is the case to report.
    """
    ch, cs = Counter(hidden.replace(" ", "")), Counter(seen.replace(" ", ""))
    if not ch:
        return 1.0
    return sum((ch & cs).values()) / sum(ch.values())


def read_pdf(
    path: Path, base: FileInfo, limits: Limits, engine: Optional[OcrEngine] = None, pages: Optional[tuple[int, int]] = None,
    policy: Optional[RereadPolicy] = None,
) -> FileRead:
    data = path.read_bytes()
    st = inspect_pdf(path, data)
    try:
        doc = pdfium.PdfDocument(str(path), password="" if st.encrypted else None)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedFile("文件已加密，无法读取（已尝试空密码）") from exc
        raise CorruptFile(f"PDF 文件损坏，无法打开：{str(exc)[:200]}") from exc
    try:
        n = len(doc)
        if n == 0:
            raise CorruptFile("PDF 文件中没有页面")
        if n > limits.max_pages_per_file:
            raise LimitExceeded(f"PDF 共 {n} 页，超过每个文件 {limits.max_pages_per_file} 页的上限")
        wanted = range(n) if pages is None else range(max(0, pages[0]), min(n, pages[1]))
        read, text_pages, disagreeing = _read_pages(path, doc, st, base.path, limits, engine, wanted, policy)
    finally:
        doc.close()
    info = base.model_copy(
        update={
            "kind": "pdf",
            "pages": n,
            "text_layer_pages": text_pages,
            "encrypted": st.encrypted,
            "producer": st.producer,
            "creator": st.creator,
            "created": st.created,
            "modified": st.modified,
            "linearized": st.linearized,
            "original_end": st.original_end,
            "incremental_updates": st.incremental_updates,
            "has_javascript": st.has_javascript,
            "has_launch_action": st.has_launch_action,
            "hidden_text_disagreeing_pages": disagreeing,
        }
    )
    return FileRead(info=info, pages=read)


def _open_plumber(path: Path, encrypted: bool) -> Optional["pdfplumber.PDF"]:
    try:
        return pdfplumber.open(path, password="" if encrypted else None)
    except Exception:
        return None  # the text layer is lost; pages are OCR'd from pdfium's rendering


def _read_pages(
    path: Path,
    doc: "pdfium.PdfDocument",
    st: PdfStructure,
    rel: str,
    limits: Limits,
    engine: Optional[OcrEngine],
    wanted: range,
    policy: Optional[RereadPolicy] = None,
) -> tuple[list[PageContent], int, list[int]]:
    pages: list[PageContent] = []
    text_pages = 0
    disagreeing: list[int] = []
    plumber = _open_plumber(path, st.encrypted)
    try:
        for i in wanted:
            pp = None
            if plumber is not None:
                try:
                    pp = plumber.pages[i]
                except Exception:
                    pp = None
            try:
                width_pt, height_pt = doc[i].get_size()
            except pdfium.PdfiumError as exc:
                raise CorruptFile(f"第 {i + 1} 页无法读取：{str(exc)[:200]}") from exc
            hidden_text = ""
            scan_dpi: Optional[float] = None
            if pp is not None:
                try:
                    width_pt, height_pt = float(pp.width), float(pp.height)
                    scan_dpi = native_dpi(pp)
                    invisible = page_uses_invisible_text(st.reader, i) and _image_cover(pp) > 0.5
                    if invisible:
                        hidden_text = clean(pp.extract_text() or "")
                    elif _visible_text_usable(pp):
                        pages.append(
                            PageContent(
                                file=rel, page=i + 1, method="text", width_pt=round(width_pt, 2),
                                height_pt=round(height_pt, 2),
                                segments=text_segments(pp) + form_field_segments(st.reader, i, height_pt),
                            )
                        )
                        text_pages += 1
                        continue
                except FileRejected:
                    raise
                except Exception:
                    pass  # a page pdfminer chokes on is read from its rendering instead
                finally:
                    try:
                        pp.close()
                    except Exception:
                        pass
            page = _ocr_pdf_page(doc, i, width_pt, height_pt, rel, limits, engine, scan_dpi, policy)
            if len(hidden_text) >= 10 and page.segments:
                if text_overlap(hidden_text, page.text()) < HIDDEN_TEXT_MIN_OVERLAP:
                    disagreeing.append(i + 1)
            pages.append(page)
    finally:
        if plumber is not None:
            try:
                plumber.close()
            except Exception:  # close() re-parses every page; a damaged one must not undo the read
                pass
    return pages, text_pages, disagreeing


def _ocr_pdf_page(
    doc: "pdfium.PdfDocument",
    index: int,
    width_pt: float,
    height_pt: float,
    rel: str,
    limits: Limits,
    engine: Optional[OcrEngine],
    scan_dpi: Optional[float] = None,
    policy: Optional[RereadPolicy] = None,
) -> PageContent:
    # A scan is rendered at its own resolution when that is lower than `ocr_dpi`: more pixels
    # than the scanner recorded add nothing, and the preprocessor scales for Tesseract anyway.
    dpi = raster_dpi(width_pt, height_pt, limits)
    if scan_dpi and 100 <= scan_dpi < dpi:
        dpi = int(round(scan_dpi))
    try:
        page = doc[index]
        # In RGB order: pdfium's default BGR costs a channel swap of every pixel on the way to
        # Pillow (about a third of rendering and converting a page; the pixels are the same).
        bitmap = page.render(scale=dpi / 72.0, may_draw_forms=True, rev_byteorder=True)
        image = bitmap.to_pil()
    except pdfium.PdfiumError as exc:
        raise CorruptFile(f"第 {index + 1} 页无法渲染：{str(exc)[:200]}") from exc
    if image.width * image.height > limits.max_page_pixels:
        raise LimitExceeded(f"第 {index + 1} 页渲染后像素过多，超过上限 {limits.max_page_pixels}")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return ocr_page(image, dpi, rel, index + 1, width_pt, height_pt, engine, policy)
