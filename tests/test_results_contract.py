"""The result line and the reports follow the output contract."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from dossierflow.batch import BatchInfo
from dossierflow.ingest import BatchInput
from dossierflow.models import (
    Document,
    DossierExtraction,
    DossierResult,
    Evidence,
    FieldValue,
    Finding,
    Flag,
    Source,
)
from dossierflow.output import mask_ids_in_text, write_outputs
from dossierflow.results import result_line
from dossierflow.schema import result_schema, validate_line

ID = "150203198001011237"


def _result() -> DossierResult:
    src = Source(file="A0001/评审表.pdf", page=1, bbox=(72.0, 96.5, 140.2, 110.0))
    ex = DossierExtraction(
        dossier_id="A0001",
        documents=[Document(kind="eval_form", file="A0001/评审表.pdf", pages=[1, 2], confidence=0.99)],
        fields={
            "name": FieldValue(value="王秀英", confidence=0.97, source=src),
            "id_number": FieldValue(value=ID, confidence=0.9, source=src),
            "post_grade": FieldValue(value=7, confidence=0.9, source=Source(file="A0001/表.docx", locator="table 1, row 3, cell 2")),
        },
        evidence=[Evidence(kind="paper", title="论文", date="2019-05", issn="1234-5678", author_rank=1, source=src)],
    )
    return DossierResult(
        dossier_id="A0001",
        status="integrity_review",
        extraction=ex,
        findings=[Finding(rule="EVIDENCE_DATED", outcome="pass", clause="一（十）5", message="ok", sources=[src])],
        flags=[Flag(code="DUPLICATE_APPLICANT", message=f"身份证号 {ID} 重复", related=["B0042"], sources=[src])],
        stats={"pages": 2},
        versions={"dossierflow": "0.1.0"},
    )


def test_vendored_schema_is_the_contract() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "spec" / "result.schema.json"
    if not shared.exists():
        pytest.skip("shared/ not beside the checkout")
    assert json.loads(shared.read_text(encoding="utf-8")) == without_additions(result_schema())


def without_additions(schema: dict) -> dict:
    """The vendored schema less the optional keys it adds to the shared contract, each
    documented in README (a reviewer's decision a result rests on: dossierflow.corrections)."""
    import copy

    out = copy.deepcopy(schema)
    out["properties"].pop("decisions", None)
    out["properties"]["findings"]["items"]["properties"].pop("decision", None)
    out["$defs"]["source"]["properties"].pop("decision", None)
    out["$defs"].pop("decision", None)
    return out


def test_result_line_validates_and_keeps_provenance() -> None:
    line = result_line(_result())
    validate_line(line)
    assert line["fields"]["name"]["source"] == {"file": "A0001/评审表.pdf", "page": 1, "bbox": [72.0, 96.5, 140.2, 110.0]}
    assert line["fields"]["post_grade"]["source"] == {"file": "A0001/表.docx", "page": None, "locator": "table 1, row 3, cell 2"}
    assert line["fields"]["id_number"]["value"] == ID  # results.jsonl keeps it in full


def test_schema_refuses_a_broken_line() -> None:
    line = result_line(_result())
    line["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validate_line(line)


def test_reports_mask_id_numbers(tmp_path: Path) -> None:
    batch = BatchInput(batch_id="b1", root=tmp_path, info=BatchInfo(batch_id="b1"), dossiers=[], skipped=[])
    write_outputs(tmp_path / "out", batch, [_result()], [], dt.date(2020, 7, 1))
    html = (tmp_path / "out" / "A0001" / "report.html").read_text(encoding="utf-8")
    batch_html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert ID not in html and ID not in batch_html
    assert "150203********1237" in html and "150203********1237" in batch_html
    assert ID in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "out" / "batch.json").read_text(encoding="utf-8"))
    assert summary["counts"]["integrity_review"] == 1


def test_mask_in_free_text() -> None:
    assert mask_ids_in_text(f"号码{ID}重复") == "号码150203********1237重复"
    assert mask_ids_in_text("电话 13800138000") == "电话 13800138000"


def test_reports_read_in_chinese_and_print_on_a4(tmp_path: Path) -> None:
    src = Source(file="A0001/表.docx", locator="table 1, row 3, cell 2")
    base = _result()
    ex = base.extraction.model_copy(
        update={
            "fields": {
                **base.extraction.fields,
                "education": FieldValue(value="bachelor", confidence=0.9, source=src),
                "employer_type": FieldValue(value="public_institution", confidence=0.9, source=src),
                "applied_level": FieldValue(value="deputy_senior", confidence=0.9, source=src),
                "covid_frontline": FieldValue(value=True, confidence=0.9, source=src),
            }
        }
    )
    result = base.model_copy(
        update={
            "status": "returned",
            "flags": [],
            "extraction": ex,
            "findings": [Finding(rule="PLEDGE_SIGNED", outcome="fail", clause="二（一）4", message="未签名", sources=[src])],
        }
    )
    batch = BatchInput(batch_id="b1", root=tmp_path, info=BatchInfo(batch_id="b1"), dossiers=[], skipped=[])
    write_outputs(tmp_path / "out", batch, [result], [], dt.date(2020, 7, 1))
    html = (tmp_path / "out" / "A0001" / "report.html").read_text(encoding="utf-8")
    batch_html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for page in (html, batch_html):
        assert '诚信承诺书已签名<small class="code">PLEDGE_SIGNED</small>' in page
        assert "@page { size: A4" in page and "break-inside: avoid" in page
    for word in ("本科", "事业单位", "副高级", "<td>是</td>", "表格1第3行第2格"):
        assert word in html, word
    for code in ("bachelor", "public_institution", "deputy_senior", "True", "table 1, row"):
        assert code not in html, code
    # The verdict's reason comes before the rule table; the link back is not printed.
    assert html.index("结论理由") < html.index("规则审核")
    assert 'class="nav"' in html and ".nav { display: none; }" in html
