"""What scans need beyond clean text: a photo pasted on a booklet page, OCR-damaged dates and
labels, low-confidence readings that an independent reading confirms, and name misreadings that
must reach a human instead of raising a mismatch flag. No OCR: pages are built by hand."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from dossierflow.models import (
    Document,
    Evidence,
    PageContent,
    Segment,
    Source,
)
from extractors import normalize as nz
from extractors.classify import classify
from extractors.evidence import extract_evidence
from extractors.evidence.common import looks_like_misread, period_of
from extractors.evidence.papers import corroborate_claims
from extractors.fields import extract_fields
from extractors.layout import DocView
from extractors.readers.image import photo_info
from extractors.readers.photo_region import find_photo
from tests.test_evidence import fields, one, page

DPI = 200
MM = DPI / 25.4


def _a4() -> Image.Image:
    return Image.new("RGB", (int(210 * MM), int(297 * MM)), (253, 253, 253))


def _paste_portrait(img: Image.Image, x_mm: float, y_mm: float, w_mm: float = 35, h_mm: float = 49,
                    background: int = 241) -> None:
    """A 2-inch ID photo: off-white background, hair, face, shoulders reaching the bottom edge."""
    d = ImageDraw.Draw(img)
    x0, y0, w, h = x_mm * MM, y_mm * MM, w_mm * MM, h_mm * MM
    d.rectangle((x0, y0, x0 + w, y0 + h), fill=(background,) * 3)
    cx = x0 + w / 2
    d.ellipse((cx - 0.22 * w, y0 + 0.12 * h, cx + 0.22 * w, y0 + 0.50 * h), fill=(228, 185, 150))
    d.chord((cx - 0.24 * w, y0 + 0.10 * h, cx + 0.24 * w, y0 + 0.34 * h), 180, 360, fill=(25, 25, 25))
    d.rectangle((cx - 0.06 * w, y0 + 0.48 * h, cx + 0.06 * w, y0 + 0.66 * h), fill=(228, 185, 150))
    d.chord((x0, y0 + 0.62 * h, x0 + w, y0 + 1.38 * h), 180, 360, fill=(40, 50, 90))


def _text_block(img: Image.Image, x_mm: float, y_mm: float, lines: int) -> None:
    """Lines of character-sized dark marks, like printed text."""
    d = ImageDraw.Draw(img)
    for r in range(lines):
        y = (y_mm + r * 8) * MM
        for c in range(30):
            x = (x_mm + c * 5) * MM
            d.rectangle((x, y, x + 3.5 * MM, y + 3.5 * MM), fill=(30, 30, 30))


def _grey(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"))


# --- photo pasted on a scanned page ----------------------------------------------------------


def test_photo_pasted_on_a_page_is_found_and_measured_as_a_photo() -> None:
    img = _a4()
    _paste_portrait(img, 88, 50)
    region = find_photo(_grey(img), DPI)
    assert region is not None
    info = photo_info(img.crop((region.x0, region.y0, region.x1, region.y1)))
    assert 0.68 <= info.aspect <= 0.75  # the rectangle, not the head-and-shoulders blob (≈0.8+)
    assert info.background_lightness >= 0.9 and info.portrait


@pytest.mark.parametrize("background", [251, 254])
def test_photo_whose_white_background_barely_differs_from_the_paper_is_measured(background: int) -> None:
    img = Image.new("RGB", (int(297 * MM), int(210 * MM)), (255, 255, 255))  # a landscape sheet
    _paste_portrait(img, 130, 20, background=background)
    region = find_photo(_grey(img), DPI)
    assert region is not None
    assert 0.68 <= (region.x1 - region.x0) / (region.y1 - region.y0) <= 0.75


def test_pages_of_text_and_stamps_have_no_photo() -> None:
    img = _a4()
    _text_block(img, 20, 30, 12)
    d = ImageDraw.Draw(img)
    d.ellipse((120 * MM, 200 * MM, 160 * MM, 240 * MM), outline=(200, 30, 30), width=int(1.2 * MM))  # a seal
    assert find_photo(_grey(img), DPI) is None


def test_a_picture_without_a_photo_rectangle_is_not_measured() -> None:
    """A dark blob on bare paper (a logo, a drawing) has no photo edge: nothing is measured,
    so the photo rule asks a human instead of judging the blob's proportions."""
    img = _a4()
    d = ImageDraw.Draw(img)
    d.ellipse((80 * MM, 60 * MM, 115 * MM, 110 * MM), fill=(40, 50, 90))
    assert find_photo(_grey(img), DPI) is None


