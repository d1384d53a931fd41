"""Letters and lists: employment, COVID front line, entrustment, pledge, publicity, material
list, photo, work summary."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from dossierflow.models import Document, Evidence, FieldValue, Segment
from extractors import normalize as nz
from extractors.classify import kind_specs
from extractors.evidence.common import (
    applicant_of,
    date_after,
    holder_id,
    holder_of,
    last_date,
    make_evidence,
    my_unit,
    org_name,
    period_of,
    signer_unit,
    snap_name,
)
from extractors.layout import DocView, TextLine, below, right_of
from extractors.lexicons import numeral_lookalikes


def read_employment(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    text = view.text
    grade = None
    gm = re.search(r"专业技术(?:岗位)?([一二三四五六七八九十\d]{1,3})级", text)
    if gm:
        grade = nz.post_grade(gm.group(0))
    since = date_after(view, ("聘用时间", "聘任时间", "聘用日期", "起聘时间"))
    if since is None:
        m = re.search(r"(?:自|从|于)(.{4,16}?)(?:起|开始)(?:被)?(?:聘|受聘)?", view.flat) or re.search(
            r"(?:自|从|于)(.{4,16}?)(?:被)?(?:聘|受聘)", view.flat)
        since = nz.parse_date(m.group(1)) if m else None
    unit_f = view.value(("聘用单位", "单位名称", "工作单位"), inside=False)
    unit = org_name(unit_f.text) if unit_f else (org_name(signer_unit(view)) or my_unit(view, fields))
    return [
        make_evidence("employment", view, unit_f, holder=holder_of(view, applicant_of(fields)), unit=unit,
                  post_grade=grade, since=since, date=last_date(view), holder_id_number=holder_id(view))
    ]


_IN_ORG = re.compile(r"在([\u4e00-\u9fff（）()]{3,30}?(?:医院|卫生院|中心|服务站|卫生室|站|所|局|委员会|公司|学校))")


def read_covid(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    p_from, p_to = period_of(view)
    flat = view.flat
    unit_f = view.value(("工作单位", "所在单位"), accept=lambda v: len(v) >= 4)
    unit = org_name(unit_f.text) if unit_f else None
    if unit is None:
        m = _IN_ORG.search(flat)
        unit = nz.repair_places(m.group(1)) if m else None
    unit = unit or org_name(signer_unit(view)) or my_unit(view, fields)
    role_f = view.value(("工作岗位", "岗位", "职责", "担任"), inside=False)
    role = role_f.text if role_f else None
    if role is None and unit and unit in flat:
        m = re.match(r"([\u4e00-\u9fff]{2,14}?)岗位", flat[flat.find(unit) + len(unit) :])
        role = m.group(1) if m else None
    if role is None:
        m = re.search(r"(?:担任|从事|负责)([\u4e00-\u9fff]{2,20}?)(?:工作|。|，)", flat)
        role = m.group(1) if m else None
    if role is None:
        # "在<unit><role>岗位" with a unit not recognised above (…妇幼保健院): the whole run, less
        # the applicant's employer where it starts so; 一（七）3 reads the role's words in it.
        m = re.search(r"在([\u4e00-\u9fff（）()]{2,40}?)岗位", flat)
        if m:
            run = m.group(1)
            employer = fields.get("employer")
            if employer is not None and run.startswith(str(employer.value)) and len(run) > len(str(employer.value)) + 1:
                run = run[len(str(employer.value)):]
            role = run
    return [
        make_evidence("covid_proof", view, None, holder=holder_of(view, applicant_of(fields)), unit=unit,
                  period_from=p_from, period_to=p_to, role=role, date=last_date(view))
    ]


def read_entrustment(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    return [
        make_evidence("entrustment", view, None, holder=holder_of(view, applicant_of(fields)), issuer=org_name(signer_unit(view)),
                  date=last_date(view))
    ]


# 承诺人（签名）: OCR drops the brackets and misreads 签 (等, 答, 笠) on a scan; after 承诺人 a
# one-character-plus-名/字 label is still the signature label.
_SIGN_LABEL = re.compile(
    r"(?:承诺人?[^签]{0,3})?(?:签名|签字)[）)]?[:：，,]?|承诺人[（(]?[\u4e00-\u9fff](?:名|字)[）)]?[:：，,]?|承诺人[:：]"
)
# A signature OCR read as exactly the applicant's name is not a chance reading: handwriting
# fonts lower Tesseract's confidence, not the reading's worth.
NAME_MATCH_CONF = 0.9


def _name_then_marks(segs: list[Segment], applicant: str) -> bool:
    """The signature line's own segment ends with exactly the applicant's name, and all that
    follows on the line are separate readings of at most one character and marks: pen strokes of
    the signature OCR took for glyphs (阎云梅 | 一 | 妈, 汤春燕 | -让 | 、). A longer name read as one unit (王伟东 for 王伟) is not this."""
    for i, seg in enumerate(segs):
        m = _SIGN_LABEL.search(seg.text)
        if m is None:
            continue
        own = re.sub(r"[^\u4e00-\u9fff·]", "", seg.text[m.end() :])
        return own == applicant and all(len(_name_chars(s.text)) <= 1 for s in segs[i + 1 :])
    return False


def _name_chars(text: str) -> str:
    """The characters of `text` a Chinese name is written with (CJK and the separator dot)."""
    return re.sub(r"[^\u4e00-\u9fff·]", "", text)


def _after_label(text: str, label: re.Match[str]) -> str:
    """What follows the signature label on its line, up to a date."""
    return re.split(r"(日期|时间|\d{4}年|(?:19|20)\d{2}[.\-/])", text[label.end() :])[0]


def _runner_up_is(segs: tuple[Segment, ...], applicant: str) -> bool:
    """The signature reads as exactly the applicant's name once one unsure character is taken
    as the recogniser's runner-up for it (叶字春, 宇 at 0.22 → 叶宇春)."""
    for i, seg in enumerate(segs):
        for alt in seg.alternatives:
            text = nz.compact("".join(alt if j == i else s.text for j, s in enumerate(segs)))
            m = _SIGN_LABEL.search(text)
            if m and _name_chars(_after_label(text, m)) == applicant:
                return True
    return False


