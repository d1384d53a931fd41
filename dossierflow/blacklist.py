"""The 失信黑名单: who is barred from applying, why, and until when.

A confirmed fraud (弄虚作假, 学术不端; 二（一）5) bars for 5 years; a public-institution applicant
who applied through another region or unit (二（二）) for 3: the rulebook's NOT_BLACKLISTED
`ban_years` holds these numbers, so another year's policy changes the rulebook, not this code. An entry is in force from its
start date up to, not including, its expiry date. Entries are matched on the full ID number;
everything listed or exported for people is masked unless the full export is asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import TYPE_CHECKING, Literal, Optional

from pydantic import BaseModel, ConfigDict

from dossierflow.errors import UsageError
from dossierflow.periods import add_years
from dossierflow.privacy import mask_id
from validators.integrity.idcard import check_char
from validators.rulebook import load_rulebook

if TYPE_CHECKING:
    from dossierflow.storage import Store

BlacklistKind = Literal["fraud", "cross_region"]
DEFAULT_RULEBOOK = "baotou-2020"
CLAUSES: dict[str, str] = {"fraud": "二（一）5", "cross_region": "二（二）"}
KIND_CN: dict[str, str] = {"fraud": "弄虚作假", "cross_region": "跨地区/单位申报"}
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


class NewEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str
    name: Optional[str] = None
    kind: BlacklistKind = "fraud"
    reason: str
    source: str
    start_date: dt.date
    expiry_date: dt.date
    created_by: Optional[str] = None


class BlacklistEntry(NewEntry):
    entry_id: int
    created_at: dt.datetime
    removed_at: Optional[dt.datetime] = None
    removed_reason: Optional[str] = None
    removed_by: Optional[str] = None

    def in_force(self, on: dt.date) -> bool:
        return self.removed_at is None and self.start_date <= on < self.expiry_date

    def lookup_dict(self) -> dict:
        """What RunContext.blacklist_lookup returns: no full ID number (it may end up in messages)."""
        return {
            "entry_id": self.entry_id,
            "id_masked": mask_id(self.id_number),
            "name": self.name,
            "kind": self.kind,
            "clause": CLAUSES[self.kind],
            "reason": self.reason,
            "source": self.source,
            "start_date": self.start_date.isoformat(),
            "expiry_date": self.expiry_date.isoformat(),
        }

    def row(self, full: bool = False) -> dict:
        return {
            "entry_id": self.entry_id,
            "id_number": self.id_number if full else mask_id(self.id_number),
            "name": self.name or "",
            "kind": self.kind,
            "reason": self.reason,
            "source": self.source,
            "start_date": self.start_date.isoformat(),
            "expiry_date": self.expiry_date.isoformat(),
            "created_by": self.created_by or "",
            "removed": self.removed_at is not None,
        }


def normalise_id(id_number: str) -> str:
    s = re.sub(r"\s", "", id_number).upper()
    if not _ID_SHAPE.match(s):
        raise UsageError(f"身份证号码格式不正确：{mask_id(s)}（应为18位，末位可为X）")
    return s


def check_digit_problem(id_number: str) -> Optional[str]:
    """A Chinese warning when the 18th character is not the number's GB 11643 check digit: a
    mistyped number would bar nobody and let the person it meant through."""
    s = normalise_id(id_number)
    expected = check_char(s[:17])
    if expected == s[17]:
        return None
    return f"身份证号码 {mask_id(s)} 的校验码不对（按前17位应为 {expected}，实为 {s[17]}），可能输错了"


def ban_years(rulebook: str = DEFAULT_RULEBOOK) -> dict[str, int]:
    """Years a confirmed case bars the applicant, by kind, as the rulebook gives them."""
    return dict(load_rulebook(rulebook).spec("NOT_BLACKLISTED").params.ban_years)  # type: ignore[attr-defined]


def new_entry(
    id_number: str,
    reason: str,
    source: str,
    kind: BlacklistKind = "fraud",
    name: Optional[str] = None,
    start: Optional[dt.date] = None,
    years: Optional[int] = None,
    created_by: Optional[str] = None,
    rulebook: str = DEFAULT_RULEBOOK,
) -> NewEntry:
    by_kind = ban_years(rulebook) if years is None else {}
    if kind not in CLAUSES or (years is None and kind not in by_kind):
        raise UsageError(f"未知的类型 {kind!r}，可用：{', '.join(by_kind or CLAUSES)}")
    if not reason.strip() or not source.strip():
        raise UsageError("必须注明原因（--reason）和来源（--source）")
    start = start or dt.date.today()
    return NewEntry(
        id_number=normalise_id(id_number),
        name=name,
        kind=kind,
        reason=reason.strip(),
        source=source.strip(),
        start_date=start,
        expiry_date=add_years(start, years if years is not None else by_kind[kind]),
        created_by=created_by,
    )


def add(store: "Store", entry: NewEntry) -> BlacklistEntry:
    return store.add_blacklist(entry)


def check(store: "Store", id_number: str, on: Optional[dt.date] = None) -> list[BlacklistEntry]:
    on = on or dt.date.today()
    return [e for e in store.blacklist_entries(id_number=normalise_id(id_number)) if e.in_force(on)]


EXPORT_COLUMNS = ("entry_id", "id_number", "name", "kind", "reason", "source", "start_date", "expiry_date", "created_by", "removed")


def _csv_safe(value: object) -> object:
    # A reason typed as "=HYPERLINK(…)" must stay text when the CSV is opened in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_text(entries: list[BlacklistEntry], fmt: Literal["csv", "json"], full: bool = False) -> str:
    rows = [e.row(full=full) for e in entries]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _csv_safe(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()