def test_untitled_page_carrying_a_photo_is_the_photo_document() -> None:
    info = photo_info(Image.new("RGB", (413, 579), "white"))
    photo_page = PageContent(file="A1/合订.pdf", page=2, method="ocr", width_pt=595, height_pt=842,
                             segments=[Segment(text="照片", box=(60, 60, 100, 76), conf=0.9)], photo=info)
    pledge = PageContent(file="A1/合订.pdf", page=1, method="ocr", width_pt=595, height_pt=842,
                         segments=[Segment(text="职称申报诚信承诺书", box=(60, 60, 300, 76), conf=0.9)])
    docs = classify([pledge, photo_page])
    assert [(d.kind, d.pages) for d in docs] == [("pledge", [1]), ("photo", [2])]
    assert docs[1].confidence >= 0.8


# --- OCR-damaged slash dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, dates",
    [
        ("我单位于2020/5V/15至2020/5/19，", ["2020-05-15", "2020-05-19"]),
        ("于2020/SV15至2020/5V/22，", ["2020-05-15", "2020-05-22"]),
        ("日期：2020/12/1", ["2020-12-01"]),
    ],
)
def test_slash_dates_with_the_slash_misread_are_parsed(text: str, dates: list[str]) -> None:
    assert [h.iso for h in nz.find_dates(text)] == dates


def test_publicity_period_survives_a_misread_slash() -> None:
    p = page([["公示情况说明"], ["我单位于2020/5V/8至2020/5/12，在单位公示栏进行了公示，公示期间无异议。"]])
    assert period_of(DocView([p])) == ("2020-05-08", "2020-05-12")


# --- pledge signature -------------------------------------------------------------------------


def test_pledge_label_with_a_misread_sign_character_is_still_the_signature() -> None:
    ev = one("pledge", page([["职称申报诚信承诺书"], ["特此承诺"], ["承诺人等名王秀荚"], ["日期：2020/5/18"]]))
    assert ev.signed is True and ev.signer == "王秀英"


def test_signature_reading_exactly_the_applicant_is_trusted_despite_low_ocr_confidence() -> None:
    low = page([["职称申报诚信承诺书"], ["承诺人（签名王秀英"], ["日期：2020年5月21日"]], conf=0.54)
    ev = one("pledge", low)
    assert ev.signer == "王秀英" and ev.confidence >= 0.9
    other = one("pledge", page([["职称申报诚信承诺书"], ["承诺人（签名）李明"]], conf=0.54))
    assert other.signer == "李明" and other.confidence < 0.6  # someone else's name stays unsure


# --- claims on the 评审表 ----------------------------------------------------------------------

XS = [40.0, 300.0, 420.0, 540.0]


def _claims(rows: list[list[str]]) -> list[Evidence]:
    segs: list[Segment] = []
    for r, row in enumerate(rows):
        for c, t in enumerate(row):
            x0, x1 = (XS[c] + 2, XS[c + 1] - 2) if len(row) > 1 else (XS[0] + 2, XS[-1] - 2)
            segs.append(Segment(text=t, box=(x0, 60 + 24 * r, x1, 76 + 24 * r), conf=0.9))
    p = PageContent(file="A1/评审表.pdf", page=2, method="ocr", width_pt=595, height_pt=842, segments=segs)
    items = extract_evidence([p], [Document(kind="eval_form", file=p.file, pages=[2], confidence=1.0)], fields())
    return [e for e in items if e.kind.startswith("claimed")]


def test_opinion_and_date_lines_after_the_list_are_not_claims() -> None:
    claims = _claims([
        ["发表论文题目", "刊物名称", "发表时间"],
        ["试论初中数学课堂提问策略", "中国教育学刊", "2017.08"],
        ["单位推荐意见:经审核，该同志申报材料真实", "同意推荐。"],
        ["申报日期", "2020.05.09"],
    ])
    assert [c.title for c in claims] == ["试论初中数学课堂提问策略"]


def test_a_claim_title_the_attached_paper_prints_identically_is_corroborated() -> None:
    src = Source(file="A1/x.pdf", page=1)
    claim = Evidence(kind="claimed_paper", source=src, confidence=0.41, title="试论核心素养视角下的初中数学课堂提问策略")
    paper = Evidence(kind="paper", source=src, confidence=0.88, title="试论核心素养视角下的初中数学课堂提问策略")
    other = Evidence(kind="claimed_paper", source=src, confidence=0.41, title="高层建筑深基坑支护施工技术研究")
    out = corroborate_claims([claim, paper, other])
    assert out[0].confidence == 0.88 and out[2].confidence == 0.41
    # one character OCR damaged on either side of a long title still agrees; a short one must match
    patent = Evidence(kind="patent", source=src, confidence=0.8, title="一种管道防记保温结构")
    achievement = Evidence(kind="claimed_achievement", source=src, confidence=0.29, title="一种管道防冻保温结构")
    short = Evidence(kind="claimed_paper", source=src, confidence=0.3, title="论教学法")
    short_paper = Evidence(kind="paper", source=src, confidence=0.9, title="论教学论")
    out = corroborate_claims([patent, achievement, short, short_paper])
    assert out[1].confidence == 0.8 and out[2].confidence == 0.3


