"""DOCX → one logical page: a segment per table cell and per paragraph, in body order.

The zip is checked before python-docx touches it (entry count, sizes, compression ratio) and
any XML part declaring a DOCTYPE or ENTITY is refused: lxml would otherwise expand entities.
"""

from __future__ import annotations

import logging
import re
import zipfile
import zlib
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from dossierflow.config import Limits
from dossierflow.errors import CorruptFile, FileRejected, LimitExceeded
from dossierflow.failures import technical
from dossierflow.models import FileInfo, PageContent, Segment
from dossierflow.text import clean
from extractors.readers import FileRead
from extractors.readers.zips import check_zip

log = logging.getLogger(__name__)

_DECL = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
PROLOG_SCAN = 1 << 20  # a DOCTYPE can only precede the root element; 1 MiB covers any prolog


def check_package(path: Path, limits: Limits) -> None:
    """Refuse zip bombs and XML with DTDs before any XML parser sees the package."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = check_zip(zf, limits, "Word 文件")
            for info in infos:
                if not info.filename.lower().endswith((".xml", ".rels")):
                    continue
                with zf.open(info) as fh:
                    head = fh.read(PROLOG_SCAN)
                if _DECL.search(head):
                    raise LimitExceeded(f"Word 文件中的 {info.filename} 含有 DOCTYPE/ENTITY 声明，按安全规则拒绝读取")
    except FileRejected:
        raise
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError, zlib.error) as exc:
        # zlib.error: a damaged deflate stream; ValueError: a damaged name or header field.
        raise CorruptFile(f"Word 文件损坏（压缩包无法解开）：{exc}") from exc


def _cell_text(cell: _Cell) -> str:
    """A cell's paragraphs and any nested table's cells, in order."""
    parts: list[str] = []
    for block in cell.iter_inner_content():
        if isinstance(block, Paragraph):
            parts.append(block.text)
        else:
            for row in block.rows:
                parts.append(" ".join(c.text for c in _unique_cells(row)))
    return clean(" ".join(p for p in parts if p.strip()))


def _unique_cells(row) -> list[_Cell]:
    """A row's cells with a cell spanning several grid columns listed once.

    Identity of the underlying <w:tc> is compared by `is`: lxml proxies are only stable while
    referenced, so ids of temporaries must not be kept.
    """
    out: list[_Cell] = []
    for c in row.cells:
        if not any(c._tc is o._tc for o in out):
            out.append(c)
    return out


def docx_segments(document: DocxDocument) -> list[Segment]:
    segments: list[Segment] = []
    y = 0
    paragraph_no = 0
    table_no = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraph_no += 1
            text = clean(block.text)
            if text:
                segments.append(Segment(text=text, box=(0.0, float(y), 1.0, float(y + 1)), conf=1.0, locator=f"paragraph {paragraph_no}"))
                y += 1
            continue
        if not isinstance(block, Table):
            continue
        t = table_no
        table_no += 1
        seen: list = []  # vertically merged cells repeat in later rows; keep the first
        rows = block.rows
        for r, row in enumerate(rows):
            for c, cell in enumerate(_unique_cells(row)):
                if any(cell._tc is tc for tc in seen):
                    continue
                seen.append(cell._tc)
                text = _cell_text(cell)
                if not text:
                    continue
                segments.append(
                    Segment(
                        text=text,
                        box=(float(c), float(y + r), float(c + 1), float(y + r + 1)),
                        conf=1.0,
                        locator=f"table {t + 1}, row {r + 1}, cell {c + 1}",
                        cell=(t, r, c),
                    )
                )
        y += len(rows)
    return segments


def read_docx(path: Path, base: FileInfo, limits: Limits) -> FileRead:
    check_package(path, limits)
    try:
        document = docx.Document(str(path))
        segments = docx_segments(document)
    except FileRejected:
        raise
    except Exception as exc:  # python-docx/lxml raise many types on malformed parts
        log.info("python-docx could not parse %s: %s", path.name, technical(exc))
        raise CorruptFile("Word 文件内容损坏，无法解析：文件内部结构不完整；请用 Word 打开后另存为 .docx 再提交") from exc
    info = base.model_copy(update={"kind": "docx", "pages": 1})
    try:
        props = document.core_properties
        info = info.model_copy(
            update={
                "creator": props.author or None,
                "created": props.created.isoformat() if props.created else None,
                "modified": props.modified.isoformat() if props.modified else None,
            }
        )
    except Exception:
        pass  # documents without a core-properties part are fine
    page = PageContent(file=base.path, page=None, method="docx", coords="grid", segments=segments)
    return FileRead(info=info, pages=[page])
