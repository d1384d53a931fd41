"""OUT/roster.xlsx: the 申报人员汇总花名册 the evaluation committee receives, and counts.

Text from the dossiers goes into cells people open in Excel or WPS; a value a spreadsheet would
run as a formula is stored as a string (and shown with a quote prefix), never as a formula.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Callable, Iterable, Optional

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
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


def _set(cell: Cell, value: object) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = True


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


def _header(ws, names: Iterable[str]) -> None:
    ws.append(list(names))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.freeze_panes = "A2"


def build_roster(lines: list[dict], rule_names: dict[str, str], batch_unit: Optional[str]) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    _header(ws, (c for c, _ in COLUMNS))
    for i, line in enumerate(lines, 1):
        row = roster_row(i, line, rule_names, batch_unit)
        for col, v in enumerate(row, 1):
            _set(ws.cell(row=i + 1, column=col), v)
    for col, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(lines) + 1}"

    counts = wb.create_sheet("统计")
    _header(counts, ["工作单位", *(STATUS_LABELS[s] for s in STATUSES), "合计"])
    by_unit: dict[str, Counter] = {}
    for line in lines:
        by_unit.setdefault(unit_of(line, batch_unit), Counter())[line["status"]] += 1
    r = 2
    for unit, c in sorted(by_unit.items()):
        values = [unit, *(c.get(s, 0) for s in STATUSES), sum(c.values())]
        for col, v in enumerate(values, 1):
            _set(counts.cell(row=r, column=col), v)
        r += 1
    total = Counter(line["status"] for line in lines)
    for col, v in enumerate(["合计", *(total.get(s, 0) for s in STATUSES), len(lines)], 1):
        _set(counts.cell(row=r, column=col), v)
        counts.cell(row=r, column=col).font = Font(bold=True)
    counts.column_dimensions["A"].width = 32
    for col in range(2, len(STATUSES) + 3):
        counts.column_dimensions[get_column_letter(col)].width = 12
    counts.auto_filter.ref = f"A1:{get_column_letter(len(STATUSES) + 2)}{max(r - 1, 1)}"
    return wb


def write_roster(out_dir, lines: list[dict], rule_names: dict[str, str], batch_unit: Optional[str],
                 write: Callable) -> None:
    buf = io.BytesIO()
    build_roster(lines, rule_names, batch_unit).save(buf)
    write(out_dir / ROSTER_FILE, buf.getvalue())
