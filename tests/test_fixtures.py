"""The fixture generator: valid people, truth that matches the files, A4 image-only scans,
determinism, and the accuracy scoring on a hand-made pair."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from dossierflow.vocab import FLAG_CODES, RULE_CODES
from fixtures.dates import whole_years
from fixtures.generate import generate_batch
from fixtures.idnumber import check_digit, corrupt_check_digit, is_valid, issn_valid
from fixtures.people import BatchFrame, make_applicant
from fixtures.prose import MAX_SHARED_RUNS, TextPool, clauses, runs
from fixtures.scenarios import BATCH_SCENARIOS, CATALOGUE
from fixtures.scoring import score
from fixtures.truth import BatchTruth, DocumentTruth, DossierTruth, EvidenceTruth, SourceTruth, truth_path
from validators.integrity.cross import CrossThresholds
from validators.integrity.textsim import overlap, shingles

A4 = (595.28, 841.89)
MM = 72 / 25.4
TITLE_WORD = {"eval_form": "评审表", "submit_form": "送审表", "pledge": "承诺书", "diploma": "毕业证书",
              "publicity": "公示", "ce_card": "审验卡", "work_summary": "总结"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, BatchTruth]:
    root = tmp_path_factory.mktemp("fx") / "b1"
    truth = generate_batch(root, n=6, seed=3, damage="mixed")
    return root, truth


@pytest.fixture(scope="module")
def scenario_batch(tmp_path_factory) -> tuple[Path, BatchTruth]:
    root = tmp_path_factory.mktemp("fx") / "b2"
    truth = generate_batch(root, n=0, seed=5, forms=["text_pdf", "scan"], damage="clean",
                           scenarios="fail:ATTACHMENTS_A4,flag:PDF_EDITED,fail:POST_QUOTA,flag:SHARED_PAPER,"
                                     "fail:SENIORITY,flag:ID_NUMBER_INVALID")
    return root, truth


def _file_bytes(root: Path, rel: str) -> bytes:
    if ".zip/" in rel:
        entry, inner = rel.split(".zip/", 1)
        with zipfile.ZipFile(root / f"{entry}.zip") as zf:
            return zf.read(f"{entry}/{inner}")
    return (root / rel).read_bytes()


def test_gb11643_check_digit_on_known_numbers():
    assert is_valid("11010519491231002X")
    assert check_digit("44052418800101001") == "4"
    assert not is_valid(corrupt_check_digit("11010519491231002X"))
    assert issn_valid("0317-8471") and issn_valid("2049-3630") and not issn_valid("0317-8472")


def test_applicants_have_ids_matching_birth_and_sex():
    names: set[str] = set()
    frame = BatchFrame("固阳县", dt.date(2020, 6, 15))
    for i in range(150):
        a = make_applicant(random.Random(i), frame, names)
        assert is_valid(a.id_number), a.id_number
        assert a.id_number[6:12] == f"{a.birth.year}{a.birth.month:02d}"
        assert (int(a.id_number[16]) % 2 == 1) == (a.gender == "男")
        assert a.graduation_date.first() <= dt.date(2019, 12, 31)
        assert a.publicity_to.first() < frame.submitted_on
        assert a.ce_hours[2020][0] >= 30 and a.ce_date <= a.submission_date
        if a.route == "regular":
            need = {"intermediate": 4, "deputy_senior": 5, "senior": 5}[a.applied_level]
            assert whole_years(a.current_title_date) >= need


def test_batch_root_holds_only_dossiers_and_batch_yaml(batch):
    root, truth = batch
    entries = sorted(p.name for p in root.iterdir())
    assert "batch.yaml" in entries
    assert sorted(d.entry for d in truth.dossiers) == sorted(e for e in entries if e != "batch.yaml")
    assert truth_path(root).exists() and truth_path(root).parent == root.parent
    assert BatchTruth.read(truth_path(root)) == truth


def test_every_document_in_truth_is_in_its_file_at_its_pages(batch):
    root, truth = batch
    for d in truth.dossiers:
        assert {"eval_form", "submit_form", "pledge", "photo", "material_list"} <= {x.kind for x in d.documents}
        for doc in d.documents:
            blob = _file_bytes(root, doc.file)
            if doc.file.lower().endswith(".pdf"):
                reader = PdfReader(io.BytesIO(blob))
                assert doc.pages and max(doc.pages) <= len(reader.pages), doc
                if doc.form == "text_pdf" and doc.kind in TITLE_WORD:
                    text = reader.pages[doc.pages[0] - 1].extract_text()
                    assert TITLE_WORD[doc.kind] in text, (doc, text[:80])
            elif doc.file.endswith(".docx"):
                assert doc.pages == []
                from docx import Document

                body = "\n".join(p.text for p in Document(io.BytesIO(blob)).paragraphs)
                if doc.kind in TITLE_WORD:
                    assert TITLE_WORD[doc.kind] in body
            else:
                assert doc.pages == [1]
                Image.open(io.BytesIO(blob)).verify()
        for ev in d.evidence:
            assert any(x.file == ev.source.file and (not x.pages or ev.source.page in x.pages) for x in d.documents)
        listed = next(e for e in d.evidence if e.kind == "material_list").attrs()["items"]
        enclosed = [x for x in d.documents if x.kind != "material_list"]
        assert len(listed) == len(enclosed)
        assert {i["pages"] for i in listed} <= {1, 2}


def test_scans_are_image_only_and_pages_are_a4(batch):
    root, truth = batch
    seen_scan = 0
    for d in truth.dossiers:
        for doc in d.documents:
            if doc.kind == "photo":
                continue
            blob = _file_bytes(root, doc.file)
            if doc.file.lower().endswith(".pdf"):
                reader = PdfReader(io.BytesIO(blob))
                for p in doc.pages:
                    page = reader.pages[p - 1]
                    w, h = sorted((float(page.mediabox.width), float(page.mediabox.height)))
                    assert abs(w - A4[0]) <= 5 * MM and abs(h - A4[1]) <= 5 * MM, (doc, w, h)
                    if doc.form.startswith("scan"):
                        seen_scan += 1
                        made = [x for x in d.scan_pages if x.file == doc.file and x.page == p]
                        assert len(made) == 1 and 150 <= made[0].dpi <= 300 and abs(made[0].skew) <= 3
                        assert page.extract_text().strip() == ""
                        assert "/Font" not in (page.get("/Resources") or {})
            elif doc.form.startswith("scan"):
                img = Image.open(io.BytesIO(blob))
                dpi = img.info["dpi"][0]
                w, h = sorted(img.size)
                assert abs(w / dpi * 25.4 - 210) <= 5 and abs(h / dpi * 25.4 - 297) <= 5
    assert seen_scan > 0


def test_photo_is_a_two_inch_portrait(batch):
    root, truth = batch
    photos = [x for d in truth.dossiers for x in d.documents if x.kind == "photo" and not x.file.endswith(".pdf")]
    assert photos
    for p in photos:
        img = Image.open(io.BytesIO(_file_bytes(root, p.file)))
        assert 0.66 <= img.width / img.height <= 0.76
        corner = img.convert("L").getpixel((3, 3))
        assert corner >= 235


def test_clean_truth_fields_are_normalised(batch):
    _, truth = batch
    for d in truth.dossiers:
        assert d.expected_status == "accepted" and not d.expected_fail_rules and not d.expected_flags
        f = d.fields
        assert is_valid(f["id_number"])
        for key in ("birth_date", "graduation_date", "work_start_date", "submission_date"):
            assert len(f[key]) in (7, 10) and f[key][4] == "-"
        assert isinstance(f["full_time"], bool) and isinstance(f["county_years"], int)
        assert f["region_level"] in ("city", "county", "township")
        assert set(d.field_forms) == set(f)


def test_generation_is_deterministic(tmp_path):
    t1 = generate_batch(tmp_path / "a" / "b", n=3, seed=11, forms=["docx", "scan", "zip"])
    t2 = generate_batch(tmp_path / "c" / "b", n=3, seed=11, forms=["docx", "scan", "zip"])
    assert t1.model_dump() == t2.model_dump()

    def digest(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert digest(tmp_path / "a" / "b") == digest(tmp_path / "c" / "b")
    t3 = generate_batch(tmp_path / "d" / "b", n=3, seed=12, forms=["docx", "scan", "zip"])
    assert t3.dossiers[0].fields["id_number"] != t1.dossiers[0].fields["id_number"]


def test_text_pool_redraws_a_near_copy_of_an_earlier_text():
    pool = TextPool(runs, MAX_SHARED_RUNS)
    first = ["结合高中英语相关规范，本文建立了包含5项指标的评价体系。总结出适合本地区的技术要点，可供同行参考。"]
    assert pool.draw(first, lambda k: pytest.fail("the first text has nothing to be compared with")) == first
    # Only a figure changed: the same text by its runs, so it is drawn again.
    figure_changed = [first[0].replace("5项", "4项")]
    fresh = ["本研究选取包头地区六个单位作为样本，开展了为期半年的跟踪观察。实践证明该方法可使差错率明显下降。"]
    attempts = []
    assert pool.draw(figure_changed, lambda k: attempts.append(k) or fresh) == fresh
    assert attempts == [0]
    assert pool.most_shared(figure_changed) == 1.0


def _pairwise_share(units, a: list[str], b: list[str]) -> float:
    """The share of verbatim unit text between two texts, either way, compared directly."""
    ua, ub = units(a), units(b)
    ta, tb = sum(len(c) for c in ua), sum(len(c) for c in ub)
    share_a = sum(len(c) for c in ua if c in set(ub)) / ta if ta else 0.0
    share_b = sum(len(c) for c in ub if c in set(ua)) / tb if tb else 0.0
    return max(share_a, share_b)


@pytest.mark.parametrize("units", [clauses, runs])
def test_text_pool_share_is_the_pairwise_one(units):
    # The pool weighs earlier texts through an index of their units; what it finds must be the
    # largest share a comparison with every earlier text finds, repeated units and empty texts
    # (no unit long enough) included.
    rng = random.Random(3)
    pieces = ["本人任现职以来认真履行岗位职责", "积极参加继续教育学习", "结合包头地区实际开展调研", "完成教学任务",
              "指导青年教师三名", "发表论文两篇", "获得市级表彰", "短句"]
    pool, drawn = TextPool(units, 1.0), []
    for _ in range(60):
        text = ["，".join(rng.choice(pieces) for _ in range(rng.randrange(0, 5))) + "。"]
        expected = max((_pairwise_share(units, text, other) for other in drawn), default=0.0)
        assert pool.most_shared(text) == pytest.approx(expected, abs=1e-12)
        pool.draw(text, lambda k: pytest.fail("a share of at most 1.0 is never drawn again"))
        drawn.append(text)
    # A clause the new text repeats counts each time it is written.
    pool = TextPool(clauses, 1.0)
    pool.draw(["本人任现职以来认真履行岗位职责，积极参加继续教育学习，获得自治区级表彰奖励。"], lambda k: [])
    assert pool.most_shared(["本人任现职以来认真履行岗位职责，本人任现职以来认真履行岗位职责，指导青年教师三名成长。"]) == pytest.approx(30 / 40)


def test_honest_papers_on_one_topic_are_not_near_copies(tmp_path):
    # Seed 205 gives two teachers of one school the same topic in the same journal; their abstracts
    # had been drawn from the same sentences (a false TEXT_REUSE lead against a truth of none).
    root = tmp_path / "b"
    truth = generate_batch(root, n=8, seed=205, forms=["text_pdf"], damage="clean")
    papers = []
    for d in truth.dossiers:
        for doc in d.documents:
            if doc.kind == "paper":
                pdf = PdfReader(root / doc.file)
                papers.append((d.dossier_id, doc.file, set(shingles("".join(pdf.pages[p - 1].extract_text() for p in doc.pages)))))
    pairs = [(a, b) for i, a in enumerate(papers) for b in papers[i + 1:] if a[0] != b[0]]
    assert pairs
    # The whole page, masthead and the shared school's name included, without boilerplate removal.
    worst = max(pairs, key=lambda ab: overlap(ab[0][2], ab[1][2])[0])
    assert overlap(worst[0][2], worst[1][2])[0] < CrossThresholds().text_jaccard * 2 / 3, (worst[0][1], worst[1][1])


def test_catalogue_covers_every_rule_and_flag():
    codes = {s.code.split(":", 1)[1] for s in CATALOGUE if ":" in s.code}
    codes |= {c.split(":", 1)[1] for c in BATCH_SCENARIOS}
    assert set(RULE_CODES) <= codes
    assert set(FLAG_CODES) <= codes | {f for s in CATALOGUE for f in s.flags}
    for s in CATALOGUE:
        if s.flags:
            assert s.status == "integrity_review"


def test_scenarios_change_the_files(scenario_batch):
    root, truth = scenario_batch
    by = {d.scenario: d for d in truth.dossiers}
    a4 = by["fail:ATTACHMENTS_A4"]
    diploma = next(x for x in a4.documents if x.kind == "diploma")
    blob = _file_bytes(root, diploma.file)
    if diploma.file.endswith(".pdf"):
        box = PdfReader(io.BytesIO(blob)).pages[diploma.pages[0] - 1].mediabox
        w, h = sorted((float(box.width), float(box.height)))
    else:
        img = Image.open(io.BytesIO(blob))
        w, h = (v / img.info["dpi"][0] * 72 for v in sorted(img.size))
    assert abs(w - 176 * MM) < 3 and abs(h - 250 * MM) < 3

    edited = by["flag:PDF_EDITED"]
    diploma = next(x for x in edited.documents if x.kind == "diploma")
    blob = _file_bytes(root, diploma.file)
    assert blob.count(b"%%EOF") >= 2 and b"Photoshop" in blob

    assert not is_valid(by["flag:ID_NUMBER_INVALID"].fields["id_number"])
    assert by["fail:SENIORITY"].fields["current_title_date"] in ("2015-02", "2015-02-01")

    pair = [d for d in truth.dossiers if d.scenario == "flag:SHARED_PAPER"]
    assert len(pair) == 2 and pair[0].related == [pair[1].dossier_id]
    titles = [{e.attrs()["title"] for e in d.evidence if e.kind == "paper" and e.attrs().get("author_rank") == 1}
              for d in pair]
    assert titles[0] & titles[1]

    quota = [f for f in truth.batch_findings if f.rule == "POST_QUOTA" and f.outcome == "fail"]
    assert [f.dossiers for f in quota] == [[by["fail:POST_QUOTA"].dossier_id]]
    posts = truth.batch_yaml["posts"]
    assert any(p.get("series") == "中小学教师" and p["level"] == "intermediate" and p["vacant"] == 0 for p in posts)


def _hand_truth() -> BatchTruth:
    docs = [DocumentTruth(kind="eval_form", file="A1/a.pdf", pages=[1, 2], form="text_pdf"),
            DocumentTruth(kind="photo", file="A1/p.jpg", pages=[1], form="image")]
    ev = [EvidenceTruth(kind="paper", source=SourceTruth(file="A1/a.pdf", page=3), title="论文甲"),
          EvidenceTruth(kind="diploma", source=SourceTruth(file="A1/a.pdf", page=4), holder="张三")]
    d1 = DossierTruth(dossier_id="A1", scenario="clean", form="text_pdf", entry="A1",
                      fields={"name": "张三", "birth_date": "1980-05", "county_years": 3, "full_time": True},
                      field_forms={"name": "text_pdf", "birth_date": "text_pdf", "county_years": "text_pdf",
                                   "full_time": "text_pdf"},
                      documents=docs, evidence=ev, expected_status="accepted")
    d2 = DossierTruth(dossier_id="A2", scenario="fail:SENIORITY", form="scan", damage="damaged", entry="A2.pdf",
                      fields={"name": "李四", "public_ce_hours": 32},
                      field_forms={"name": "scan_damaged", "public_ce_hours": "scan_damaged"},
                      documents=[DocumentTruth(kind="pledge", file="A2.pdf", pages=[5], form="scan_damaged")],
                      evidence=[], expected_status="rejected", expected_fail_rules=["SENIORITY"])
    d3 = DossierTruth(dossier_id="A3", scenario="flag:TEXT_REUSE", form="docx", entry="A3", fields={"name": "王五"},
                      field_forms={"name": "docx"}, documents=[], evidence=[], expected_status="integrity_review",
                      expected_flags=["TEXT_REUSE"])
    return BatchTruth(batch_id="b", seed=0, dossiers=[d1, d2, d3])


def test_scoring_computes_known_numbers():
    results = {
        "A1": {"dossier_id": "A1", "status": "accepted",
               "fields": {"name": {"value": "张 三"}, "birth_date": {"value": "1980-05-01"},
                          "county_years": {"value": 3.0}, "full_time": {"value": 1}},
               "documents": [{"kind": "eval_form", "file": "A1/a.pdf", "pages": [2]},
                             {"kind": "photo", "file": "A1/p.jpg", "pages": []}],
               "evidence": [{"kind": "paper", "title": "论文甲", "source": {"file": "A1/a.pdf", "page": 3}},
                            {"kind": "diploma", "source": {"file": "A1/a.pdf", "page": 9}}],
               "findings": [{"rule": "SENIORITY", "outcome": "fail"}], "flags": [{"code": "TEXT_REUSE"}]},
        "A2": {"dossier_id": "A2", "status": "rejected", "fields": {"name": {"value": "李四"}, "public_ce_hours": {"value": 32}},
               "documents": [{"kind": "unknown", "file": "A2.pdf", "pages": [5]}],
               "findings": [{"rule": "SENIORITY", "outcome": "fail"}, {"rule": "CE_CARD_VALID", "outcome": "review"}],
               "flags": []},
    }
    rep = score(results, _hand_truth())
    # A1: name ok (spaces ignored), birth_date wrong precision, county_years ok, full_time 1 is not a bool
    assert (rep.fields_by_form["text_pdf"].hit, rep.fields_by_form["text_pdf"].total) == (2, 4)
    assert (rep.fields_by_form["scan_damaged"].hit, rep.fields_by_form["scan_damaged"].total) == (2, 2)
    assert (rep.fields_by_form["docx"].hit, rep.fields_by_form["docx"].total) == (0, 1)  # A3 missing
    assert (rep.fields.hit, rep.fields.total) == (4, 7)
    assert (rep.documents.hit, rep.documents.total) == (2, 3)
    assert (rep.evidence.hit, rep.evidence.total) == (1, 2)
    assert (rep.status.hit, rep.status.total) == (2, 3)
    # Only A2 was read right (A1 has wrong fields and a diploma not found, A3 is missing).
    assert (rep.status_read_right.hit, rep.status_read_right.total) == (1, 1)
    s = rep.rules["SENIORITY"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 0) and s.precision == 0.5 and s.recall == 1.0
    assert "CE_CARD_VALID" not in rep.rules
    f = rep.flags["TEXT_REUSE"]
    assert (f.tp, f.fp, f.fn) == (0, 1, 1)
    assert rep.missing == ["A3"]
    assert "SENIORITY" in rep.render()


def test_decisive_errors_are_confident_answers_the_truth_contradicts_apart_from_deferrals():
    truth = _hand_truth()
    truth.dossiers[1].expected_review_rules.append("PLEDGE_SIGNED")
    results = {
        # accepted as it should be, but a false rule fail and a flag the truth lacks
        "A1": {"dossier_id": "A1", "status": "accepted",
               "findings": [{"rule": "CE_CARD_VALID", "outcome": "fail"}, {"rule": "PHOTO_PRESENT", "outcome": "pass"},
                            {"rule": "SENIORITY", "outcome": "review"}],
               "flags": [{"code": "TEXT_REUSE"}]},
        # returned instead of rejected: the expected fail passed, a rule the truth defers passed
        "A2": {"dossier_id": "A2", "status": "returned",
               "findings": [{"rule": "SENIORITY", "outcome": "pass"}, {"rule": "PLEDGE_SIGNED", "outcome": "pass"}],
               "flags": []},
        # deferred, not decided: no decisive error
        "A3": {"dossier_id": "A3", "status": "needs_review", "findings": [{"rule": "FORMS_CONSISTENT", "outcome": "review"}],
               "flags": [{"code": "TEXT_REUSE"}]},
    }
    rep = score(results, truth)
    got = sorted((d.dossier, d.what, d.code, d.got, d.truth) for d in rep.decisive)
    assert got == [
        ("A1", "flag", "TEXT_REUSE", "raised", "absent"),
        ("A1", "rule", "CE_CARD_VALID", "fail", "pass"),
        ("A2", "rule", "PLEDGE_SIGNED", "pass", "review"),
        ("A2", "rule", "SENIORITY", "pass", "fail"),
        ("A2", "status", "", "returned", "rejected"),
    ]
    assert (rep.deferred_status.hit, rep.deferred_status.total) == (1, 3)
    assert rep.deferred_rules == 2  # SENIORITY on A1 (truth pass), FORMS_CONSISTENT on A3
    summary = rep.as_dict()
    assert summary["decisive_errors"] == 5 and summary["needs_review"] == 1
    assert {"dossier": "A2", "what": "status", "code": "", "got": "returned", "truth": "rejected"} in summary["decisive"]
    assert summary["deferred_by_rule"] == {"FORMS_CONSISTENT": 1, "SENIORITY": 1}
    assert summary["counts"]["fields"] == [rep.fields.hit, rep.fields.total]
    assert summary["counts"]["status"] == [rep.status.hit, rep.status.total]
    assert summary["counts"]["flags"]["TEXT_REUSE"] == [1, 1, 0]  # A3 raised it rightly, A1 untold
    assert "decisive errors         5" in rep.render()


def test_without_batch_yaml_the_batch_papers_are_expected_to_fail(tmp_path):
    truth = generate_batch(tmp_path / "b", n=1, seed=2, forms=["docx"], batch_yaml=False)
    assert not (tmp_path / "b" / "batch.yaml").exists()
    assert [(f.rule, f.outcome) for f in truth.batch_findings] == [("BATCH_PAPERS", "fail"), ("SUBMISSION_DEADLINE", "not_applicable")]
    assert all("BATCH_PAPERS" in d.expected_fail_rules and d.expected_status != "accepted" for d in truth.dossiers)


def test_refuses_to_wipe_a_folder_it_did_not_write(tmp_path):
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ValueError):
        generate_batch(keep, n=1, seed=1, forms=["docx"])
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_print_under_a_seal_stays_black_unless_the_seal_is_heavily_inked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seal ink is translucent: a date under the seal is as dark as without it (multiply). Only
    the share of heavily inked seals covers the print (drawn opaque over it)."""
    import numpy as np
    import pypdfium2 as pdfium

    from fixtures import render_pdf as rp
    from fixtures.spec import DocSpec, Para, Stamp, Title

    def dark(stamped: bool, heavy: float) -> int:
        monkeypatch.setattr(rp, "HEAVY_SEAL_SHARE", heavy)
        blocks = [Title("荣誉证书"), Para("内蒙古自治区人力资源和社会保障厅", align="right"), Para("二〇一九年三月", align="right")]
        blocks += [Stamp("内蒙古自治区人力资源和社会保障厅")] if stamped else [Para(" ")]
        pdf, _ = rp.render_pdf([DocSpec("honor", blocks, style="certificate")], random.Random(2))
        rgb = np.asarray(pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil().convert("RGB")).astype(int)
        # Black print, in the red channel too (where a red seal is paper).
        return int(((rgb[:, :, 0] < 100) & (rgb[:, :, 1] < 100)).sum())

    plain, translucent, heavy = dark(False, 0.0), dark(True, 0.0), dark(True, 1.0)
    lost_translucent, lost_heavy = plain - translucent, plain - heavy
    assert lost_heavy >= 100 and abs(lost_translucent) <= lost_heavy / 5, (plain, translucent, heavy)


def test_phone_form_photographs_every_page_in_colour_at_a_phone_apps_resolution(tmp_path: Path) -> None:
    root = tmp_path / "phone"
    truth = generate_batch(root, n=1, seed=950, forms=["phone"])
    d = truth.dossiers[0]
    assert d.form == "phone" and d.damage == "phone"
    assert set(d.field_forms.values()) == {"scan_phone"}
    assert {doc.form for doc in d.documents} <= {"scan_phone", "image"}
    assert d.scan_pages and all(p.dpi in (150, 170, 200) and p.turned == 0 for p in d.scan_pages)
    pdfs = sorted({p.file for p in d.scan_pages if p.file.endswith(".pdf")})
    assert pdfs
    for rel in pdfs:
        for page in PdfReader(root / rel).pages:
            images = list(page.images)
            assert len(images) == 1 and images[0].image.mode == "RGB"
            # Photographed: the paper is tinted or shaded, never a flatbed's white.
            px = images[0].image.convert("RGB")
            w, h = px.size
            centre = px.getpixel((w // 2, h // 2))
            assert max(centre) - min(centre) > 8 or max(centre) < 235