SIGNATURE_LINES_BELOW = 2.5  # a signature written under its label reaches this many label heights down


def _ink_where_signed(ln: TextLine) -> bool:
    """Ink no word accounts for where the signature goes: after the label on its line, or just
    under it (a name written below 承诺人（签名）). OCR returns nothing for much handwriting."""
    box = ln.box
    if box is None or not ln.page.unread_ink:
        return False
    x0, y0, x1, y1 = box
    height = max(1.0, y1 - y0)
    top, bottom = y0 - 0.5 * height, y1 + SIGNATURE_LINES_BELOW * height
    # Ink inside another line that was read (a character of the date below) is that line's.
    others = [s.box for s in ln.page.segments if s not in ln.segs]
    return any(
        b[3] > top and b[1] < bottom and b[2] > x0 and not any(_inside(b, o) for o in others)
        for b in ln.page.unread_ink
    )


def _inside(inner: tuple, outer: tuple) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def read_pledge(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    """Signed means something is written after 承诺人（签名）; `signer` only when it reads as a name."""
    for ln in view.lines:
        m = _SIGN_LABEL.search(ln.text)
        if not m or (m.group(0).startswith(("签名", "签字")) and "承诺" not in view.flat):
            continue
        rest = _after_label(ln.text, m)
        anchor = ln.found(rest)
        if not rest:
            page = ln.page
            seg = ln.segs[-1]
            nbs = right_of(seg, page)
            nb = nbs[0] if nbs else below(seg, page)
            if nb is not None and not re.match(r"^(日期|时间|\d{4})", nz.compact(nb.text)):
                rest = nz.compact(nb.text)
                anchor = view.found(rest, page, nb)
        rest = rest.strip(" :：_")
        signed: Optional[bool] = bool(re.sub(r"[\s_\-—.·,，。:：|]", "", rest))
        if not signed and _ink_where_signed(ln):
            signed = None  # written there, not read: neither signed nor unsigned is known
        name = _name_chars(rest)
        applicant = applicant_of(fields)
        signer = snap_name(name, applicant) if 2 <= len(name) <= 6 and len(name) >= len(rest) - 1 else None
        if applicant and signer != applicant and _name_then_marks(ln.segs, applicant):
            signer, name = applicant, applicant
        if applicant and name != applicant and _runner_up_is(ln.segs, applicant):
            signer, name = applicant, applicant
        conf = anchor.conf if signed else min(anchor.conf, 0.9)
        if signer is not None and name == applicant:
            conf = max(conf, NAME_MATCH_CONF)
        return [
            make_evidence("pledge", view, anchor, signed=signed, signer=signer, date=last_date(view),
                      confidence=round(conf, 3))
        ]
    return [make_evidence("pledge", view, None, signed=False, date=last_date(view), confidence=0.5)]


def read_publicity(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    text = view.text
    result = "有异议" if "有异议" in text else ("无异议" if "无异议" in text else None)
    p_from, p_to = period_of(view)
    dated = last_date(view)
    # A period that ends before it starts (2020/5/23至2020/5/2: the end's last digit lost) is
    # misread at its end: that end is not read, and the statement's own date is what bounds it.
    misread_end = p_from is not None and p_to is not None and len(p_from) == len(p_to) and p_to < p_from
    if misread_end:
        p_to = None
    unit = org_name(signer_unit(view)) or my_unit(view, fields)
    # As sure as the segments that say what it states (the period, the result), not as the
    # page or their lines: the unit's seal beside them reads as low-confidence noise.
    stating = [seg.conf for ln in view.lines for seg in ln.segs
               if re.search(r"有异议|无异议", seg.text) or ("至" in seg.text and nz.find_dates(seg.text) and not misread_end)]
    if misread_end and dated:
        stating += [seg.conf for ln in view.lines for seg in ln.segs
                    if "至" not in seg.text and any(h.iso == dated for h in nz.find_dates(seg.text))]
    extra = {"confidence": round(min(stating), 3)} if stating and result and p_from else {}
    return [
        make_evidence("publicity", view, None, result=result, period_from=p_from, period_to=p_to, unit=unit,
                  date=dated, **extra)
    ]


_ITEM = re.compile(r"^(\d{1,2})[.、．)]?(.+?)(?:(\d{1,3})页?|共?(\d{1,3})页)?$")


_PAGES_CELL = re.compile(r"共?(\d{1,3}|[一二三四五六七八九十]{1,3})页?")


def _count_cell(text: str) -> Optional[int]:
    # What a recogniser makes of a lone digit in a narrow numeric column (numeral_lookalikes.tsv).
    t = numeral_lookalikes("count").get(text, text)
    m = _PAGES_CELL.fullmatch(t)
    if not m:
        return None
    return nz.chinese_to_int(m.group(1))


def read_material_list(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    """Numbered items; how sure each item's name is (by its number), so a rule never calls a
    listed document missing on a name OCR was unsure of."""
    items: list[dict] = []
    sure: dict[str, float] = {}
    for ln in view.lines:
        cells = [nz.compact(s.text) for s in ln.segs]
        if len(cells) >= 2 and re.fullmatch(r"\d{1,2}", cells[0]):
            no = int(cells[0])
            named = [(c, s) for c, s in zip(cells[1:], ln.segs[1:]) if _count_cell(c) is None]
            num_cells = [c for c in cells[1:] if _count_cell(c) is not None]
            if not named:
                continue
            pages = _count_cell(num_cells[0]) if num_cells else None
            items.append({"no": no, "name": _item_name(named[0][0]), "pages": pages})
            sure[str(no)] = round(min(ln.segs[0].conf, named[0][1].conf), 3)
            continue
        text = ln.text
        digits = numeral_lookalikes("count")
        if text[-1:] in digits and re.match(r"^\d{1,2}[\u4e00-\u9fff]", text):
            text = text[:-1] + digits[text[-1]]  # "3毕业证书工": the page count 1 misread
        m = _ITEM.match(text)
        if m and re.search(r"[\u4e00-\u9fff]{2,}", m.group(2)):
            pages_s = m.group(3) or m.group(4)
            items.append({"no": int(m.group(1)), "name": _item_name(m.group(2).rstrip("共…. ")),
                          "pages": int(pages_s) if pages_s else None})
            sure[m.group(1)] = round(ln.conf, 3)
    return [make_evidence("material_list", view, None, items=items, part_confidence=sure or None)]


@lru_cache(maxsize=1)
def _known_item_names() -> tuple[str, ...]:
    names = {t for spec in kind_specs() for t in spec.titles if len(t) >= 4}
    return tuple(sorted(names | set(_OTHER_ITEMS)))


_OTHER_ITEMS = ("二寸免冠照片", "近期二寸免冠照片", "论文", "著作", "身份证复印件")


def _item_name(name: str) -> str:
    """An item OCR damaged by one character (二十免冠照片) is the document name it nearly is."""
    known = _known_item_names()
    if name in known or len(name) < 4:
        return name
    close = [k for k in known if len(k) == len(name) and nz.edit_distance(k, name) == 1]
    return close[0] if len(close) == 1 else name


def read_photo(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    page = view.first_page()
    photo = page.photo if page is not None else None
    return [make_evidence("photo", view, None, photo=photo, confidence=0.95 if photo else 0.5)]


def read_work_summary(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    return [make_evidence("work_summary", view, None, text=view.plain_text())]
