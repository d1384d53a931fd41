"""File → pages. One entry point, `read_file`, dispatching on the file's content, not its name.

Readers: `pdf` (text layer, else OCR), `docx` (python-docx, table cells and paragraphs),
`image` (a scanned page → OCR, or the applicant's photo). `isolate.read_file_isolated` runs
`read_file` in a killable child process with time and memory limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from pydantic import BaseModel, ConfigDict, Field

from dossierflow.config import Limits
from dossierflow.errors import EncryptedFile, LimitExceeded, UnsupportedFile
from dossierflow.inputs import sha256_file
from dossierflow.models import FileInfo, PageContent
from extractors.readers.sniff import ole_is_encrypted_office, sniff

if TYPE_CHECKING:  # the OCR modules are imported on first use, as the format readers are
    from extractors.readers.reread import RereadPolicy


class FileRead(BaseModel):
    """What a reader returns for one file: its structure and its pages, in reading order."""

    model_config = ConfigDict(extra="forbid")

    info: FileInfo
    pages: list[PageContent] = Field(default_factory=list)


# Pages [start, stop) of a multi-page PDF, 0-based; None = all. Other files are read whole.
PageRange = Optional[tuple[int, int]]


def read_file(path: Path, rel: str, limits: Limits, pages: PageRange = None,
              policy: Optional["RereadPolicy"] = None) -> FileRead:
    """Read one file into pages; raises a `FileRejected` subclass (Chinese message) if unusable.

    `policy` chooses the regions of a scanned page the second recogniser reads again
    (`readers.reread`); the caller that knows what matters on a page gives it.

    `pages` lets a thick PDF be read in parts by several processes; the file's own facts
    (`FileInfo`) come whole with every part, the pages only with theirs.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise LimitExceeded(f"文件大小 {size / 1048576:.1f} MB 超过上限 {limits.max_file_bytes / 1048576:.0f} MB")
    if size == 0:
        raise UnsupportedFile("文件为空（0 字节）")
    kind = sniff(path)
    base = FileInfo(path=rel, sha256=sha256_file(path), size=size, kind="other")
    # The format readers import FileRead from this module, so they are imported on first use.
    if kind == "pdf":
        from extractors.readers.pdf import read_pdf

        return _bounded(read_pdf(path, base, limits, pages=pages, policy=policy), limits)
    if kind == "docx":
        from extractors.readers.docx import read_docx

        return _bounded(read_docx(path, base, limits), limits)
    if kind == "image":
        from extractors.readers.image import read_image

        return _bounded(read_image(path, base, limits, policy=policy), limits)
    if kind == "ole":
        if ole_is_encrypted_office(path):
            raise EncryptedFile("Word 文件已设置打开密码，无法读取，请提交未加密的文件")
        raise UnsupportedFile("旧版 Word（.doc）等格式无法读取，请另存为 .docx 或 PDF 后提交")
    raise UnsupportedFile("无法识别的文件类型（仅支持 PDF、DOCX、JPG/PNG 图片）")


def _bounded(read: FileRead, limits: Limits) -> FileRead:
    for page in read.pages:
        if len(page.segments) > limits.max_segments_per_page:
            where = f"第 {page.page} 页" if page.page else "文件中"
            raise LimitExceeded(
                f"{where}文字段落过多（{len(page.segments)} 段，上限 {limits.max_segments_per_page}），疑似异常文件，未读取"
            )
    return read


__all__ = ["FileRead", "PageRange", "read_file"]
