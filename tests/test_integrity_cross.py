"""Cross-dossier flags: duplicates, shared papers, copied attachments and texts.

Certificate images are drawn for real (one printed template, different fillings, scanner noise,
JPEG, skew) and hashed with the same function readers use; a few pages go through Tesseract.
"""

from __future__ import annotations

import io
import random
import shutil
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from dossierflow.models import Evidence, PageContent, Segment, Source
from dossierflow.text import clean

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.test_integrity_support import clean_batch, make_dossier, personal_text
except ImportError:
    from test_integrity_support import clean_batch, make_dossier, personal_text
from validators.integrity import cross_flags
from validators.integrity.imagesig import page_image_hash
from validators.rulebook import load_rulebook

THRESHOLD = load_rulebook().confidence_threshold

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def certificate(name: str, number: str, seed: int, angle: float = 0.0, quality: int = 60) -> Image.Image:
    """An award certificate: a fixed printed template filled with a name and a number, scanned."""
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    d.rectangle([60, 60, 1180, 1694], outline=0, width=12)
    d.rectangle([90, 90, 1150, 1664], outline=80, width=3)
    big, mid = ImageFont.truetype(FONT, 90), ImageFont.truetype(FONT, 48)
    d.text((420, 220), "荣誉证书", font=big, fill=0)
    d.text((160, 520), f"{name}同志：", font=mid, fill=0)
    d.text((160, 620), "在二〇一八年度科学技术进步奖评选中，", font=mid, fill=0)
    d.text((160, 700), "荣获二等奖。特发此证，以资鼓励。", font=mid, fill=0)
    d.text((160, 1300), f"证书编号：{number}", font=mid, fill=0)
    d.text((700, 1450), "二〇一八年十二月", font=mid, fill=0)
    d.ellipse([700, 1250, 1000, 1550], outline=0, width=8)
    rng = np.random.default_rng(seed)
    noisy = np.asarray(img).astype(np.float32) + rng.normal(0, 18, (1754, 1240))
    img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).rotate(angle, fillcolor=255, resample=Image.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("L")


@lru_cache(maxsize=None)
def cert_hash(name: str, number: str, seed: int, angle: float = 0.0, quality: int = 60) -> str:
    return page_image_hash(certificate(name, number, seed, angle, quality))


def with_award_page(did: str, applicant: str, holder: str, number: str, image_hash: str, evidence: bool = True, text: str = ""):
    ex = make_dossier(did, random.Random(did), name=applicant)
    scan = f"{did}/scan.pdf"
    ex.pages.append(
        PageContent(
            file=scan,
            page=7,
            method="ocr",
            image_hash=image_hash,
            segments=[Segment(text=line, box=(0, i * 20, 500, i * 20 + 18), conf=0.9) for i, line in enumerate(text.splitlines()) if line.strip()],
        )
    )
    from dossierflow.models import Document

    ex.documents.append(Document(kind="honor", file=scan, pages=[7], confidence=0.9))
    if evidence:
        ex.evidence.append(Evidence(kind="honor", source=Source(file=scan, page=7), holder=holder, number=number, title="科学技术进步奖", date="2018-12", confidence=0.9))
    return ex


def flags_of(result: dict, code: str) -> dict[str, list]:
    return {did: [f for f in fl if f.code == code] for did, fl in result.items() if any(f.code == code for f in fl)}


def test_clean_batch_of_60_raises_no_cross_flags() -> None:
    """Shared templates (near-identical page hashes), shared boilerplate, co-authored papers."""
    result = cross_flags(clean_batch(60), None, "B1", 2020, THRESHOLD)
    assert {did: [f.message for f in fl] for did, fl in result.items()} == {}


def test_duplicate_applicant_within_the_batch() -> None:
    batch = clean_batch(10)
    twin = make_dossier("A0099", random.Random(1), name=str(batch["A0003"].field("name")), id_number=str(batch["A0003"].field("id_number")))
    twin.fields["employer"] = twin.fields["employer"].model_copy(update={"value": "另一个单位"})
    batch["A0099"] = twin
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_APPLICANT")
    assert set(found) == {"A0003", "A0099"}
    assert found["A0003"][0].related == ["A0099"] and found["A0099"][0].related == ["A0003"]
    assert {s.file for s in found["A0003"][0].sources} == {"A0003/eval.pdf", "A0099/eval.pdf"}  # both forms
    assert str(batch["A0003"].field("id_number")) not in found["A0003"][0].message
    # A resubmission by the same person never counts as copying their own attachments or text.
    assert set(cross_flags(batch, None, "B1", 2020, THRESHOLD)) == {"A0003", "A0099"}
    assert {f.code for fl in cross_flags(batch, None, "B1", 2020, THRESHOLD).values() for f in fl} == {"DUPLICATE_APPLICANT"}


def phash64(name: str, number: str, seed: int, angle: float = 0.0, quality: int = 60) -> str:
    """The readers' plain 64-bit pHash: the checks work on any hash length."""
    import imagehash

    return str(imagehash.phash(certificate(name, number, seed, angle, quality)))


@pytest.mark.parametrize("hasher", [cert_hash, phash64], ids=["phash256", "phash64"])
def test_rescanned_certificate_of_another_person_is_a_duplicate_attachment(hasher) -> None:
    original = hasher("张伟", "BT2018-0231", seed=1)
    rescan = hasher("张伟", "BT2018-0231", seed=2, angle=1.2, quality=40)
    batch = {
        "A0001": with_award_page("A0001", "张伟", "张伟", "BT2018-0231", original),
        "A0002": with_award_page("A0002", "李秀英", "张伟", "BT2018-0231", rescan),
    }
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")
    assert set(found) == {"A0001", "A0002"}
    flag = found["A0002"][0]
    assert flag.related == ["A0001"]
    assert {(s.file, s.page) for s in flag.sources} == {("A0002/scan.pdf", 7), ("A0001/scan.pdf", 7)}
    assert "BT20180231" in flag.message


@pytest.mark.parametrize("hasher", [cert_hash, phash64], ids=["phash256", "phash64"])
def test_two_people_certificates_from_one_template_are_not_duplicates(hasher) -> None:
    a = hasher("张伟", "BT2018-0231", seed=1)
    b = hasher("李秀英", "BT2018-0457", seed=3)
    from validators.integrity.imagesig import distance

    assert distance(a, b) <= 0.15  # the image hash alone cannot tell them apart …
    batch = {
        "A0001": with_award_page("A0001", "张伟", "张伟", "BT2018-0231", a),
        "A0002": with_award_page("A0002", "李秀英", "李秀英", "BT2018-0457", b),
    }
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}  # … the content does