# --- holder names -----------------------------------------------------------------------------


def test_misread_like_names_are_told_from_other_people() -> None:
    assert looks_like_misread("杜彩", "杜彩敏") and looks_like_misread("阁幅美", "向淑美")
    assert looks_like_misread("吕人敏水", "吕敏翠")
    assert not looks_like_misread("李娜", "张伟") and not looks_like_misread("王秀英", "王秀英")


def test_ocr_holder_close_to_the_applicant_counts_as_unread_not_as_someone_else() -> None:
    def diploma(holder: str, method: str) -> Evidence:
        p = page([["毕业证书"], [f"学生{holder}，女，于1998年9月至2002年7月在本校学习，准予毕业。"], ["二〇〇二年七月一日"]])
        p.method = method
        return one("diploma", p)

    dropped = diploma("王秀", "ocr")  # a character lost on a scan
    assert dropped.holder is None and dropped.date == "2002-07-01" and dropped.confidence >= 0.6
    assert diploma("王秀", "text").holder == "王秀"  # a text layer says what it says
    assert diploma("李明", "ocr").holder == "李明"  # another person on a scan is still flagged


# --- form values confirmed by their certificate ------------------------------------------------


def test_low_confidence_form_date_confirmed_by_the_diploma_is_trusted() -> None:
    form = PageContent(file="A1/评审表.pdf", page=1, method="ocr", width_pt=595, height_pt=842, segments=[
        Segment(text="专业技术资格评审表", box=(200, 40, 400, 56), conf=0.9),
        Segment(text="姓名", box=(60, 80, 120, 96), conf=0.9, cell=(0, 0, 0)),
        Segment(text="王秀英", box=(130, 80, 300, 96), conf=0.9, cell=(0, 0, 1)),
        Segment(text="毕业时间", box=(60, 104, 120, 120), conf=0.9, cell=(0, 1, 0)),
        Segment(text="2002/7/1", box=(130, 104, 300, 120), conf=0.31, cell=(0, 1, 1)),
    ])
    cert = page([["毕业证书"], ["学生王秀英，女，于1998年9月至2002年7月在本校学习，准予毕业。"], ["二〇〇二年七月一日"]],
                file="A1/毕业证.pdf", conf=0.88)
    cert.method = "ocr"
    docs = [Document(kind="eval_form", file=form.file, pages=[1], confidence=1.0),
            Document(kind="diploma", file=cert.file, pages=[1], confidence=1.0)]
    alone = extract_fields([form], docs[:1])["graduation_date"]
    assert alone.confidence < 0.6
    confirmed = extract_fields([form, cert], docs)["graduation_date"]
    assert str(confirmed.value).startswith("2002-07") and confirmed.confidence >= 0.6


# --- pages fed upside down --------------------------------------------------------------------


