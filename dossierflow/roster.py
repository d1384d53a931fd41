"""OUT/roster.xlsx: the 申报人员汇总花名册 the evaluation committee receives, and counts.

Text from the dossiers goes into cells people open in Excel or WPS; a value a spreadsheet would
run as a formula is stored as a string (and shown with a quote prefix), never as a formula.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Callable, Iterable, Optional

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dossierflow.labels import FLAG_LABELS, STATUS_LABELS
from dossierflow.notices import unit_of
from dossierflow.privacy import mask_id, mask_ids_in_text
from dossierflow.vocab import STATUSES
from validators.messages import ROUTE_NAMES

ROSTER_FILE = "roster.xlsx"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("材料编号", 12),
    ("姓名", 12),
    ("身份证号码", 22),
    ("工作单位", 32),
    ("申报系列", 12),
    ("申报资格", 16),
    ("申报类型", 16),
    ("审核结论", 12),
    ("不符合项目", 40),
    ("诚信线索", 30),
    ("说明", 40),
]


def _cell(ws, value: object, bold: bool = False) -> Cell:
    """A cell of a streamed sheet holding `value`, a formula-like text kept as text."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def roster_row(no: int, line: dict, rule_names: dict[str, str], batch_unit: Optional[str]) -> list[object]:
    fields = line.get("fields") or {}

    def value(key: str) -> str:
        return str((fields.get(key) or {}).get("value") or "")

    failed = [rule_names.get(f["rule"], f["rule"]) for f in line.get("findings", []) if f["outcome"] == "fail"]
    flags = [FLAG_LABELS.get(f["code"], f["code"]) for f in line.get("flags", [])]
    route = value("route")
    return [
        no,
        line["dossier_id"],
        value("name"),
        mask_id(value("id_number")),
        unit_of(line, batch_unit),
        value("series"),
        value("applied_title"),
        ROUTE_NAMES.get(route, route),
        STATUS_LABELS.get(line["status"], line["status"]),
        "、".join(failed),
        "、".join(dict.fromkeys(flags)),
        mask_ids_in_text(line.get("message") or ""),
    ]


def _streamed_sheet(wb: Workbook, title: str, columns: list[tuple[str, int]]):
    """A sheet written row by row as it is appended (nothing of it held), its header row
    frozen; widths go first, since a streamed sheet writes them before its rows."""
    ws = wb.create_sheet(title)
    for col, (_, width) in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    header = []
    for name, _ in columns:
        cell = _cell(ws, name, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header.append(cell)
    ws.append(header)
    return ws


def build_roster(lines: Iterable[dict], rule_names: dict[str, str], batch_unit: Optional[str]) -> Workbook:
    """The roster and its counts, each line read once: a city's batch is not held as cells."""
    wb = Workbook(write_only=True)
    ws = _streamed_sheet(wb, "花名册", COLUMNS)
    by_unit: dict[str, Counter] = {}
    rows = 0
    for rows, line in enumerate(lines, 1):
        ws.append([_cell(ws, v) for v in roster_row(rows, line, rule_names, batch_unit)])
        by_unit.setdefault(unit_of(line, batch_unit), Counter())[line["status"]] += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"

    names = ["工作单位", *(STATUS_LABELS[s] for s in STATUSES), "合计"]
    counts = _streamed_sheet(wb, "统计", [(name, 32 if i == 0 else 12) for i, name in enumerate(names)])
    total: Counter = Counter()
    for unit, c in sorted(by_unit.items()):
        counts.append([_cell(counts, v) for v in [unit, *(c.get(s, 0) for s in STATUSES), sum(c.values())]])
        total.update(c)
    counts.append([_cell(counts, v, bold=True) for v in ["合计", *(total.get(s, 0) for s in STATUSES), rows]])
    counts.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(by_unit) + 1}"
    return wb


def write_roster(out_dir, lines: Iterable[dict], rule_names: dict[str, str], batch_unit: Optional[str],
                 write: Callable) -> None:
    buf = io.BytesIO()
    build_roster(lines, rule_names, batch_unit).save(buf)
    write(out_dir / ROSTER_FILE, buf.getvalue())