def test_a_truncated_number_read_is_not_a_shared_number() -> None:
    """OCR kept only "2019-" of two different award numbers: a year says nothing."""
    a = cert_hash("张伟", "BT2018-0231", seed=1)
    b = cert_hash("李秀英", "BT2018-0457", seed=3)
    batch = {
        "A0001": with_award_page("A0001", "张伟", "张伟", "2019-", a),
        "A0002": with_award_page("A0002", "李秀英", "李秀英", "2019-", b),
    }
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_namesakes_with_one_template_are_not_duplicates() -> None:
    """Two different people called 张伟 (different ID numbers), certificates without a readable number."""
    a = cert_hash("张伟", "BT2018-0231", seed=1)
    b = cert_hash("张伟", "BT2018-0457", seed=3)
    batch = {
        "A0001": with_award_page("A0001", "张伟", "张伟", "", a),
        "A0002": with_award_page("A0002", "张伟", "张伟", "", b),
    }
    assert batch["A0001"].field("id_number") != batch["A0002"].field("id_number")
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_without_readable_content_the_image_alone_is_no_evidence() -> None:
    """Fills of one template can hash 0 bits apart, so a look-alike page with nothing read on it
    is not a lead; the very same file handed in twice is."""
    a = cert_hash("张伟", "BT2018-0231", seed=1)
    batch = {
        "A0001": with_award_page("A0001", "张伟", "", "", a, evidence=False),
        "A0002": with_award_page("A0002", "李秀英", "", "", a, evidence=False),
    }
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}
    same_file = batch["A0001"].files[1].sha256
    batch["A0002"].files[1] = batch["A0002"].files[1].model_copy(update={"sha256": same_file})
    assert set(flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")) == {"A0001", "A0002"}


def test_team_award_certificates_share_a_project_number() -> None:
    """Each winner's own certificate may carry the project number: different places on them
    are two certificates; the same place (or an unread one) is a lead."""
    h = cert_hash("张伟", "BT2018-0231", seed=1)
    a = with_award_page("A0001", "张伟", "张伟", "KJ2018-0231", h)
    b = with_award_page("A0002", "李秀英", "李秀英", "KJ2018-0231", cert_hash("李秀英", "BT2018-0231", seed=2))
    a.evidence[-1].holder_rank, b.evidence[-1].holder_rank = 1, 2
    assert flags_of(cross_flags({"A0001": a, "A0002": b}, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}
    b.evidence[-1].holder_rank = 1  # two "first winners" of one project: one certificate reused
    assert set(flags_of(cross_flags({"A0001": a, "A0002": b}, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")) == {"A0001", "A0002"}


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Tesseract")
def test_page_text_from_tesseract_separates_rescan_from_template() -> None:
    import pytesseract

    def ocr(img: Image.Image) -> str:
        small = img.resize((620, 877))
        return "\n".join(clean(line) for line in pytesseract.image_to_string(small, lang="chi_sim", config="--psm 6").splitlines())

    imgs = {
        "orig": certificate("张伟", "BT2018-0231", seed=1),
        "rescan": certificate("张伟", "BT2018-0231", seed=2, angle=1.0, quality=40),
        "other": certificate("李秀英", "BT2018-0457", seed=3),
    }
    texts = {k: ocr(v) for k, v in imgs.items()}
    hashes = {k: page_image_hash(v) for k, v in imgs.items()}
    same = {
        "A0001": with_award_page("A0001", "张伟", "", "", hashes["orig"], evidence=False, text=texts["orig"]),
        "A0002": with_award_page("A0002", "王芳", "", "", hashes["rescan"], evidence=False, text=texts["rescan"]),
    }
    assert set(flags_of(cross_flags(same, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")) == {"A0001", "A0002"}
    other = {
        "A0001": same["A0001"],
        "A0003": with_award_page("A0003", "李秀英", "", "", hashes["other"], evidence=False, text=texts["other"]),
    }
    assert flags_of(cross_flags(other, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_shared_paper_needs_both_to_claim_first_authorship() -> None:
    batch = clean_batch(6)
    paper = batch["A0001"].items("paper")[0]
    copied = paper.model_copy(update={"source": Source(file="A0002/scan.pdf", page=6), "authors": [str(batch["A0002"].field("name"))], "author_rank": 1})
    batch["A0002"].evidence.append(copied)
    # A form claim alone with a slightly different title writing still matches after normalising.
    claim = Evidence(kind="claimed_paper", source=Source(file="A0003/eval.pdf", page=2), title=paper.title.replace("的", "的 ") + "。", author_rank=1)
    batch["A0003"].evidence.append(claim)
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER")
    assert set(found) == {"A0001", "A0002", "A0003"}
    assert sorted(r for f in found["A0001"] for r in f.related) == ["A0002", "A0003"]
    # A0002 (co-author) in clean_batch is rank 2 for A0001's paper: silent.
    copied.author_rank = 2
    claim.author_rank = 3
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER") == {}


def test_same_generic_title_in_another_journal_is_another_paper() -> None:
    batch = clean_batch(4)
    paper = batch["A0001"].items("paper")[0]
    name2 = str(batch["A0002"].field("name"))
    twin = paper.model_copy(update={"source": Source(file="A0002/scan.pdf", page=6), "authors": [name2], "author_rank": 1})
    batch["A0002"].evidence.append(twin)
    assert set(flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER")) == {"A0001", "A0002"}
    twin.issn, twin.journal = "1000-7059", "冶金自动化"
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER") == {}
    twin.issn, twin.journal, twin.date = None, None, "2011-03"  # no journal known, another year
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER") == {}
    twin.issn, twin.journal, twin.date = paper.issn, paper.journal, "2018-11"  # same journal, another issue
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "SHARED_PAPER") == {}


def test_image_file_page_is_compared_with_a_pdf_page() -> None:
    """A JPG is one page numbered None; its evidence points at the file without a page."""
    from dossierflow.models import Document

    image_hash = cert_hash("张伟", "BT2018-0231", seed=1)
    a = make_dossier("A0001", random.Random(1), name="张伟")
    a.pages.append(PageContent(file="A0001/IMG_5396.JPG", page=None, method="ocr", image_hash=image_hash))
    a.documents.append(Document(kind="award", file="A0001/IMG_5396.JPG", pages=[1], confidence=0.9))
    a.evidence.append(Evidence(kind="award", source=Source(file="A0001/IMG_5396.JPG"), holder="张伟", number="2018-j-231", title="科技进步奖"))
    b = with_award_page("A0002", "郑素淑", "郑素淑", "2018-J-231", image_hash)  # the holder name was changed
    found = flags_of(cross_flags({"A0001": a, "A0002": b}, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")
    assert set(found) == {"A0001", "A0002"} and "2018J231" in found["A0001"][0].message


def test_portrait_photos_are_not_compared() -> None:
    batch = clean_batch(3)
    for did, ex in batch.items():
        ex.pages.append(PageContent(file=f"{did}/照片.jpg", method="image", image_hash="b0f30ccf438cd38e", image_is_photo=True))
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_text_reuse_catches_a_lightly_edited_copy_not_boilerplate() -> None:
    batch = clean_batch(30)
    source_text = batch["A0005"].items("work_summary")[0].text or ""
    # Punctuation changed, two sentences of one's own added, the name swapped.
    name5, name9 = str(batch["A0005"].field("name")), str(batch["A0009"].field("name"))
    copied = source_text.replace("，", ",").replace(name5, name9) + personal_text(random.Random(99), name9, sentences=2)
    batch["A0009"].items("work_summary")[0].text = copied
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "TEXT_REUSE")
    assert set(found) == {"A0005", "A0009"}
    assert found["A0009"][0].related == ["A0005"] and found["A0009"][0].details["matches"][0]["jaccard"] > 0.5


def test_a_paper_handed_in_under_another_title_is_text_reuse() -> None:
    batch = clean_batch(20)
    original = batch["A0015"].items("paper")[0]
    plagiarised = batch["A0016"].items("paper")[0]
    plagiarised.text = (original.text or "").replace("。", "；")
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "TEXT_REUSE")
    assert set(found) == {"A0015", "A0016"} and found["A0016"][0].sources[0] == plagiarised.source


def test_short_shared_passage_is_not_text_reuse() -> None:
    batch = clean_batch(30)
    one_sentence = personal_text(random.Random(5), "某某", sentences=1)
    for did in ("A0002", "A0004"):
        summary = batch[did].items("work_summary")[0]
        summary.text = (summary.text or "") + one_sentence
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "TEXT_REUSE") == {}


@pytest.mark.parametrize("stock", [0, 60])
def test_text_reuse_costs_its_index_and_no_more_at_its_peak(stock: int) -> None:
    """A city's batch and its history hold millions of shingles: at its peak the check holds
    its index (a 64-bit key per shingle kept after boilerplate, then the key's text halves
    copied out beside it: 12 bytes a kept shingle) and nothing of the same size beside it (it
    was over 70 bytes, then 20 with every text's filtered shingles held, then 16 with both
    halves copied out), and it still finds the one copied text among hundreds. `stock`:
    shingles every text shares, boilerplate."""
    import tracemalloc

    from validators.integrity.cross import CrossThresholds, _Collector, text_reuse
    from validators.integrity.fingerprint import DossierPrint, TextPrint, Where

    rng = np.random.default_rng(5)
    common = rng.integers(0, 2**32, stock).tolist()
    texts = [np.unique(rng.integers(0, 2**32, 400)).tolist() for _ in range(600)]
    texts[7] = texts[3][:350] + texts[7][:50]
    prints = [
        DossierPrint(batch_id="B", dossier_id=f"D{i:03d}", policy_year=2020, name=f"申报人{i}",
                     texts=[TextPrint(kind="work_summary", where=Where(file="总结.pdf", page=1), shingles=sorted(set(t + common)))])
        for i, t in enumerate(texts)
    ]
    kept = sum(len(set(t.shingles) - set(common)) for p in prints for t in p.texts)
    text_reuse(prints, prints, _Collector("B"), CrossThresholds())  # numpy's first-call imports aside
    out = _Collector("B")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        text_reuse(prints, prints, out, CrossThresholds())
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    # Beside the index: per-text sizes and one query's counts, a few hundred bytes a text, and
    # room for what other threads of a test worker allocate meanwhile.
    assert peak <= 12 * kept + 512 * 1024, f"{peak / kept:.1f} bytes per kept shingle"
    assert sorted(did for did, _, _ in out.leads) == ["D003", "D007"]


@pytest.mark.parametrize("size", [0, 1, 2, 7, 8, 9, 31, 64, 1000])
def test_a_sorted_key_splits_into_its_texts_and_shingles_across_move_chunks(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from validators.integrity import cross

    monkeypatch.setattr(cross, "_SPLIT_CHUNK", 8)  # many chunks, the first overlapping its source
    rng = np.random.default_rng(size)
    shingle = rng.integers(0, 2**32, size, dtype=np.uint64)
    text = rng.integers(0, 2**32, size, dtype=np.uint64)
    key = np.sort((shingle << np.uint64(32)) | text)
    texts, shingles = cross._split_sorted_key(key.copy())
    assert texts.dtype == shingles.dtype == np.uint32
    assert texts.tolist() == (key & np.uint64(0xFFFFFFFF)).tolist()
    assert shingles.tolist() == (key >> np.uint64(32)).tolist()


def test_the_clean_batch_really_exercises_the_precision_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the guards the clean batch would raise leads: shared templates, team awards,
    co-authored papers and boilerplate are really in it."""
    import validators.integrity.cross as cross

    batch = clean_batch(60)
    monkeypatch.setattr(cross, "_shared_certificate", lambda *a: False)
    assert set(flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")) == {"A0011", "A0012", "A0013", "A0014", "A0015", "A0016"}
    monkeypatch.undo()
    for ex in batch.values():  # without certificate numbers the holders still tell them apart …
        for ev in ex.evidence:
            ev.number = None
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}
    monkeypatch.setattr(cross, "_content_match", lambda *a, **k: "图像相似")  # … the image hash alone cannot
    assert len(flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")) > 50
    monkeypatch.undo()
    no_boilerplate = cross.CrossThresholds(boilerplate_min_docs=10**6, boilerplate_share=1.0, text_jaccard=0.2, text_containment=0.35)
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD, no_boilerplate), "TEXT_REUSE") != {}


def _judged_text_reuse(rulebook: str) -> dict[str, list]:
    """TEXT_REUSE as a run judges it (`judge_batch`), with the thresholds of `rulebook`."""
    import datetime as dt
    from pathlib import Path

    from dossierflow.batch import BatchInfo
    from dossierflow.ingest import BatchInput
    from dossierflow.pipeline import Extracted, judge_batch

    batch = clean_batch(12)
    source_text = batch["A0003"].items("work_summary")[0].text or ""
    name3, name7 = str(batch["A0003"].field("name")), str(batch["A0007"].field("name"))
    batch["A0007"].items("work_summary")[0].text = source_text.replace(name3, name7)
    info = BatchInput(batch_id="B1", root=Path("."), info=BatchInfo(batch_id="B1"), dossiers=[], skipped=[])
    judged = judge_batch(info, [Extracted(did, extraction=ex) for did, ex in batch.items()], rulebook, dt.date(2020, 7, 1))
    return {r.dossier_id: [f for f in r.flags if f.code == "TEXT_REUSE"] for r in judged.results if any(f.code == "TEXT_REUSE" for f in r.flags)}


def test_the_rulebook_sets_the_cross_check_thresholds(tmp_path) -> None:
    import yaml

    from dossierflow.errors import RulebookError
    from validators.rulebook import RULEBOOK_DIR, load_rulebook

    data = yaml.safe_load((RULEBOOK_DIR / "baotou-2020.yaml").read_text(encoding="utf-8"))
    assert load_rulebook().cross_thresholds.text_jaccard == data["integrity"]["cross"]["text_jaccard"]
    assert set(_judged_text_reuse("baotou-2020")) == {"A0003", "A0007"}
    # A copy scores well under 100% after boilerplate removal: thresholds of 1.0 find nothing,
    # so the run's check takes its thresholds from the rulebook, not from the code's defaults.
    data["integrity"]["cross"].update(text_jaccard=1.0, text_containment=1.0)
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rulebook(strict).cross_thresholds.text_containment == 1.0
    assert _judged_text_reuse(str(strict)) == {}
    data["integrity"]["cross"]["text_jacard"] = 0.3  # a misspelt key fails loading, never falls back
    strict.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulebookError, match="text_jacard"):
        load_rulebook(strict)


_MISREADS = "小亅口日"  # what OCR makes of a damaged letter or digit in a number: a CJK character


@pytest.mark.parametrize("position", range(len("2016-J-0282")))
def test_a_reused_damaged_certificate_whose_number_ocr_misread_on_one_copy_is_still_a_duplicate(position: int) -> None:
    number = "2016-J-0282"
    if number[position] == "-":
        pytest.skip("a separator is no character of the number")
    misread = number[:position] + _MISREADS[position % len(_MISREADS)] + number[position + 1:]
    # One scan reused by two dossiers, each copy damaged on its own (noise, angle, JPEG), the
    # holder's name changed on the copy.
    batch = {
        "A0001": with_award_page("A0001", "郭丽", "郭丽", number, cert_hash("郭丽", number, seed=11, angle=0.6, quality=45)),
        "A0002": with_award_page("A0002", "尹妹玲", "尹妹玲", misread,
                                 cert_hash("尹妹玲", number, seed=12, angle=-0.8, quality=35)),
    }
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")
    assert set(found) == {"A0001", "A0002"}, misread
    assert "未能识别的字符" in found["A0002"][0].message and found["A0002"][0].related == ["A0001"]


@pytest.mark.parametrize("position", [0, 3, 5, 8, 9])
def test_two_certificates_of_one_template_are_no_duplicate_even_with_a_character_misread(position: int) -> None:
    # Numbers one digit apart (the next certificate of the same award), one of them with a
    # character OCR could not read elsewhere: what both read surely disagrees.
    mine, theirs = "2016-J-0282", "2016-J-0283"
    misread = theirs[:position] + "小" + theirs[position + 1:]
    batch = {
        "A0001": with_award_page("A0001", "郭丽", "郭丽", mine, cert_hash("郭丽", mine, seed=21, angle=0.5)),
        "A0002": with_award_page("A0002", "尹妹玲", "尹妹玲", misread, cert_hash("尹妹玲", theirs, seed=22, angle=-0.5)),
    }
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}
    # Two readings as far gone as three unread characters are not compared either.
    gone = "2小1小-J-小282"
    batch["A0002"] = with_award_page("A0002", "尹妹玲", "尹妹玲", gone, cert_hash("尹妹玲", mine, seed=22, angle=-0.5))
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_a_reused_certificate_whose_number_the_extractor_cut_at_a_misread_glyph_is_a_duplicate() -> None:
    """OCR read a damaged letter as a CJK glyph (2017-J-390 as 2017- 上390) on one copy and the
    extractor kept only "2017-", which identifies nothing: the page's reading after the label
    still agrees with the other copy's number wherever both read letters and figures."""
    number = "2017-J-390"
    batch = {
        "A0001": with_award_page("A0001", "胡彩琳", "胡彩琳", number, cert_hash("胡彩琳", number, seed=31, angle=0.4, quality=45),
                                 text=f"获奖证书\n证书编号：{number}"),
        "A0002": with_award_page("A0002", "傅华", "傅华", "2017-", cert_hash("傅华", number, seed=32, angle=-0.7, quality=35),
                                 text="获奖证书\n证书编号 :2017- 上390"),
    }
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")
    assert set(found) == {"A0001", "A0002"}
    assert "2017上390" in found["A0002"][0].message and found["A0002"][0].related == ["A0001"]
    # The next certificate of the same award, cut the same way: its figures disagree.
    batch["A0002"] = with_award_page("A0002", "傅华", "傅华", "2017-", cert_hash("傅华", "2017-J-391", seed=32, angle=-0.7, quality=35),
                                     text="获奖证书\n证书编号 :2017- 上391")
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def _award_text(name: str, number: str) -> str:
    return (f"获奖证书\n{name}同志：你参与完成的“老年社区获得性肺炎的临床特征分析项目”荣获2012年度包头市优秀\n"
            f"工程勘察设计奖一等奖（第1完成人）。特发此证，以资鼓励。\n证书编号：{number}\n包头市住房和城乡建设局")


@pytest.mark.parametrize("unsure", ["A0001", "A0002"])
def test_a_reused_certificate_read_unsurely_is_found_in_the_slim_extractions_judging_gets(unsure: str) -> None:
    # The run judges slim extractions (segments dropped to save memory). A damaged copy whose
    # certificate evidence was read below the confidence floor has no number or holder: only
    # its page text can say it is the same certificate, so attachment pages keep their text.
    number = "2013-J-421"
    pages = {"A0001": ("范丽秀", cert_hash("范丽秀", number, seed=31, angle=0.7, quality=40)),
             "A0002": ("阎春", cert_hash("阎春", number, seed=32, angle=-0.9, quality=35))}
    batch = {did: with_award_page(did, name, name, number, h, evidence=did != unsure, text=_award_text(name, number)).slim()
             for did, (name, h) in pages.items()}
    found = flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT")
    assert set(found) == {"A0001", "A0002"}
    # Another certificate of the award (the next number) is no duplicate, read surely or not.
    other = "2013-J-422"
    batch["A0002"] = with_award_page("A0002", "阎春", "阎春", other, cert_hash("阎春", other, seed=32, angle=-0.9, quality=35),
                                     evidence="A0002" != unsure, text=_award_text("阎春", other)).slim()
    assert flags_of(cross_flags(batch, None, "B1", 2020, THRESHOLD), "DUPLICATE_ATTACHMENT") == {}


def test_slimming_keeps_the_text_of_attachment_pages_only() -> None:
    ex = with_award_page("A0001", "范丽秀", "范丽秀", "2013-J-421", "0" * 16, text=_award_text("范丽秀", "2013-J-421"))
    slim = ex.slim()
    kept = {(p.file, p.page): bool(p.segments) for p in slim.pages}
    assert kept[("A0001/scan.pdf", 7)] is True
    assert not any(has for (f, n), has in kept.items() if (f, n) != ("A0001/scan.pdf", 7))


def _sentences(rng: random.Random, n: int) -> list[str]:
    """n sentences of 20 random CJK characters: each one's shingles are its own."""
    return ["".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(20)) + "。" for _ in range(n)]


def test_stock_sentences_in_another_order_are_not_reuse_a_copied_paragraph_is() -> None:
    """Honest writers draw on stock sentences (held by a handful of dossiers each, too few to be
    form wording); a copy keeps most of its source in order, whatever text surrounds it."""
    from validators.integrity.cross import _Collector, text_reuse
    from validators.integrity.fingerprint import DossierPrint, TextPrint, Where
    from validators.integrity.textsim import shingles
    from validators.rulebook import load_rulebook

    rng = random.Random(17)
    stock = _sentences(rng, 12)
    texts = [_sentences(rng, 12) for _ in range(200)]
    for k in range(2, 10):  # others hold the stock sentences too, 4 to 6 dossiers each
        texts[k][:6] = rng.sample(stock, 6)
    # Two honest summaries sharing eight stock sentences in another order, their own between.
    texts[0] = stock[:8] + texts[0][:4]
    texts[1] = [stock[i] for i in (5, 2, 7, 0)] + texts[1][:2] + [stock[i] for i in (3, 6, 1, 4)] + texts[1][2:4]
    # Ten sentences of another summary copied in the middle of a text of one's own.
    texts[11] = stock[8:12] + texts[11][:8]
    texts[10] = texts[10][:3] + texts[11][1:11] + texts[10][3:6]
    prints = [
        DossierPrint(batch_id="B", dossier_id=f"D{i:03d}", policy_year=2020, name=f"申报人{i}",
                     texts=[TextPrint(kind="work_summary", where=Where(file="总结.pdf", page=1), shingles=shingles("".join(t)))])
        for i, t in enumerate(texts)
    ]
    out = _Collector("B")
    text_reuse(prints, prints, out, load_rulebook().cross_thresholds)
    assert sorted((did, ref) for did, _, ref in out.leads) == [("D010", "D011"), ("D011", "D010")]


def test_judging_holds_every_fingerprint_packed_and_stores_it_unchanged() -> None:
    """A run holds its batch's fingerprints (and the history's) until the cross checks have
    run: packed as tuples, at most half the memory of the models, field for field the same."""
    import gc
    import tracemalloc

    from pydantic import BaseModel

    from validators.integrity import fingerprint
    from validators.integrity.fingerprint import full, packed

    extractions = clean_batch(40)
    h = cert_hash("张伟", "BT2018-0231", 1)
    extractions["X1"] = with_award_page("X1", "李明", "李明", "BT2018-0231", h)
    extractions["X2"] = with_award_page("X2", "王芳", "李明", "BT2018-0231", cert_hash("张伟", "BT2018-0231", 2))
    prints = [fingerprint(ex, "B1", 2020, THRESHOLD) for ex in extractions.values()]
    assert any(p.pages for p in prints) and any(p.papers for p in prints) and any(p.texts for p in prints)
    assert [full(packed(p)) for p in prints] == prints  # what is stored is what was built

    def held(make) -> int:
        gc.collect()
        tracemalloc.start()
        try:
            kept = [make(ex) for ex in extractions.values()]
            gc.collect()
            return tracemalloc.get_traced_memory()[0] + 0 * len(kept)
        finally:
            tracemalloc.stop()

    models = held(lambda ex: fingerprint(ex, "B1", 2020, THRESHOLD))
    tuples = held(lambda ex: packed(fingerprint(ex, "B1", 2020, THRESHOLD)))
    assert tuples < 0.6 * models, (tuples, models)

    import datetime as dt
    from pathlib import Path

    from dossierflow.batch import BatchInfo
    from dossierflow.inputs import BatchInput
    from dossierflow.pipeline import BatchJudging, Extracted

    judging = BatchJudging(
        BatchInput(batch_id="B1", root=Path("."), info=BatchInfo(batch_id="B1"), dossiers=[], skipped=[]),
        [Extracted(did, extraction=ex) for did, ex in extractions.items()], "baotou-2020", dt.date(2020, 7, 1),
    )

    def models_in(value: object) -> bool:
        if isinstance(value, BaseModel):
            return True
        return isinstance(value, tuple) and any(models_in(v) for v in value)

    assert len(judging.prints) == len(extractions) and not any(models_in(p) for p in judging.prints.values())
    codes = {did: sorted(f.code for f in fl) for did, fl in judging.cross.items()}
    assert codes.get("X1") == ["DUPLICATE_ATTACHMENT"], codes
