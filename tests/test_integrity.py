"""Single-dossier integrity flags: each fires on a case built for it, and only there."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossierflow.models import Evidence, FileInfo, Source

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.test_integrity_support import clean_batch, ctx, fv, issn_with_check, make_dossier, make_id
except ImportError:
    from test_integrity_support import clean_batch, ctx, fv, issn_with_check, make_dossier, make_id
from validators.integrity import dossier_flags, fingerprint
from validators.integrity.idcard import check_char, id_problems
from validators.integrity.issn import cn_problem, issn_problem
from validators.integrity.single import is_image_editor
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold

ID = make_id(dt.date(1985, 3, 15), female=False, serial=21)


def codes(ex, **kw) -> list[str]:
    return sorted(f.code for f in dossier_flags(ex, ctx(**kw), THRESHOLD))


@pytest.fixture
def dossier():
    return make_dossier("A0001", random.Random(3), name="王建国", id_number=ID)


def test_clean_batch_raises_no_single_dossier_flags() -> None:
    batch = clean_batch(60)
    flagged = {did: [f.message for f in dossier_flags(ex, ctx(), THRESHOLD)] for did, ex in batch.items()}
    assert {k: v for k, v in flagged.items() if v} == {}


def test_id_check_digit_birth_and_sex() -> None:
    assert id_problems(ID, "1985-03", "男") == []
    assert id_problems("11010519491231002X", "1949-12", "女") == []  # the GB 11643 example
    bad_check = ID[:17] + ("0" if ID[17] != "0" else "1")
    assert any("校验码" in p for p in id_problems(bad_check, None, None))
    assert any("出生日期" in p for p in id_problems(ID, "1986-03", None))
    assert any("性别" in p for p in id_problems(ID, None, "女"))


@given(st.text("0123456789", min_size=3, max_size=3), st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)), st.integers(0, 16), st.data())
def test_every_single_character_error_breaks_the_check_digit(serial: str, born: dt.date, position: int, data) -> None:
    first17 = f"150203{born:%Y%m%d}{serial}"
    good = first17 + check_char(first17)
    assert not any("校验码" in p for p in id_problems(good, None, None))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != good[position]]))
    bad = good[:position] + wrong + good[position + 1 :]
    assert any("校验码" in p for p in id_problems(bad, None, None))


@given(st.text("0123456789", min_size=7, max_size=7), st.integers(0, 6), st.data())
def test_every_single_digit_error_breaks_the_issn(first7: str, position: int, data) -> None:
    good = issn_with_check(first7)
    assert issn_problem(good) is None
    digits = good.replace("-", "")
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
    bad = digits[:position] + wrong + digits[position + 1 :]
    assert issn_problem(f"{bad[:4]}-{bad[4:]}") is not None


def test_id_number_invalid_flag_masks_the_number(dossier) -> None:
    bad = ID[:17] + ("0" if ID[17] != "0" else "1")
    dossier.fields["id_number"] = fv(bad)
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "ID_NUMBER_INVALID"]
    assert len(flags) == 1
    assert bad not in flags[0].message and bad[:6] + "********" + bad[-4:] in flags[0].message
    assert flags[0].sources[0].file == "eval.pdf"


def test_unreliable_id_read_is_not_accused(dossier) -> None:
    dossier.fields["id_number"] = fv(ID[:17] + ("0" if ID[17] != "0" else "1"), conf=0.3)
    assert "ID_NUMBER_INVALID" not in codes(dossier)


@pytest.mark.parametrize(
    "holder, same",
    [("王建国", True), ("王 建国", True), ("王建国同志", True), ("李四、王建国、赵五", True), ("王建国东", False), ("王建", False), ("李四、赵五", False)],
)
def test_holder_names(holder: str, same: bool) -> None:
    from validators.integrity.single import holder_names_applicant

    assert holder_names_applicant(holder, "王建国") is same


def test_holder_mismatch_name_and_id(dossier) -> None:
    assert "HOLDER_MISMATCH" not in codes(dossier)  # the award lists the applicant among two
    diploma = dossier.items("diploma")[0]
    diploma.holder = "李秀英"
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "HOLDER_MISMATCH"]
    assert len(flags) == 1 and "李秀英" in flags[0].message and flags[0].sources == [diploma.source]
    diploma.holder = "王建国"
    diploma.holder_id_number = make_id(dt.date(1990, 1, 1), female=True)
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "HOLDER_MISMATCH"]
    assert len(flags) == 1 and "身份证号码" in flags[0].message


def test_form_evidence_mismatch_on_graduation_and_title(dossier) -> None:
    assert "FORM_EVIDENCE_MISMATCH" not in codes(dossier)  # 2005-07 on the form, 2005-07-01 on the diploma
    dossier.items("diploma")[0].date = "2003-07-01"
    dossier.items("title_cert")[0].date = "2001-01"
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "FORM_EVIDENCE_MISMATCH"]
    assert sorted(f.details["field"] for f in flags) == ["current_title_date", "graduation_date"]
    assert all(len(f.sources) == 2 for f in flags)  # the form value and the certificate


def test_two_diplomas_pick_the_one_of_the_form_education(dossier) -> None:
    grad = str(dossier.field("graduation_date"))
    older = Evidence(kind="diploma", source=Source(file="A0001/scan.pdf", page=7), holder="王建国", date="1999-07", level="associate")
    dossier.evidence.append(older)
    assert "FORM_EVIDENCE_MISMATCH" not in codes(dossier)
    dossier.items("diploma")[0].date = grad[:4] + "-01"
    assert "FORM_EVIDENCE_MISMATCH" in codes(dossier)


def test_date_impossible(dossier) -> None:
    assert "DATE_IMPOSSIBLE" not in codes(dossier)
    dossier.fields["work_start_date"] = fv("2021-09")
    assert "DATE_IMPOSSIBLE" in codes(dossier)  # after the processing day
    dossier.fields["work_start_date"] = fv("2008-08")
    dossier.items("award")[0].date = "1980-12"
    assert "DATE_IMPOSSIBLE" in codes(dossier)  # before birth
    dossier.items("award")[0].date = "2020-09"  # scanned, a few months after the processing day
    assert "DATE_IMPOSSIBLE" in codes(dossier)
    dossier.items("award")[0].date = "2079-04"  # scanned 二〇一九 misread: not a lead
    assert "DATE_IMPOSSIBLE" not in codes(dossier)
    dossier.items("award")[0].date = "2018-12"
    dossier.fields["graduation_date"] = fv("1999-07")  # aged 14
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "DATE_IMPOSSIBLE"]
    assert len(flags) == 1 and "未满16周岁" in flags[0].message


def test_issn_and_cn() -> None:
    assert issn_problem("0317-8471") is None and issn_problem("2434-561X") is None
    assert issn_problem("1234-5678") is not None and issn_problem("12345") is not None
    assert issn_problem(issn_with_check("1004373")) is None
    assert cn_problem("CN 15-1155/N") is None and cn_problem("11-2236/G4") is None and cn_problem("11-1234/TP") is None
    assert cn_problem("11-12345/TP") is not None and cn_problem("1-1234/TP") is not None


def test_issn_invalid_flag(dossier) -> None:
    assert "ISSN_INVALID" not in codes(dossier)
    paper = dossier.items("paper")[0]
    paper.issn = "1234-5678"
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "ISSN_INVALID"]
    assert len(flags) == 1 and paper.title in flags[0].message and flags[0].sources == [paper.source]
    paper.issn, paper.cn = "1234-5679", "15-11552/N"
    assert "ISSN_INVALID" in codes(dossier)


@pytest.mark.parametrize(
    "program, edited",
    [
        ("Adobe Photoshop CC 2019 (Windows)", True),
        ("GIMP 2.10.30", True),
        ("美图秀秀", True),
        ("PS", True),
        ("GPL Ghostscript 9.56", False),
        ("PS to PDF converter", False),
        ("Canon iR-ADV C5535 PDF", False),
        ("Microsoft® Word 2016", False),
        ("PDFsharp 1.50", False),
    ],
)
def test_image_editor_names(program: str, edited: bool) -> None:
    assert is_image_editor(program) is edited


def test_pdf_edited(dossier) -> None:
    assert "PDF_EDITED" not in codes(dossier)
    form, scan = dossier.files
    form.incremental_updates = 2  # a Word export saved again is not a scan being edited
    assert "PDF_EDITED" not in codes(dossier)
    scan.linearized, scan.original_end = True, 48_213  # fast web view alone is no sign
    assert "PDF_EDITED" not in codes(dossier)
    scan.incremental_updates = 1
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "PDF_EDITED"]
    assert len(flags) == 1 and flags[0].sources[0].file == scan.path
    assert flags[0].details["sign"] == "appended_revision"
    assert "追加了 1 次增量修订" in flags[0].message and "/L（48213 字节）" in flags[0].message
    scan.incremental_updates = 0
    scan.producer = "Adobe Photoshop 22.0"
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "PDF_EDITED"]
    assert [f.details["sign"] for f in flags] == ["editor_producer"] and "Adobe Photoshop 22.0" in flags[0].message
    scan.producer = "Canon"
    scan.hidden_text_disagreeing_pages = [3, 5]
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "PDF_EDITED"]
    assert [f.details["sign"] for f in flags] == ["hidden_text_disagrees"]
    assert "第 3、5 页的隐藏文字层" in flags[0].message
    assert [(s.file, s.page) for s in flags[0].sources] == [(scan.path, 3), (scan.path, 5)]


def test_each_sign_is_its_own_lead(dossier) -> None:
    scan = dossier.files[1]
    scan.producer, scan.incremental_updates, scan.original_end = "GIMP 2.10", 1, 90_112
    flags = [f for f in dossier_flags(dossier, ctx(), THRESHOLD) if f.code == "PDF_EDITED"]
    assert sorted(f.details["sign"] for f in flags) == ["appended_revision", "editor_producer"]
    assert all(f.message.startswith(("文件 ", "扫描件 ")) and scan.path in f.message for f in flags)
    assert any("原文件结尾（第 90112 字节）" in f.message for f in flags)


def test_image_from_an_editor_is_flagged(dossier) -> None:
    dossier.files.append(FileInfo(path="A0001/IMG_2231.jpg", sha256="0" * 64, size=10, kind="image", pages=1, producer="Adobe Photoshop Lightroom"))
    assert "PDF_EDITED" in codes(dossier)


def test_blacklist_hit_uses_the_lookup_on_the_submission_date(dossier) -> None:
    calls = []

    def lookup(id_number: str, on: dt.date) -> list[dict]:
        calls.append((id_number, on))
        return [{"entry_id": 4, "reason": "伪造论文", "source": "包人社发〔2019〕12号", "start_date": "2019-01-01", "expiry_date": "2024-01-01"}]

    flags = [f for f in dossier_flags(dossier, ctx(lookup=lookup), THRESHOLD) if f.code == "BLACKLIST_HIT"]
    assert calls == [(ID, dt.date(2020, 6, 10))]
    assert len(flags) == 1 and "伪造论文" in flags[0].message and ID not in flags[0].message
    assert "BLACKLIST_HIT" not in codes(dossier, lookup=lambda i, d: [])


def test_a_lead_rests_only_on_what_was_read_at_the_rulebooks_threshold(dossier) -> None:
    diploma = dossier.items("diploma")[0]
    diploma.holder, diploma.confidence = "李秀英", 0.7
    assert "HOLDER_MISMATCH" in [f.code for f in dossier_flags(dossier, ctx(), 0.6)]
    assert "HOLDER_MISMATCH" not in [f.code for f in dossier_flags(dossier, ctx(), 0.8)]
    dossier.fields["id_number"] = dossier.fields["id_number"].model_copy(update={"confidence": 0.7})
    assert fingerprint(dossier, "B1", 2020, 0.6).id_number == ID
    assert fingerprint(dossier, "B1", 2020, 0.8).id_number is None


def test_a_run_judges_integrity_at_its_rulebooks_threshold(dossier, tmp_path) -> None:
    import yaml

    from dossierflow.batch import BatchInfo
    from dossierflow.ingest import BatchInput
    from dossierflow.pipeline import Extracted, judge_batch
    from validators.rulebook import RULEBOOK_DIR

    diploma = dossier.items("diploma")[0]
    diploma.holder, diploma.confidence = "李秀英", 0.7
    data = yaml.safe_load((RULEBOOK_DIR / "baotou-2020.yaml").read_text(encoding="utf-8"))
    data["confidence_threshold"] = 0.8
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    info = BatchInput(batch_id="B1", root=tmp_path, info=BatchInfo(batch_id="B1"), dossiers=[], skipped=[])

    def flagged(rulebook: str) -> bool:
        judged = judge_batch(info, [Extracted("A0001", extraction=dossier)], rulebook, dt.date(2020, 7, 1))
        return any(f.code == "HOLDER_MISMATCH" for r in judged.results for f in r.flags)

    assert THRESHOLD < 0.7 and flagged("baotou-2020")
    assert not flagged(str(stricter))


def test_no_integrity_check_keeps_a_threshold_of_its_own() -> None:
    from pathlib import Path

    import validators.integrity as integrity

    for path in Path(integrity.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "MIN_CONFIDENCE" not in text and "confidence >= 0." not in text and "confidence < 0." not in text, path
