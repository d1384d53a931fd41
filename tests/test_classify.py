"""Classifier on hand-built pages: titles (exact, variant, OCR-damaged), grouping, shuffled bound PDFs."""

from __future__ import annotations

import random
from typing import Optional

from dossierflow.models import PageContent, PhotoInfo, Segment
from extractors.classify import classify, find_title

W, H = 595.0, 842.0


def page(lines: list[str], *, file: str = "A1/合订.pdf", no: Optional[int] = 1, conf: float = 0.95,
         rotation: int = 0, method: str = "ocr") -> PageContent:
    segs = [Segment(text=t, box=(60.0, 60.0 + 22 * i, 60.0 + 14 * len(t), 76.0 + 22 * i), conf=conf) for i, t in enumerate(lines)]
    return PageContent(file=file, page=no, method=method, width_pt=W, height_pt=H, segments=segs, rotation=rotation)


BODY = {
    "eval_form": ["专业技术资格评审表", "姓名 王秀英 性别 女", "出生年月 1980年5月", "工作单位 包头市第一中学"],
    "submit_form": ["专业技术资格送审表", "姓名 王秀英", "申报资格 高级教师"],
    "material_list": ["专业技术资格送评材料目录单", "1 专业技术资格评审表 2", "2 专业技术资格送审表 1", "3 诚信承诺书 1"],
    "pledge": ["职称申报诚信承诺书", "本人王秀英郑重承诺：所提交的申报材料真实。", "承诺人（签名）：王秀英"],
    "ce_card": ["专业技术人员继续教育审验卡", "年度 公需科目学时 专业科目学时", "2020 30 60"],
    "publicity": ["公示情况说明", "我单位于2020年5月27日至2020年6月3日进行了公示，无异议。"],
    "diploma": ["毕业证书", "学生王秀英，于1998年9月至2002年7月在本校学习，准予毕业。"],
    "degree": ["学位证书", "王秀英，女，授予文学学士学位。"],
    "title_cert": ["专业技术资格证书", "资格名称 一级教师"],
    "skill_cert": ["职业技能等级证书", "等级 技师"],
    "award": ["获奖证书", "荣获2018年度包头市教学成果奖二等奖。"],
    "honor": ["荣誉证书", "被授予“包头市优秀教师”荣誉称号。"],
    "patent": ["实用新型专利证书", "专利号 ZL 20122 1539836.2"],
    "work_summary": ["专业技术工作总结", "本人自2002年参加工作以来……"],
    "exam_cert": ["资格考试合格证明", "考试名称 卫生系列高级专业技术资格考试 成绩 合格"],
    "employment": ["岗位聘用证明", "兹证明王秀英同志自2015年9月起聘用在专业技术八级岗位。"],
    "covid_proof": ["疫情防控一线工作证明", "兹证明王秀英同志在发热门诊岗位参加疫情防控一线工作。"],
    "entrustment": ["委托函", "特委托贵局组织评审。"],
}
ARTICLE = ["建筑技术2016年第6期", "ISSN 1000-4726 CN 11-2051/TU", "高层建筑深基坑支护施工技术研究", "王秀英 李明",
           "【摘要】本文结合包头地区实际……", "关键词：包头；基坑；实践"]


def kinds(docs) -> list[str]:
    return [d.kind for d in docs]


def test_every_kind_is_recognised_by_its_title() -> None:
    for kind, lines in BODY.items():
        docs = classify([page(lines, file=f"A1/{kind}.pdf")])
        assert kinds(docs) == [kind], kind
        assert docs[0].confidence > 0.8


def test_ocr_damaged_titles_still_match() -> None:
    damaged = {
        "eval_form": "专业技术资格评軍表",
        "pledge": "职称申报诚信承访书",
        "publicity": "公直情况说明",
        "ce_card": "专业技术人员继续教育审验下",
        "title_cert": "专业技朮资格证书",
    }
    for kind, title in damaged.items():
        docs = classify([page([title] + BODY[kind][1:], conf=0.7)])
        assert kinds(docs) == [kind], (kind, title)
        assert docs[0].confidence < 0.95  # damage and low OCR confidence cost confidence


