"""Certificates: awards, honours, patents, diplomas, degrees, titles, skills, exams."""

from __future__ import annotations

import re

from dossierflow.models import Document, Evidence, FieldValue
from extractors import normalize as nz
from extractors import titles as tt
from extractors.evidence.common import (
    GRADE,
    RANK,
    applicant_of,
    award_level,
    bottom_date,
    date_after,
    fits_named_year,
    holder_id,
    holder_of,
    last_date,
    make_evidence,
    number_after,
    org_name,
    school_of,
    signer_unit,
    year_date,
)
from extractors.evidence.names import parse_authors
from extractors.layout import DocView
from extractors.lexicons import region_confirmed


def read_award(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    text = view.text
    title_f = view.value(("项目名称", "成果名称", "获奖项目", "获奖成果", "奖励项目"))
    title = title_f.text if title_f else None
    if title is None:
        m = re.search(r"(?:在|的)?[《“\"]([^》”\"]{3,40})[》”\"]", text)
        title = m.group(1) if m else None
    if title is None:
        # The closing quote lost to OCR: the title runs to the verb after it (…项目荣获2011年度…).
        m = re.search(r"[《“\"]([^》”\"《“]{3,40}?)(?:荣获|获得|被评为)", view.flat)
        title = m.group(1) if m else None
    if title is None:
        # The opening quote lost: the title runs from the work done (你参与完成的…) to the
        # closing quote before the award (…项目”荣获2014年度…).
        m = re.search(r"(?:完成|参与|主持|承担)的([^》”\"《“]{3,40}?)[》”\"](?:荣获|获得|被评为)", view.flat)
        title = m.group(1) if m else None
    grade_m = GRADE.search(text)
    grade = None
    if grade_m:
        g = grade_m.group(1)
        grade = g.replace("壹", "一").replace("贰", "二").replace("叁", "三")
    award_name = view.value(("奖励名称", "奖项名称", "奖项"), inside=False)
    level_text = award_name.text if award_name else ""
    if not level_text:
        m = re.search(r"([\u4e00-\u9fff]{2,20}?(?:科学技术进步奖|科技进步奖|成果奖|设计奖|技术奖|教学成果奖))", view.flat)
        level_text = m.group(1) if m else ""
    # "2018年度内蒙古自治区…奖": the run of characters starts at 年度
    level_text = re.sub(r"^年度", "", level_text)
    level = award_level(level_text) if level_text else None
    if level is None:
        issuer = signer_unit(view)
        level = award_level(issuer) if issuer else None
    rank = None
    rank_f = view.value(("排名", "完成人排序", "排序", "名次"), inside=False)
    if rank_f is not None:
        m = re.search(r"([一二三四五六七八九十\d]{1,3})", rank_f.text)
        rank = nz.chinese_to_int(m.group(1)) if m else None
    if rank is None:
        m = RANK.search(text)
        rank = nz.chinese_to_int(m.group(1)) if m else None
    date = fits_named_year(view, date_after(view, ("授奖日期", "获奖时间", "获奖日期", "发证日期", "颁发日期")) or last_date(view))
    return [
        make_evidence("award", view, title_f, holder=holder_of(view, applicant_of(fields), ("获奖人", "完成人", "获奖者")),
                  title=title, grade=grade, level=level, holder_rank=rank, date=date, number=number_after(view),
                  issuer=org_name(signer_unit(view)), award=level_text or None)
    ]


def read_honor(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    title_f = view.value(("荣誉称号", "称号", "荣誉名称", "入选"), inside=False)
    title = title_f.text if title_f else None
    if title is None:
        # A quoted title is the whole quotation (“自治区321人才工程二层次人选”荣誉称号: 人选 is
        # part of it); an unquoted one ends where the sentence or the word 称号 does.
        # With the opening quote read and the closing one lost, the quotation runs to 称号 (人选
        # is inside it: “自治区321人才工程二层次人选荣誉称号).
        m = re.search(r"(?:被评为|授予|荣获|入选)[“\"《]([^”\"》]{3,30})[”\"》]", view.flat) or re.search(
            r"(?:被评为|授予|荣获|入选)[“\"《](.{3,30}?)(?:荣誉称号|称号|。|，|,|$)", view.flat
        ) or re.search(r"(?:被评为|授予|荣获|入选)(.{3,30}?)(?:荣誉称号|称号|人选|。|，|,|$)", view.flat)
        title = m.group(1) if m else None
        if title and title.count("“") < title.count("”"):
            title = title[: title.rfind("”")] if title.endswith("”") else title
        if title and title.count("“") > title.count("”"):
            title += "”"
    date = fits_named_year(view, date_after(view, ("发证日期", "授予日期", "颁发日期")) or last_date(view))
    issuer = org_name(signer_unit(view))
    if title:
        # The issuer is a second reading of the region the title names (自台区… by 内蒙古自治区…厅).
        title = region_confirmed(title, issuer)
    return [
        make_evidence("honor", view, title_f, holder=holder_of(view, applicant_of(fields)), title=title, date=date,
                  issuer=issuer, level=award_level(title or "") if title else None, number=number_after(view))
    ]


def read_patent(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    title_f = view.value(("发明名称", "实用新型名称", "外观设计名称", "专利名称"))
    # The number as printed, spaces kept (ZL 20122 1539836.2): compact text would lose them.
    m = re.search(r"(ZL\s?\d[\d\s.Xx]{8,}[\dXx])", view.plain_text())
    number = re.sub(r"\s+", " ", m.group(1)) if m else None
    if number is None:
        number_f = view.value(("专利号",))
        if number_f is not None:
            mm = re.search(r"(ZL)?[\d.Xx]{8,}", number_f.text)
            number = mm.group(0) if mm else None
    holder_f = view.value(("发明人", "设计人", "专利权人"), stop_labels=("专利号", "专利申请日", "授权公告日"))
    holders = parse_authors(holder_f.text) if holder_f else None
    applicant = applicant_of(fields)
    holder = applicant if holders and applicant in holders else (holders[0] if holders else None)
    rank = holders.index(applicant) + 1 if holders and applicant in holders else None
    date = date_after(view, ("授权公告日", "授权日期", "专利申请日", "申请日")) or last_date(view)
    return [
        make_evidence("patent", view, title_f, title=title_f.text if title_f else None, holder=holder,
                  holder_rank=rank, authors=holders, number=number, date=date)
    ]


def read_diploma(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    school = school_of(view)
    school_f = None
    m = re.search(r"在(?:本校|我校|本院)([\u4e00-\u9fff]{2,16}?)专业", view.flat)
    major = m.group(1) if m else None
    if major is None:
        major_f = view.value(("专业",), stop_labels=("学制", "层次", "学历"), inside=False)
        major = major_f.text if major_f else None
    level_f = view.value(("层次", "学历层次", "学历"), inside=False)
    level = nz.education(level_f.text) if level_f else None
    if level is None:
        m = re.search(r"(专科|本科|硕士研究生|博士研究生|硕士|博士|中专|大专)", view.flat)
        level = nz.education(m.group(1)) if m else None
    form_f = view.value(("学习形式", "学习方式", "类别"), inside=False)
    ft = nz.full_time(form_f.text) if form_f else None
    if ft is None:
        ft = nz.full_time(view.flat)
    if ft is None and re.search(r"准予毕业|毕业证书", view.flat):
        # A diploma that is not full-time says so (非全日制, 函授, 成人…); one that does not is.
        ft = True
    # The study period's end in the diploma's sentence (于2001年9月至2005年7月在本校…) is the
    # graduation, and is read in a line of print; the date at the bottom is where the school's
    # seal sits (骑年盖月), and its ring cuts strokes (2005年7月 read 2005年1月): the sentence
    # first, then a labelled date, then the bottom line.
    m = re.search(r"至(.{4,16}?)(?:在|毕业|修完)", view.flat)
    studied_to = nz.parse_date(m.group(1)) if m else None
    dated = date_after(view, ("毕业时间", "毕业日期", "发证日期")) or bottom_date(view)
    # The bottom date where it agrees (it may give the day: 二〇〇二年七月一日).
    date = dated if dated and (studied_to is None or dated[:7] == studied_to[:7]) else studied_to
    date = date or last_date(view)
    number = number_after(view)
    return [
        make_evidence("diploma", view, school_f, holder=holder_of(view, applicant_of(fields)), school=school, major=major,
                  level=level, full_time=ft, date=date, number=number, holder_id_number=holder_id(view))
    ]


def read_degree(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    flat = view.flat
    m = re.search(r"授予?([\u4e00-\u9fff]{1,3}?学)?(学士|硕士|博士)学位", flat) or re.search(r"()(学士|硕士|博士)学位", flat)
    degree = (m.group(1) or "") + m.group(2) if m else None
    mm = re.search(r"在[\u4e00-\u9fff（）()]{2,20}?(?:大学|学院)([\u4e00-\u9fff]{2,16}?)专业", flat)
    major = mm.group(1) if mm else None
    if major is None:
        major_f = view.value(("专业", "学科"), inside=False)
        major = major_f.text if major_f else None
    date = date_after(view, ("授予日期", "发证日期", "授予时间")) or bottom_date(view) or last_date(view)
    return [
        make_evidence("degree", view, None, holder=holder_of(view, applicant_of(fields)), degree=degree, school=school_of(view),
                  major=major, date=date, number=number_after(view), holder_id_number=holder_id(view))
    ]


def read_title_cert(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    title_f = view.value(("资格名称", "专业技术资格", "职称名称", "资格级别", "职务名称", "职称"),
                         accept=lambda v: tt.match_title(v) is not None)
    title = None
    if title_f is not None:
        title = tt.canonical_title(title_f.text) or title_f.text
    if title is None:
        m = re.search(r"具备([\u4e00-\u9fff]{2,10}?)(?:专业技术)?(?:资格|任职资格)", view.flat)
        if m and tt.match_title(m.group(1)) is not None:
            title = tt.canonical_title(m.group(1))
    level = tt.title_level(title) if title else None
    date = date_after(view, ("取得时间", "取得资格时间", "评审通过时间", "批准时间", "资格取得时间", "授予时间")) or bottom_date(view)
    issuer_f = view.value(("发证机关", "发证单位", "评审组织", "评审机构", "评审委员会", "审批机关", "批准机关"))
    issuer = org_name(issuer_f.text if issuer_f else signer_unit(view))
    return [
        make_evidence("title_cert", view, title_f, holder=holder_of(view, applicant_of(fields)), title=title, level=level,
                  date=date, issuer=issuer, number=number_after(view, ("证书编号", "编号", "管理号", "证书号")),
                  holder_id_number=holder_id(view))
    ]


def read_skill_cert(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    level_f = view.value(("等级", "技能等级", "职业资格等级", "级别"), accept=lambda v: nz.skill_level(v) is not None)
    level = nz.skill_level(level_f.text) if level_f else None
    if level is None:
        m = re.search(r"(高级技师|高级工|技师)", view.text)
        level = m.group(1) if m else None
    occ = view.value(("职业（工种）", "职业(工种)", "职业名称", "职业", "工种"), stop_labels=("等级", "发证日期"))
    date = date_after(view, ("发证日期", "取得时间", "颁证日期")) or last_date(view)
    return [
        make_evidence("skill_cert", view, level_f, holder=holder_of(view, applicant_of(fields)), level=level,
                  title=occ.text if occ else None, date=date, number=number_after(view))
    ]


def read_exam_cert(view: DocView, doc: Document, fields: dict[str, FieldValue]) -> list[Evidence]:
    text = view.text
    exam_f = view.value(("考试名称", "考试项目"))
    exam = exam_f.text if exam_f else None
    if exam is None:
        m = re.search(r"(?:参加)?((?:19|20)\d{2}年度?)?([\u4e00-\u9fff]{2,24}?考试)", text)
        exam = m.group(2) if m else None
    result = "合格" if re.search(r"(成绩)?合格", text) and "不合格" not in text else ("不合格" if "不合格" in text else None)
    date = date_after(view, ("考试时间", "考试日期", "考试年度", "发证日期"))
    if date is None:
        m = re.search(r"((?:19|20)\d{2})年度?[\u4e00-\u9fff]*考试", text)
        if m:
            date = nz.parse_date(text[m.start() : m.end() + 6]) or year_date(view, m.group(1))
    date = date or last_date(view)
    return [
        make_evidence("exam_cert", view, exam_f, holder=holder_of(view, applicant_of(fields)), exam=exam, result=result,
                  date=date, number=number_after(view, ("证书编号", "证明编号", "编号", "准考证号", "管理号")),
                  holder_id_number=holder_id(view))
    ]


