"""Helpers every evidence reader shares: who holds it, when, who issued it, how sure we are."""

from __future__ import annotations

import re
from typing import Callable, Optional

from dossierflow.models import Document, Evidence, FieldValue
from extractors import normalize as nz
from extractors.calibration import check_weight
from extractors.layout import DocView, Found, TextLine

# OCR turns ISSN into I9SN, I9S9N, ISSNX…: the letters are matched loosely, the digits strictly.
ISSN = re.compile(r"[I1l][S59]{1,3}N[X:：]?(\d{4})[-‐—–.．·]?(\d{3}[\dXx])(?![\dXx])", re.I)
CN = re.compile(r"CN[:：]?(\d{2})[-‐—–](\d{4})/?([A-Z]{1,2}\d?)", re.I)
ISSUE = re.compile(r"((?:19|20)\d{2})年(?:第)?(\d{1,2})期")
VOL_NO = re.compile(r"((?:19|20)\d{2})[,，]?(?:Vol\.?\d+[,，]?)?No\.?(\d{1,2})", re.I)
GRADE = re.compile(r"(特等奖|[一二三四五壹贰叁]等奖|优秀奖)")
RANK = re.compile(r"(?:第|排名第|排序第|名次第?)([一二三四五六七八九十\d]{1,3})(?:完成人|名|位|作者|发明人)?")
NAME_RE = r"[\u4e00-\u9fff·]{2,6}"

# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------


def conf_of(view: DocView, *found: Optional[Found]) -> float:
    confs = [f.conf for f in found if f is not None]
    if confs:
        return round(min(confs), 3)
    pages = [p for p in view.pages if p.ocr_confidence is not None]
    return round(min((p.ocr_confidence for p in pages), default=0.9), 3)  # type: ignore[type-var]


def snap_name(name: str, applicant: Optional[str]) -> str:
    """A reading one character away from the applicant's name (three characters or more) is
    the applicant's name misread by OCR, not another person."""
    if applicant and name != applicant and len(name) == len(applicant) >= 3 and nz.edit_distance(name, applicant) == 1:
        return applicant
    return name


