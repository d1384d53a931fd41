"""`DossierResult` → one line of results.jsonl, exactly as output-contract.md defines it."""

from __future__ import annotations

from dossierflow.models import DossierResult, FieldValue

SCHEMA_ID = "dossier-result/1"


def result_line(r: DossierResult) -> dict:
    ex = r.extraction
    line: dict = {"schema": SCHEMA_ID, "dossier_id": r.dossier_id, "status": r.status}
    if r.message:
        line["message"] = r.message
    line["fields"] = {key: _field(fv) for key, fv in sorted(ex.fields.items())} if ex else {}
    line["documents"] = (
        [
            {"kind": d.kind, "file": d.file, "pages": list(d.pages), "confidence": round(d.confidence, 3)}
            for d in ex.documents
        ]
        if ex
        else []
    )
    line["evidence"] = [e.contract() for e in ex.evidence] if ex else []
    line["findings"] = [f.contract() for f in r.findings]
    line["flags"] = [f.contract() for f in r.flags]
    line["stats"] = r.stats
    line["versions"] = r.versions
    if r.decisions:
        line["decisions"] = [d.contract() for d in r.decisions]
    return line


def _field(fv: FieldValue) -> dict:
    source = fv.source.contract()
    if fv.decision is not None:  # a reviewer's correction: who, when, its change-log entry
        source["decision"] = fv.decision.contract()
    return {"value": fv.value, "confidence": round(fv.confidence, 3), "source": source}