def test_eval_and_submit_forms_are_not_confused() -> None:
    assert kinds(classify([page(["2020年度专业技术资格评审表"] + BODY["eval_form"][1:])])) == ["eval_form"]
    assert kinds(classify([page(["专业技术资格送审表"] + BODY["submit_form"][1:])])) == ["submit_form"]


def test_material_list_items_do_not_become_titles() -> None:
    # The list names every document; the title at its top decides.
    hit = find_title(page(BODY["material_list"]))
    assert hit is not None and hit.kind == "material_list"


def test_body_text_mentioning_a_title_is_not_a_title() -> None:
    p = page(["本人承诺所提交的专业技术资格评审表及全部材料真实有效，如有不实愿承担一切后果。"])
    assert find_title(p) is None


def test_continuation_pages_join_their_document() -> None:
    pages = [
        page(BODY["eval_form"], no=1),
        page(["一、任现职以来发表的论文、著作", "序号 论文题目 刊物名称 发表时间", "二、获奖情况"], no=2),
        page(BODY["work_summary"], no=3),
        page(["本人重视业务学习，按要求完成继续教育学时。", "总结人：王秀英"], no=4),
        page(BODY["diploma"], no=5),
    ]
    docs = classify(pages)
    assert [(d.kind, d.pages) for d in docs] == [("eval_form", [1, 2]), ("work_summary", [3, 4]), ("diploma", [5])]


def test_untitled_page_after_a_single_page_certificate_is_unknown_not_dropped() -> None:
    docs = classify([page(BODY["diploma"], no=1), page(["（背面）"], no=2)])
    assert [(d.kind, d.pages) for d in docs] == [("diploma", [1]), ("unknown", [2])]


def test_paper_cover_contents_article_is_one_paper_and_a_second_article_another() -> None:
    cover = page(["建筑技术", "JIANZHU JISHU", "2016年第6期", "ISSN 1000-4726", "CN 11-2051/TU", "主办单位：北京市建筑工程研究院"], no=1)
    contents = page(["目次", "建筑技术 2016年第6期", "高层建筑深基坑支护施工技术研究……王秀英 46", "桥梁施工……李明 50",
                     "寒冷地区给水管网……张伟 54", "城市道路……赵强 58", "变电站……孙丽 62", "转炉……周杰 66", "ISSN 1000-4726"], no=2)
    article = page(ARTICLE, no=3)
    article2 = page(["1 引言", "近年来……"], no=4)
    second = page(["包钢科技2019年第3期", "ISSN 1009-5438 CN 15-1225/TF", "转炉炼钢过程控制优化", "王秀英",
                   "摘要：……", "关键词：转炉；控制"], no=5)
    docs = classify([cover, contents, article, article2, second])
    assert [(d.kind, d.pages) for d in docs] == [("paper", [1, 2, 3, 4]), ("paper", [5])]


def test_an_article_whose_issn_and_cn_labels_ocr_misread_is_a_paper() -> None:
    # 摘要 read 搞要, ISSN read ISSV, CN read CV: the numbers keep their shape and check digit.
    publicity = page(BODY["publicity"], file="A1/材料7.pdf", no=3)
    article = page(["包钢科技2019年第4期第49卷", "ISSV 1009-5438  CV 15-1225/TF", "城市道路沥青路面病害成因与处治分析",
                    "任峰乔飞浩", "【搞要】城市道路沥青路面病害成因与处治分析直接影响工作的质量", "关键词：对策；电气工程；实践"],
                   file="A1/材料7.pdf", no=4)
    assert [(d.kind, d.pages) for d in classify([publicity, article])] == [("publicity", [3]), ("paper", [4])]
    # A year range shaped like an ISSN beside a 关键词 is no journal: its check character fails.
    summary = page(["关键词的提炼", "2016-2019年参加培训"], file="A1/材料7.pdf", no=4)
    assert all(d.kind != "paper" for d in classify([publicity, summary]))