def _common_run(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            best = max(best, k)
    return best


def looks_like_misread(holder: str, applicant: str) -> bool:
    """Two OCR readings that may be one name damaged (a rare character misread, one dropped, a
    neighbouring character caught): they share two characters in a row, or are as long and
    agree on one position. Unrelated names share neither."""
    if not holder or not applicant or holder == applicant:
        return False
    if _common_run(holder, applicant) >= 2:
        return True
    if len(applicant) >= 3 and len(holder) <= len(applicant) + 2 and _common_subsequence(holder, applicant) >= len(applicant) - 1:
        return True  # 吕敏翠 read as 吕人敏水: stray strokes taken for characters
    return len(holder) == len(applicant) and any(a == b for a, b in zip(holder, applicant))


def _common_subsequence(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


_HOLDER_PATTERNS = (
    re.compile(r"(?:学生|兹证明|兹有|证明)([\u4e00-\u9fff·]{2,4}?)(?:同志|[，,]|性别|[（(]|系|于)"),
    re.compile(r"([\u4e00-\u9fff·]{2,4})同志"),
    re.compile(r"([\u4e00-\u9fff·]{2,4})[，,](?:性别)?[男女][，,]"),
)


def holder_of(view: DocView, applicant: Optional[str], labels: tuple[str, ...] = ()) -> Optional[str]:
    f = view.value(labels + ("姓名", "持证人", "获奖人", "获奖者"), stop_labels=("性别", "出生", "身份证"),
                   accept=lambda v: bool(re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", v)), inside=False)
    if f is None:
        f = view.value(("姓名",), stop_labels=("性别", "出生", "身份证"),
                       accept=lambda v: bool(re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", v)))
    if f is not None:
        return snap_name(f.text, applicant)
    flat = view.flat
    if applicant and applicant in flat:
        return applicant
    for pat in _HOLDER_PATTERNS:
        m = pat.search(flat)
        if not m:
            continue
        # 荣誉证书王秀英同志 with 书 lost to OCR still has the title's 证 before the name.
        cand = re.sub(r"^.*(证书|证明|证)", "", m.group(1))
        if len(cand) < 2:
            continue
        if applicant:
            for k in range(len(cand) - 1):  # the name is the tail of what the pattern caught
                tail = cand[k:]
                if snap_name(tail, applicant) == applicant:
                    return applicant
            # A tail as long as the applicant's name that is that name misread (宋常态 for 常鑫:
            # 书 read as 宋, 鑫 as 态): the caller treats it as an unread holder, not another person.
            for k in range(len(cand) - 1):
                tail = cand[k:]
                if len(tail) == len(applicant) and looks_like_misread(tail, applicant):
                    return tail
        if len(cand) <= 4 and not re.search(r"(证书|特发|鼓励|本人|我单位|证明)", cand):
            return cand
    return None


def date_after(view: DocView, labels: tuple[str, ...]) -> Optional[str]:
    f = view.value(labels)
    # No surer than a date the two engines read differently (批准时间 十二〇一二年一月 against
    # 二〇一二年十一月): not read.
    if f is not None and f.conf > check_weight("engines_disagree"):
        d = nz.parse_date(f.text)
        if d:
            return nz.RepairedIso(d) if _stray_beside_date(f.text) else d
    return None


# What may stand beside the date in a labelled date cell: a day's unit left over, punctuation.
_DATE_CELL_REST = re.compile(r"[日号\s:：,，.。、()（）\-/]*")


def _stray_beside_date(text: str) -> bool:
    """Does a date cell hold glyphs no date has, glued to its one date (四2013年1月: a ruling or a
    seal's edge read as 四)? The recogniser that saw a glyph there may have lost one inside the
    date too (2013年11月 read 1月), so the date is no surer than a repaired one."""
    hits = nz.find_dates(text)
    if len(hits) != 1:
        return False
    prepared = nz.prep_date_text(text)
    rest = prepared[: hits[0].start] + prepared[hits[0].end :]
    return not _DATE_CELL_REST.fullmatch(rest)


def _document_dates(view: DocView, text: str) -> list:
    """Dates in `text` (as read: a date a repair made stays marked so) that can date the
    document: not a birth date, not a period's start."""
    t = nz.prep_date_text(text)
    return [h for h in nz.find_dates(text) if t[h.end : h.end + 1] not in ("生", "至", "到") and not _is_birth(view, h.iso)]


def date_disputed(ln: TextLine) -> bool:
    """The second engine read another date on this line than the text holds (2010 for 2001),
    and the line was left in doubt: neither is taken. A runner-up reading that holds no date
    (六 with runner-up 穴) disputes nothing."""
    for seg in ln.segs:
        if seg.conf > check_weight("engines_disagree"):
            continue
        if any(nz.another_date(seg.text, alt) for alt in seg.alternatives):
            return True
    return False


def last_date(view: DocView) -> Optional[str]:
    """Certificates and letters are dated at the bottom: the last date on the page that is not
    a birth date (`1982年6月生`) nor the start of a period (`2000年9月至…`: when the end is
    unreadable, the start is not the date either), nor one the two engines read differently."""
    for ln in reversed(view.lines):
        if date_disputed(ln):
            continue
        t = nz.prep_date_text(ln.text)
        hits = _document_dates(view, ln.text)
        if hits:
            return hits[-1].iso
        # 日期：2020/5711 — a slash-written date whose second slash OCR read as 7.
        m = re.search(r"(?:日期|时间)[:：]?((?:19|20)\d{2}/[\d/]{2,6})$", t)
        repaired = nz.repair_slash_date(m.group(1)) if m else None
        if repaired:
            return repaired
    # A Chinese-numeral date OCR broke over two lines (一九九九年七 | 月).
    hits = _document_dates(view, "".join(ln.text for ln in view.lines[-3:] if not date_disputed(ln)))
    return hits[-1].iso if hits else None


# An award or honour names the year it is for (荣获2012年度…奖, 被评为2019年度优秀教师) and is
# issued that year or within the next two.
_YEAR_FOR = re.compile(r"((?:19|20)\d{2})\s*年度")
ISSUED_WITHIN_YEARS = 2


def fits_named_year(view: DocView, date: Optional[str]) -> Optional[str]:
    """`date` if it agrees with the year the certificate says it is for, else None: a date read
    years off that year is a numeral misread (二〇一三 read 二G二三 under a seal's ring, for
    an award of 2012年度), and the eval form's date for the same title is taken instead."""
    m = _YEAR_FOR.search(view.flat)
    if date is None or m is None:
        return date
    named = int(m.group(1))
    return date if named <= int(date[:4]) <= named + ISSUED_WITHIN_YEARS else None


def _is_birth(view: DocView, iso: str) -> bool:
    return any(iso[:7] == d[:7] for d in view.ignore_dates)


_ORG_END = re.compile(r"^(.*(?:领导小组|委员会|人民政府|保障局|协会|学会|中心|医院|公司|大学|学院|学校|局|厅|部|处|院|站|所|馆|社|队))")


def org_name(text: Optional[str]) -> Optional[str]:
    """An organisation name without what OCR appended after it (a stamp read as letters)."""
    if not text:
        return None
    t = nz.repair_places(text)
    m = _ORG_END.match(t)
    return m.group(1) if m else t


def number_after(view: DocView, labels: tuple[str, ...] = ("证书编号", "编号", "证书号", "管理号")) -> Optional[str]:
    f = view.value(labels)
    if f is None:
        return None
    m = re.search(r"[A-Za-z]*[0-9][0-9A-Za-z\-]{3,}", f.text)
    if not m:
        return None
    # Letters OCR appends after a long run of digits are the stamp or the frame, not the number.
    return re.sub(r"(?<=\d{6})[A-Za-z]+$", "", m.group(0))


# The attributes of an evidence item that hold a date.
DATE_ATTRS = ("date", "since", "period_from", "period_to")


def make_evidence(kind: str, view: DocView, found: Optional[Found] = None, **kw) -> Evidence:
    src = found.source() if found is not None else view.whole_source()
    kw.setdefault("confidence", conf_of(view, found))
    return Evidence(kind=kind, source=src, **unsure_if_repaired(kw))  # type: ignore[arg-type]


def unsure_if_repaired(kw: dict) -> dict:
    """An item whose date only a repair of the reading makes is no surer than that date: a
    rule on it says review and no integrity lead rests on it (see `nz.RepairedIso`)."""
    if any(nz.is_repaired(kw.get(attr)) for attr in DATE_ATTRS):
        kw["confidence"] = min(kw["confidence"], check_weight("date_repaired"))
    return kw


def level_word(text: str) -> Optional[str]:
    m = re.search(r"(国家级|自治区级|省级|省部级|市级|地市级|盟市级|县级|旗县级)", text)
    if not m:
        return None
    return {"省级": "自治区级", "省部级": "自治区级", "地市级": "市级", "盟市级": "市级", "旗县级": "县级"}.get(m.group(1), m.group(1))


def award_level(text: str) -> Optional[str]:
    if "国家" in text or "国务院" in text or "全国" in text:
        return "国家级"
    if "自治区" in text or "内蒙古" in text or "省" in text:
        return "自治区级"
    if "市" in text:
        return "市级"
    return None


Reader = Callable[[DocView, Document, dict[str, FieldValue]], list[Evidence]]


def applicant_of(fields: dict[str, FieldValue]) -> Optional[str]:
    v = fields.get("name")
    return str(v.value) if v is not None and v.value else None


_ISSUER = re.compile(r"([\u4e00-\u9fff（）()]{2,30}(?:人民政府|委员会|领导小组|人力资源和社会保障局|局|厅|部|学院|大学|协会|学会|中心|医院|公司|组织部|科学技术协会|委|办公室))")


def signer_unit(view: DocView) -> Optional[str]:
    """Who signed: the short line of the signature block at the bottom (above or beside the
    date), else an organisation name at the end of the text."""
    for ln in reversed(view.lines[-6:]):
        t = ln.text
        if not t or nz.find_dates(t) and len(re.sub(r"[\d年月日号.\-/:：〇○零一二三四五六七八九十O]|日期", "", t)) <= 2:
            continue
        m = re.match(r"^(?:单位|发证单位|审验单位|发证机关)?[（(]?(?:盖章|公章)?[）)]?[:：]?(.*)$", t)
        rest = m.group(1) if m else t
        if rest and len(rest) <= 30 and re.fullmatch(r"[\u4e00-\u9fff（）()]{4,30}", rest) and not re.search(r"(兹|证明|特发|授予|荣获|鼓励|承诺)", rest):
            return rest
        break
    tail = view.flat[-60:]
    found = _ISSUER.findall(tail)
    return found[-1] if found else None


_ID_NEAR = re.compile(r"(?:身份证号码?|公民身份号码|证件号码)[:：]?([0-9Xx]{17,18})")


def holder_id(view: DocView) -> Optional[str]:
    m = _ID_NEAR.search(view.flat)
    return nz.clean_id_number(m.group(1)) if m else None


def my_unit(view: DocView, fields: dict[str, FieldValue]) -> Optional[str]:
    """A letter written by "我单位" is the applicant's unit: the employer on the form."""
    emp = fields.get("employer")
    if emp is not None and ("我单位" in view.flat or "本单位" in view.flat):
        return str(emp.value)
    return None


def school_of(view: DocView) -> Optional[str]:
    f = view.value(("校名", "学校名称", "毕业学校", "毕业院校", "学校"), accept=lambda v: bool(re.search(r"(大学|学院|学校|中学|技校)$", v)))
    if f is not None:
        return f.text
    m = re.search(r"(?:在|于|经)?([\u4e00-\u9fff（）()]{2,20}?(?:大学|学院|学校|中学|技校))", view.flat)
    if not m:
        return None
    return re.sub(r"^(在|于|经|校名)", "", m.group(1))


def bottom_date(view: DocView) -> Optional[str]:
    """The date a certificate is issued: a line near the bottom that holds only a date."""
    for ln in reversed(view.lines[-4:]):
        if date_disputed(ln):
            continue
        hits = nz.find_dates(ln.text)
        if hits and len(re.sub(r"[\d年月日号.\-/:：〇○零一二三四五六七八九十O]|日期|时间", "", ln.text)) <= 1:
            if not _is_birth(view, hits[-1].iso):
                return hits[-1].iso
    return None


def year_date(view: DocView, year: str) -> Optional[str]:
    for ln in view.lines:
        for h in nz.find_dates(ln.text):
            if h.iso.startswith(year):
                return h.iso
    return None


# An end of a period written, or read by OCR, with a separator or both lost: 2020-05-10至20200517,
# 2020.0522至2020.05.26. Only next to 至/到: elsewhere eight digits are as often a certificate
# number (RY20150612).
_COMPACT_END = re.compile(
    r"(?:(?<=[至到])|(?<![\d.\-/])(?=(?:19|20)\d{2}[.\-/]?\d{2}[.\-/]?\d{2}[至到]))"
    r"((?:19|20)\d{2})[.\-/]?(\d{2})[.\-/]?(\d{2})(?![\d.\-/])"
)


# An end with its month and day run together (2020/5/22至2020/529): split where only one split
# makes a date (5/29; 52/9 is none).
_RUN_TOGETHER_END = re.compile(r"(?<=[至到])((?:19|20)\d{2})[./\-](\d{3,4})(?![\d./\-])")


def _split_month_day(m: re.Match[str]) -> str:
    year, digits = m.group(1), m.group(2)
    splits = [(digits[:k], digits[k:]) for k in (1, 2) if len(digits) - k in (1, 2)]
    valid = [(mo, d) for mo, d in splits if nz.parse_date(f"{year}-{int(mo):02d}-{int(d):02d}") and 1 <= int(mo) <= 12]
    return f"{year}-{int(valid[0][0]):02d}-{int(valid[0][1]):02d}" if len(valid) == 1 else m.group(0)


def period_of(view: DocView) -> tuple[Optional[str], Optional[str]]:
    """`2020年5月18日至2020年5月25日`, read across line breaks."""
    flat = _COMPACT_END.sub(r"\1-\2-\3", nz.prep_date_text(view.flat))
    flat = _RUN_TOGETHER_END.sub(_split_month_day, flat)
    # `flat` is prepared already: which of its dates a repair made, only the text as read says.
    as_read = nz.find_dates(view.flat)
    repaired = {h.iso for h in as_read if h.repaired} - {h.iso for h in as_read if not h.repaired}
    hits = [nz.DateHit(nz.RepairedIso(h.iso), h.start, h.end, True) if h.iso in repaired else h for h in nz.find_dates(flat)]
    prepared = nz.prep_date_text(flat)
    for a, b in zip(hits, hits[1:]):
        between = prepared[a.end : b.start]
        if len(between) <= 2 and re.search(r"(至|到|—|-|～|~)", between or "-"):
            return a.iso, b.iso
    for a in hits:
        # An end written (or read) without its year, the start's year understood: 2020年5月20日
        # 至5月24日, or 2020/5/20至5/24 with the end's 2020/ lost.
        m = _YEARLESS_END.match(prepared, a.end)
        if m and len(a.iso) == 10:
            end = nz.parse_date(f"{a.iso[:4]}年{int(m.group(1))}月{int(m.group(2))}日")
            if end is not None and end >= a.iso:
                # The end's year is the start's: as sure as the start's reading.
                return a.iso, nz.RepairedIso(end) if nz.is_repaired(a.iso) else end
    return None, None


_YEARLESS_END = re.compile(r"[至到～~]((?:0?[1-9]|1[0-2]))(?:月|/|\.)((?:0?[1-9]|[12]\d|3[01]))(?![\d/.])")