class _UprightOnlyEngine:
    """Reads well only when the ink sits in the top half of the image (how this fake page is
    printed), and like an upside-down page otherwise; OSD cannot tell."""

    def words(self, image: np.ndarray) -> list:
        from extractors.readers.ocr_layout import Word

        grey = image if image.ndim == 2 else image.mean(axis=2)
        h = grey.shape[0]
        upright = float((grey[: h // 2] < 128).mean()) > float((grey[h // 2 :] < 128).mean())
        conf = 0.93 if upright else 0.3
        return [Word(t, (100 + 200 * i, 100, 180 + 200 * i, 140), conf, (1, 1, 1)) for i, t in enumerate(("毕业", "证书", "学生"))]

    def orientation(self, image: np.ndarray):
        return None


def test_a_badly_read_page_osd_cannot_orient_is_tried_upside_down() -> None:
    from extractors.readers.ocr import ocr_image

    img = _a4()
    _text_block(img, 20, 20, 10)
    turned = np.asarray(img.rotate(180).convert("L"))
    page = ocr_image(turned, DPI, _UprightOnlyEngine())
    assert page.rotation == 180 and page.confidence is not None and page.confidence > 0.9
    upright = ocr_image(np.asarray(img.convert("L")), DPI, _UprightOnlyEngine())
    assert upright.rotation == 0


def test_an_upside_down_page_read_well_turned_needs_no_osd() -> None:
    from extractors.readers.ocr import ocr_image

    class NoOsd(_UprightOnlyEngine):
        def orientation(self, image: np.ndarray):  # pragma: no cover - failing here is the test failing
            raise AssertionError("OSD asked although the half turn read well")

    img = _a4()
    _text_block(img, 20, 20, 10)
    page = ocr_image(np.asarray(img.rotate(180).convert("L")), DPI, NoOsd())
    assert page.rotation == 180 and page.confidence is not None and page.confidence > 0.9


def test_half_turn_of_a_prepared_form_is_the_form_prepared_turned() -> None:
    from extractors.readers.preprocess import half_turn, prepare
    from extractors.readers.samples import render_form

    grey = np.asarray(render_form(200).image.convert("L"))
    h, w = grey.shape
    grey = cv2.warpAffine(grey, cv2.getRotationMatrix2D((w / 2, h / 2), 1.5, 1.0), (w, h), borderValue=255)  # a skewed scan
    turned_after = half_turn(prepare(grey, 200, rotation=0))
    assert turned_after.skew == 1.5
    turned_before = prepare(grey, 200, rotation=180)
    assert turned_after.rotation == turned_before.rotation == 180
    assert turned_after.image.shape == turned_before.image.shape
    # The same pixels up to the deskew's half-pixel centre: nearly all identical.
    same = np.mean(np.abs(turned_after.image.astype(int) - turned_before.image.astype(int)) < 40)
    assert same > 0.99
    # The same grid, numbered the same way, within a pixel or two.
    assert [(c.table, c.row, c.col) for c in turned_after.cells] == [(c.table, c.row, c.col) for c in turned_before.cells]
    assert len(turned_after.cells) > 10
    for a, b in zip(turned_after.cells, turned_before.cells):
        assert max(abs(u - v) for u, v in zip(a.box, b.box)) <= 3
    # Both map a prepared pixel back to the same place on the page as scanned.
    for a, b in zip(turned_after.cells[:5], turned_before.cells[:5]):
        pa = turned_after.to_original @ np.array([a.box[0], a.box[1], 1.0])
        pb = turned_before.to_original @ np.array([b.box[0], b.box[1], 1.0])
        assert np.abs(pa - pb).max() <= 3


def test_entrustment_letter_with_an_unreadable_title_is_known_by_its_wording() -> None:
    body = ["委托上前", "包头市人力资源和社会保障局：", "我单位史荣真同志申报工程师资格，按照属地管理原则，特委托贵局组织评审，请予支持。",
            "国网内蒙古东部电力包头供电服务中心", "2020年5月18日"]
    p = PageContent(file="A1/5.pdf", page=3, method="ocr", width_pt=595, height_pt=842,
                    segments=[Segment(text=t, box=(60, 60 + 22 * i, 60 + 14 * len(t), 76 + 22 * i), conf=0.85) for i, t in enumerate(body)])
    assert [d.kind for d in classify([p])] == ["entrustment"]


def test_diploma_whose_end_date_is_unreadable_does_not_take_the_start_date() -> None:
    ev = one("diploma", page([["毕业证书"], ["学生王秀英，性别女，1982年10月生，于2000年9月至2004年 ?月22日在本校护理学专业学习，准予毕业。"]]))
    assert ev.date is None  # unread: the rule asks a human, rather than judging 2000-09


def test_a_border_round_the_page_or_round_a_table_is_not_a_cell() -> None:
    from extractors.readers.preprocess import CellBox, text_cells

    shape = (1000, 800)
    frame = CellBox(0, 0, 0, (20, 20, 780, 980))  # a certificate's border: 93% of the page
    box = CellBox(1, 0, 0, (100, 300, 700, 600))  # a frame holding a table of its own
    inner = [CellBox(2, r, c, (120 + 250 * c, 320 + 100 * r, 360 + 250 * c, 410 + 100 * r)) for r in range(2) for c in range(2)]
    form = CellBox(3, 0, 0, (100, 700, 700, 900))  # a large, ordinary cell
    kept = text_cells([frame, box, *inner, form], shape, 300)
    assert [c.box for c in kept] == [c.box for c in inner] + [form.box]
    assert [(c.table, c.row, c.col) for c in kept] == [(2, 0, 0), (2, 0, 1), (2, 1, 0), (2, 1, 1), (3, 0, 0)]
    assert text_cells(inner, shape, 300) == inner


class _OneLine:
    """A fake engine reading each composite sheet as one word across the middle of its rows."""

    def __init__(self, text: str, width: int, conf: float) -> None:
        self.text, self.width, self.conf = text, width, conf

    def words(self, image: np.ndarray) -> list:
        from extractors.readers.ocr_layout import Word

        h = image.shape[0]
        return [Word(self.text, (10, h // 2 - 20, 10 + self.width, h // 2 + 20), self.conf, (1, 1, 1))]

    def orientation(self, image: np.ndarray):
        return None


def test_a_large_title_read_as_two_overlapping_half_lines_is_read_again_once() -> None:
    from extractors.readers.ocr import retry_weak_regions
    from extractors.readers.ocr_layout import Region, Word
    from extractors.readers.preprocess import Prepared

    prep = Prepared(np.full((800, 600), 255, np.uint8), [], np.eye(3)[:2], 0, 0.0, 300)
    top = Region(None, [Word("tk尖下未", (100, 100, 400, 180), 0.3, (1, 1, 1))])
    bottom = Region(None, [Word("东兴证书", (100, 130, 400, 210), 0.4, (1, 1, 2))])
    other = Region(None, [Word("证书编号", (100, 400, 300, 440), 0.95, (1, 2, 1))])
    out = retry_weak_regions([top, bottom, other], prep, _OneLine("荣誉证书", 290, 0.99))
    assert ["".join(w.text for w in r.words) for r in out] == ["荣誉证书", "证书编号"]


def test_runs_overlapping_through_a_merged_run_are_read_again_as_one() -> None:
    # Fresh seed 361: a small run inside a signature line took the line into its group first;
    # the run lying on the line (钱队污 over 承诺人（签名）:和过瑟) stayed apart, and the
    # signature was read twice, once as 人钱玲洁 and once as 钱玲洁.
    from extractors.readers.ocr import retry_weak_regions
    from extractors.readers.ocr_layout import Region, Word
    from extractors.readers.preprocess import Prepared

    prep = Prepared(np.full((1400, 2000), 255, np.uint8), [], np.eye(3)[:2], 0, 0.0, 240)
    small = Region(None, [Word("名", (1444, 994, 1488, 1021), 0.5, (1, 1, 1))])
    on_line = Region(None, [Word("钱队污", (1661, 962, 1897, 1042), 0.53, (1, 2, 1))])
    line = Region(None, [Word("承诺人(签名):", (1243, 990, 1606, 1051), 0.8, (1, 3, 1)),
                         Word("和过瑟", (1669, 1001, 1894, 1042), 0.3, (1, 3, 1))])
    out = retry_weak_regions([small, on_line, line], prep, _OneLine("承诺人(签名):钱玲洁", 650, 0.97))
    assert ["".join(w.text for w in r.words) for r in out] == ["承诺人(签名):钱玲洁"]


def test_a_second_reading_of_a_fraction_of_a_weak_line_does_not_replace_it() -> None:
    from extractors.readers.ocr import retry_weak_regions
    from extractors.readers.ocr_layout import Region, Word
    from extractors.readers.preprocess import Prepared

    class TopOfFirstGlyph:  # read alone, a script signature came back as the top of 谭: 西
        def words(self, image: np.ndarray) -> list:
            return [Word("西", (40, 20, 63, 45), 0.69, (1, 1, 1))]

        def orientation(self, image: np.ndarray):
            return None

    prep = Prepared(np.full((1200, 2000), 255, np.uint8), [], np.eye(3)[:2], 0, 0.0, 240)
    line = Region(None, [
        Word("承诺人", (1244, 823, 1396, 868), 0.95, (1, 1, 1)),
        Word("(签名)", (1395, 823, 1563, 868), 0.9, (1, 1, 1)),
        Word("齐", (1628, 801, 1696, 870), 0.0, (1, 1, 1)),
        Word("刚", (1712, 801, 1768, 863), 0.71, (1, 1, 1)),
        Word("晓", (1787, 793, 1854, 856), 0.0, (1, 1, 1)),
    ])
    out = retry_weak_regions([line], prep, TopOfFirstGlyph())
    assert out == [line]

    class WholeLine(TopOfFirstGlyph):
        def words(self, image: np.ndarray) -> list:
            return [Word("承诺人(签名)谭刚晓", (20, 20, 600, 60), 0.8, (1, 1, 1))]

    out = retry_weak_regions([line], prep, WholeLine())
    assert ["".join(w.text for w in r.words) for r in out] == ["承诺人(签名)谭刚晓"]