def test_bound_pdf_in_shuffled_order_splits_into_its_documents() -> None:
    rng = random.Random(5)
    for _ in range(3):
        order = list(BODY) + ["paper"]
        rng.shuffle(order)
        pages = [page(ARTICLE if k == "paper" else BODY[k], no=i + 1) for i, k in enumerate(order)]
        docs = classify(pages)
        assert [(d.kind, d.pages) for d in docs] == [(k, [i + 1]) for i, k in enumerate(order)]


def test_a_title_repeated_on_the_next_page_of_a_form_continues_it() -> None:
    docs = classify([page(BODY["eval_form"], no=1), page(["专业技术资格评审表（续）", "评审意见"], no=2)])
    assert [(d.kind, d.pages) for d in docs] == [("eval_form", [1, 2])]


def test_two_certificates_of_one_kind_stay_two_documents() -> None:
    docs = classify([page(BODY["award"], no=1), page(BODY["award"], no=2)])
    assert [(d.kind, d.pages) for d in docs] == [("award", [1]), ("award", [2])]


def test_photo_docx_and_image_pages() -> None:
    photo = PhotoInfo(width_px=413, height_px=579, aspect=0.713, background_lightness=0.95, portrait=True)
    img = PageContent(file="A1/照片.jpg", page=None, method="image", image_is_photo=True, photo=photo)
    docx = PageContent(file="A1/表1.docx", page=None, method="docx", coords="grid",
                       segments=[Segment(text="专业技术资格评审表", box=(0, 0, 1, 1), conf=1.0, locator="paragraph 1")])
    scan = page(BODY["pledge"], file="A1/IMG_1.jpg", no=None, method="image")
    docs = classify([img, docx, scan])
    assert [(d.kind, d.file, d.pages) for d in docs] == [
        ("photo", "A1/照片.jpg", [1]), ("eval_form", "A1/表1.docx", []), ("pledge", "A1/IMG_1.jpg", [1])]


def test_pages_of_different_files_never_merge() -> None:
    docs = classify([page(BODY["eval_form"], file="A1/a.pdf"), page(["二、获奖情况 序号 获奖项目"], file="A1/b.pdf")])
    assert kinds(docs) == ["eval_form", "unknown"]


def test_sideways_scan_is_read_upright() -> None:
    # A page scanned at 90°: the reader keeps boxes in stored coordinates, text runs down the page.
    lines = BODY["pledge"]
    segs = [Segment(text=t, box=(780.0 - 22 * i, 60.0, 796.0 - 22 * i, 60.0 + 14 * len(t)), conf=0.9) for i, t in enumerate(lines)]
    p = PageContent(file="A1/x.pdf", page=1, method="ocr", width_pt=H, height_pt=W, segments=segs, rotation=270)
    assert kinds(classify([p])) == ["pledge"]


def test_certificate_read_as_one_block_is_recognised_by_its_words() -> None:
    block = "一愉芋忆包学生王秀英性别女于1998年9月至2002年7月在本校汉语言文学专业四年制本科学习修完教学计划规定的全部课程成绩合格准予毕业校名包头师范学院"
    docs = classify([page(BODY["eval_form"], no=1), page([block], no=2)])
    assert kinds(docs) == ["eval_form", "diploma"]


def test_unreadable_page_does_not_continue_and_empty_scan_page_is_the_photo() -> None:
    noise = page(["1ST/S/0Z0OZ 此日", "融电"], no=2, conf=0.2)
    noise.ocr_confidence = 0.22
    empty = PageContent(file="A1/合订.pdf", page=3, method="ocr", width_pt=W, height_pt=H, segments=[])
    docs = classify([page(BODY["ce_card"], no=1), noise, empty])
    assert [(d.kind, d.pages) for d in docs] == [("ce_card", [1]), ("unknown", [2]), ("photo", [3])]
    assert docs[2].confidence < 0.5
    # with a photo file in the dossier, an empty page stays unknown
    photo = PageContent(file="A1/照片.jpg", method="image", image_is_photo=True)
    assert kinds(classify([photo, empty])) == ["photo", "unknown"]
