"""补正通知: one Word notice per returned dossier, and one file gathering each unit's notices.

Offices edit and stamp these, so they are .docx built from a template file
(`templates/notice.docx`, or the office's own via `dossier run --notice-template`). The
template's placeholders are listed in `templates/make_notice_template.py`.
"""

from __future__ import annotations

import copy
import gc
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from docx import Document
from docx.enum.text import WD_BREAK
from docx.table import Table

from dossierflow.display import locator_text
from dossierflow.errors import UsageError
from dossierflow.privacy import mask_id, mask_ids_in_text

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "notice.docx"
NOTICES_DIR = "notices"
ROW_MARK = "{rule}"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_BAD_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
NO_UNIT = "未注明单位"


@dataclass(frozen=True)
class NoticeItem:
    rule: str      # Chinese name
    code: str
    problem: str
    remedy: str
    clause: str
    where: str


@dataclass(frozen=True)
class Notice:
    dossier_id: str
    unit: str
    fields: dict[str, str]  # the template's dossier-level placeholders
    items: list[NoticeItem]



def returns_dossier(spec: object) -> bool:
    """Whether a failure of this rule returns the dossier to its unit: a materials rule, or a
    batch rule whose finding on each dossier is a materials one (BATCH_PAPERS, POST_QUOTA), not
    a warning a person weighs (SUBMISSION_DEADLINE)."""
    severity = getattr(spec, "severity", None)
    return severity == "materials" or (severity == "batch" and getattr(spec, "dossier_severity", "materials") == "materials")

def where_text(sources: list[dict], dossier_id: str) -> str:
    """Sources as a clerk finds them in the paper dossier: file, page, table cell, paragraph."""
    parts: list[str] = []
    for src in sources:
        name = src.get("file") or ""
        if name.startswith(dossier_id + "/"):
            name = name[len(dossier_id) + 1 :]
        bits = [name]
        if src.get("page"):
            bits.append(f"第{src['page']}页")
        locator = locator_text(src.get("locator"))
        if locator:
            bits.append(locator)
        text = " ".join(b for b in bits if b)
        if text and text not in parts:
            parts.append(text)
    # A bare file name says nothing more once a page or cell of that file is named.
    parts = [p for p in parts if not any(q != p and q.startswith(p + " ") for q in parts)]
    return "；".join(parts) if parts else "—"


def unit_of(line: dict, batch_unit: Optional[str]) -> str:
    employer = ((line.get("fields") or {}).get("employer") or {}).get("value")
    return str(employer or batch_unit or NO_UNIT)


def notice_for(
    line: dict,
    rule_specs: dict,
    *,
    batch_id: str,
    batch_unit: Optional[str],
    policy: str,
    date_text: str,
) -> Notice:
    """The notice of one returned dossier: every failed rule that returns it (materials rules,
    and batch rules whose finding on a dossier is a materials one), each with its remedy."""
    fields = line.get("fields") or {}

    def value(key: str) -> str:
        return str((fields.get(key) or {}).get("value") or "")

    items = []
    for f in line.get("findings", []):
        spec = rule_specs.get(f["rule"])
        if f["outcome"] != "fail" or spec is None or not returns_dossier(spec):
            continue
        items.append(
            NoticeItem(
                rule=spec.name,
                code=f["rule"],
                problem=mask_ids_in_text(f.get("message") or ""),
                remedy=spec.remedy or "按审核意见补正",
                clause=f.get("clause") or spec.clause,
                where=where_text(f.get("sources") or [], line["dossier_id"]),
            )
        )
    if line.get("message"):
        # Returned for a file that could not be used: no rule failed, the message says which.
        items.append(
            NoticeItem(
                rule="材料文件可以正常打开",
                code="",
                problem=mask_ids_in_text(line["message"]),
                remedy="重新提交可以正常打开、未加密的文件",
                clause="二（一）2",
                where="—",
            )
        )
    unit = unit_of(line, batch_unit)
    return Notice(
        dossier_id=line["dossier_id"],
        unit=unit,
        fields={
            "unit": unit,
            "name": value("name") or "（姓名未识别）",
            "id_masked": mask_id(value("id_number")) or "（未识别）",
            "series": value("series") or "—",
            "applied_title": value("applied_title") or "—",
            "dossier_id": line["dossier_id"],
            "batch_id": batch_id,
            "policy": policy,
            "date": date_text,
        },
        items=items,
    )


# ------------------------------------------------------------------------------ rendering


def _fill_paragraph(paragraph, values: dict[str, str]) -> None:
    text = paragraph.text
    if "{" not in text:
        return
    new = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    if new == text:
        return
    runs = paragraph.runs
    if not runs:
        return
    # A placeholder may be split across runs by Word; the first run keeps the formatting.
    runs[0].text = new
    for run in runs[1:]:
        run.text = ""


def _fill_table_cells(table: Table, values: dict[str, str]) -> None:
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                _fill_paragraph(p, values)
            for inner in cell.tables:
                _fill_table_cells(inner, values)


