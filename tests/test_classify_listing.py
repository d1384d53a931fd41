"""A material list whose title OCR lost is still a material list (issue #3).

Its entries name other documents (专业技术资格评审表, 诚信承诺书…); body-word cues alone made such a
page an eval_form, and the dossier was returned for a missing material list.
"""

from __future__ import annotations

from dossierflow.models import PageContent, Segment
from extractors.classify import classify

W, H = 595.0, 842.0


def _page(cells: list[str], file: str) -> PageContent:
    segs = [
        Segment(text=t, box=(60.0, 100.0 + 22 * i, 60.0 + 14 * len(t), 116.0 + 22 * i), conf=0.93)
        for i, t in enumerate(cells)
    ]
    return PageContent(file=file, page=1, method="ocr", width_pt=W, height_pt=H, segments=segs)


UNTITLED_LIST = [
    "姓名：王秀英", "工作单位：包头市第一中学", "序号", "材料名称", "页数",
    "1", "专业技术资格评审表", "2", "2", "专业技术资格送审表", "1", "3", "诚信承诺书", "1",
    "4", "毕业证书", "1", "5", "继续教育审验卡", "1", "6", "公示情况说明", "1",
]


def test_untitled_page_listing_other_documents_is_a_material_list() -> None:
    docs = classify([_page(UNTITLED_LIST, "A1/材料3.pdf")])
    assert [d.kind for d in docs] == ["material_list"]


def test_listing_with_item_numbers_in_the_same_segment() -> None:
    lines = ["序号 材料名称 页数", "1 专业技术资格评审表 2", "2 专业技术资格送审表 1", "3 诚信承诺书 1", "4 学位证书 1"]
    docs = classify([_page(lines, "A1/目录.pdf")])
    assert [d.kind for d in docs] == ["material_list"]


def test_untitled_eval_form_page_two_still_continues_the_form() -> None:
    first = _page(["专业技术资格评审表", "姓名 王秀英", "性别 女", "工作单位 包头市第一中学"], "A1/评审表.pdf")
    second = _page(
        ["一、任现职以来发表的论文、著作", "序号", "论文（著作）题目", "刊物名称", "1", "高层建筑深基坑支护施工技术研究",
         "二、任现职以来获奖情况", "获奖项目", "奖项名称及等级", "包头市优秀教师", "单位推荐意见：同意推荐", "申报日期：2020-05-14"],
        "A1/评审表.pdf",
    ).model_copy(update={"page": 2})
    docs = classify([first, second])
    assert [(d.kind, d.pages) for d in docs] == [("eval_form", [1, 2])]


def test_page_naming_only_two_kinds_is_not_taken_for_a_list() -> None:
    lines = ["附：", "1 毕业证书复印件", "2 学位证书复印件", "兹证明王秀英同志自2015年9月起聘用在专业技术八级岗位。", "聘用", "岗位"]
    docs = classify([_page(lines, "A1/x.pdf")])
    assert docs[0].kind != "material_list"
