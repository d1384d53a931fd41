"""What a PDF's structure says, read with pypdf and a byte scan (never executing anything).

Feeds `FileInfo`: page count, producer/creator/dates, the revision structure (updates appended
after the original save, see `pdf_revisions`), JavaScript and /Launch actions, encryption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pypdf
from pypdf.generic import DictionaryObject, IndirectObject

from dossierflow.errors import EncryptedFile
from extractors.readers.pdf_revisions import read_revisions

_JS = re.compile(rb"/JavaScript\b|/JS\b")
_LAUNCH = re.compile(rb"/Launch\b")
_INVISIBLE = re.compile(rb"(?<![\d.])3\s+Tr\b")


@dataclass
class PdfStructure:
    reader: Optional[pypdf.PdfReader]
    pages: int = 0
    encrypted: bool = False
    producer: Optional[str] = None
    creator: Optional[str] = None
    created: Optional[str] = None
    modified: Optional[str] = None
    linearized: bool = False
    original_end: Optional[int] = None  # byte where the first save ended; None: unreadable structure
    incremental_updates: int = 0  # revisions appended after original_end
    has_javascript: bool = False
    has_launch_action: bool = False


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _action_kinds(reader: pypdf.PdfReader) -> set[str]:
    """Action types reachable from the catalog, page annotations and page actions."""
    kinds: set[str] = set()

    def visit(action, depth: int = 0) -> None:
        action = _resolve(action)
        if not isinstance(action, DictionaryObject) or depth > 8:
            return
        s = action.get("/S")
        if s is not None:
            kinds.add(str(s))
        nxt = action.get("/Next")
        if nxt is not None:
            for item in (_resolve(nxt) if isinstance(_resolve(nxt), list) else [nxt]):
                visit(item, depth + 1)

    root = _resolve(reader.trailer.get("/Root"))
    if isinstance(root, DictionaryObject):
        visit(root.get("/OpenAction"))
        aa = _resolve(root.get("/AA"))
        if isinstance(aa, DictionaryObject):
            for v in aa.values():
                visit(v)
        names = _resolve(root.get("/Names"))
        if isinstance(names, DictionaryObject) and "/JavaScript" in names:
            kinds.add("/JavaScript")
    for page in reader.pages[:300]:
        aa = _resolve(page.get("/AA"))
        if isinstance(aa, DictionaryObject):
            for v in aa.values():
                visit(v)
        for annot in _resolve(page.get("/Annots")) or []:
            annot = _resolve(annot)
            if isinstance(annot, DictionaryObject):
                visit(annot.get("/A"))
    return kinds


def _iso(value) -> Optional[str]:
    if value is None:
        return None
    try:
        return value.isoformat()
    except AttributeError:
        return str(value)


def inspect_pdf(path: Path, data: bytes) -> PdfStructure:
    """Structure of the PDF; raises EncryptedFile when the empty password does not open it.

    pypdf failing on a damaged file is not fatal here: pdfium and pdfplumber may still read it,
    so the structure is then reported from the byte scan alone.
    """
    revisions = read_revisions(data)
    st = PdfStructure(
        reader=None,
        linearized=revisions.linearized,
        original_end=revisions.original_end,
        incremental_updates=revisions.updates,
    )
    st.has_javascript = bool(_JS.search(data))
    st.has_launch_action = bool(_LAUNCH.search(data))
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted:
            st.encrypted = True
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # unsupported algorithm etc.
                raise EncryptedFile(f"文件已加密，无法读取（已尝试空密码；{exc}）") from exc
            if not ok:
                raise EncryptedFile("文件已加密，无法读取（已尝试空密码）")
        st.pages = len(reader.pages)
        st.reader = reader
    except EncryptedFile:
        raise
    except Exception:
        return st
    try:
        meta = reader.metadata
        if meta is not None:
            st.producer = _text(meta.get("/Producer"))
            st.creator = _text(meta.get("/Creator"))
            st.created = _safe_date(meta, "creation_date", "/CreationDate")
            st.modified = _safe_date(meta, "modification_date", "/ModDate")
    except Exception:
        pass
    try:
        kinds = _action_kinds(reader)
        st.has_javascript = st.has_javascript or "/JavaScript" in kinds
        st.has_launch_action = st.has_launch_action or "/Launch" in kinds
    except Exception:
        pass
    return st


def _text(value) -> Optional[str]:
    if value is None:
        return None
    text = str(_resolve(value)).strip()
    return text[:300] or None


def _safe_date(meta, attr: str, key: str) -> Optional[str]:
    try:
        return _iso(getattr(meta, attr))
    except Exception:
        return _text(meta.get(key))


# Form XObjects looked into for hidden text: OCRmyPDF draws its text layer in one, under the image.
MAX_FORM_DEPTH = 3
MAX_FORMS_PER_PAGE = 64
MAX_CONTENT_BYTES = 20_000_000


def _forms_of(resources) -> list:
    xobjects = _resolve(resources.get("/XObject")) if isinstance(resources, DictionaryObject) else None
    if not isinstance(xobjects, DictionaryObject):
        return []
    forms = []
    for ref in xobjects.values():
        xobj = _resolve(ref)
        if isinstance(xobj, DictionaryObject) and xobj.get("/Subtype") == "/Form":
            forms.append(xobj)
    return forms


def page_uses_invisible_text(reader: Optional[pypdf.PdfReader], index: int) -> bool:
    """Render mode 3 (invisible) in the page's content stream or in a form it draws (to a
    bounded depth and count): an OCR sandwich or hidden text."""
    if reader is None:
        return False
    try:
        page = reader.pages[index]
        contents = page.get_contents()
        if contents is not None and _INVISIBLE.search(contents.get_data()[:MAX_CONTENT_BYTES]):
            return True
        level, seen, looked = _forms_of(_resolve(page.get("/Resources"))), set(), 0
        for _ in range(MAX_FORM_DEPTH):
            deeper = []
            for form in level:
                if id(form) in seen or looked >= MAX_FORMS_PER_PAGE:
                    continue
                seen.add(id(form))
                looked += 1
                if _INVISIBLE.search(form.get_data()[:MAX_CONTENT_BYTES]):
                    return True
                deeper += _forms_of(_resolve(form.get("/Resources")))
            level = deeper
        return False
    except Exception:
        return False
