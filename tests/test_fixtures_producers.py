"""The generator's scan producers: each variant is the file it claims to be, honest, with its truth."""

from __future__ import annotations

import random

import pytest

from extractors.readers.pdf_structure import inspect_pdf, page_uses_invisible_text
from fixtures.assemble import Plan
from fixtures.generate import generate_batch
from fixtures.scan_producers import PRODUCERS, parse_producers

SEED = 3
FORMS = ["scan", "bound_pdf", "mixed"]


def _without_producers(truth) -> dict:
    data = truth.model_dump()
    data.pop("batch_id")
    data["batch_yaml"].pop("batch_id")
    for d in data["dossiers"]:
        for p in d["scan_pages"]:
            p.pop("producer")
    return data


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    root = tmp_path_factory.mktemp("producers")
    default = generate_batch(root / "default", n=4, seed=SEED, forms=FORMS, damage="mixed")
    varied = generate_batch(root / "varied", n=4, seed=SEED, forms=FORMS, damage="mixed", producers="all")
    return root, default, varied


def test_default_is_pillow_and_producers_change_nothing_else(batches) -> None:
    _, default, varied = batches
    assert {p.producer for d in default.dossiers for p in d.scan_pages} <= {"pillow", "image"}
    assert _without_producers(default) == _without_producers(varied)
    kinds = {p.producer for d in varied.dossiers for p in d.scan_pages} - {"image"}
    assert len(kinds) >= 4 and kinds <= set(PRODUCERS)


def test_each_variant_is_what_it_claims_and_unedited(batches) -> None:
    root, _, varied = batches
    seen: set[str] = set()
    for d in varied.dossiers:
        assert "PDF_EDITED" not in d.expected_flags
        by_file: dict[str, list] = {}
        for p in d.scan_pages:
            by_file.setdefault(p.file, []).append(p)
        for rel, pages in by_file.items():
            producer = pages[0].producer
            if producer == "image":
                continue
            path = root / "varied" / rel
            data = path.read_bytes()
            st = inspect_pdf(path, data)
            seen.add(producer)
            assert st.pages == len(pages) and st.incremental_updates == 0, rel
            assert st.linearized is (producer == "linearized"), rel
            hidden = [page_uses_invisible_text(st.reader, i) for i in range(st.pages)]
            assert all(hidden) if producer == "ocr_layer" else not any(hidden), rel
            assert (b"/CCITTFaxDecode" in data) is (producer == "bilevel"), rel
            assert (b"pdfaid" in data) is (producer == "pdfa"), rel
    assert {"pillow", "ocr_layer", "bilevel"} & seen


def test_reused_scan_keeps_its_producer() -> None:
    """DUPLICATE_ATTACHMENT needs the same page image in both dossiers, whatever writes it: a
    reused scan's producer follows its scan seed, not the dossier's producer stream."""
    plans = [Plan(f"A000{i}", "scan", "clean", producers=PRODUCERS, producer_rng=random.Random(i)) for i in range(8)]
    assert len({p.pick_producer(300, scan_seed=4711) for p in plans}) == 1
    assert len({p.pick_producer(300) for p in plans}) > 1
    assert all(p.pick_producer(150)[0] != "bilevel" for p in plans for _ in range(20))  # B/W scanners run at 200+ DPI


def test_unknown_producer_is_refused() -> None:
    assert parse_producers("all") == PRODUCERS
    assert parse_producers("linearized, ocr_layer") == ("linearized", "ocr_layer")
    with pytest.raises(ValueError, match="unknown producers"):
        parse_producers("jbig2")