def _expand_item_rows(table: Table, items: list[NoticeItem]) -> bool:
    """Repeat the row holding {rule} once per item; False when the table has none."""
    for row in table.rows:
        if any(ROW_MARK in cell.text for cell in row.cells):
            proto = row._tr
            for no, item in enumerate(items, 1):
                clone = copy.deepcopy(proto)
                proto.addprevious(clone)
                values = {"no": str(no), **{k: getattr(item, k) for k in ("rule", "code", "problem", "remedy", "clause", "where")}}
                for tr_row in table.rows:
                    if tr_row._tr is clone:
                        for cell in tr_row.cells:
                            for p in cell.paragraphs:
                                _fill_paragraph(p, values)
            proto.getparent().remove(proto)
            return True
    return False


def _paragraph_items(doc, items: list[NoticeItem]) -> None:
    # A template without the item row still gets every item, as numbered paragraphs at the end.
    for no, it in enumerate(items, 1):
        doc.add_paragraph(f"{no}. {it.rule}（{it.code}）：{it.problem}。需补交或更正：{it.remedy}。依据：{it.clause}。位置：{it.where}")


def render(notice: Notice, template_bytes: bytes):
    doc = Document(io.BytesIO(template_bytes))
    expanded = any(_expand_item_rows(t, notice.items) for t in doc.tables)
    for p in doc.paragraphs:
        _fill_paragraph(p, notice.fields)
    for t in doc.tables:
        _fill_table_cells(t, notice.fields)
    for section in doc.sections:
        for part in (section.header, section.footer):
            for p in part.paragraphs:
                _fill_paragraph(p, notice.fields)
    if not expanded:
        _paragraph_items(doc, notice.items)
    return doc


def _gather(docs: Iterable) -> object:
    """One document holding several notices, each from a new page. All come from the same
    template, so the relationships their XML refers to (images, styles) are the first's.
    `docs` is consumed one at a time: only each notice's body is kept, in the first; a whole
    document held per notice cost about half a megabyte each."""
    remaining = iter(docs)
    first = next(remaining)
    body = first.element.body
    sect = body.sectPr
    for doc in remaining:
        brk = first.add_paragraph().add_run()
        brk.add_break(WD_BREAK.PAGE)
        for child in list(doc.element.body):
            if child.tag.endswith("}sectPr"):
                continue
            if sect is not None:
                sect.addprevious(copy.deepcopy(child))
            else:
                body.append(copy.deepcopy(child))
    return first


def unit_filename(unit: str, taken: set[str]) -> str:
    stem = _BAD_FILENAME.sub("_", unit).strip("._") or NO_UNIT
    name = stem[:80]
    while name in taken:
        name += "-单位"
    return name


def load_template(path: Optional[Path]) -> bytes:
    path = Path(path) if path else DEFAULT_TEMPLATE
    try:
        data = path.read_bytes()
        Document(io.BytesIO(data))
    except FileNotFoundError as exc:
        raise UsageError(f"补正通知模板不存在：{path}") from exc
    except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
        raise UsageError(f"补正通知模板不是有效的 Word（.docx）文件：{path}（{exc}）") from exc
    return data


# A rendered notice is a python-docx document whose parts refer to each other: dropped, it
# stays until a full collection of the garbage collector, about half a megabyte each. In a
# city batch's process such collections come rarely, so the notices collect it themselves
# every so many documents: at most that many are waiting at once.
_COLLECT_EVERY = 32


def _rendered(notices: Iterable[Notice], template_bytes: bytes) -> Iterator:
    """Each notice rendered, one at a time, the dropped ones collected every `_COLLECT_EVERY`."""
    for count, notice in enumerate(notices, 1):
        yield render(notice, template_bytes)
        if count % _COLLECT_EVERY == 0:
            gc.collect()


def write_notices(
    out_dir: Path,
    notices: list[Notice],
    template_bytes: bytes,
    write: Callable[[Path, bytes], None],
) -> Path:
    """Replace OUT/notices with this run's notices: a dossier no longer returned loses its old one."""
    target = out_dir / NOTICES_DIR
    staging = Path(tempfile.mkdtemp(prefix=".notices.", dir=out_dir))
    try:
        by_unit: dict[str, list] = {}
        for notice, doc in zip(notices, _rendered(notices, template_bytes)):
            buf = io.BytesIO()
            doc.save(buf)
            del doc
            write(staging / f"{notice.dossier_id}.docx", buf.getvalue())
            by_unit.setdefault(notice.unit, []).append(notice)
        taken = {n.dossier_id for n in notices}
        for unit, group in sorted(by_unit.items()):
            name = unit_filename(unit, taken)
            taken.add(name)
            gathered = _gather(_rendered(group, template_bytes))
            buf = io.BytesIO()
            gathered.save(buf)
            write(staging / f"{name}.docx", buf.getvalue())
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
