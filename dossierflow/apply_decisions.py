"""Reviewers' decisions applied in judging (`dossierflow.pipeline.judge_batch(decisions=...)`).

A correction replaces the value the machine read with the reviewer's, at confidence 1.0, the
source keeping where it was read and saying whose correction it is; fields derived from it
(region_level, applied_level) are derived again. A settlement gives a `review` finding the
reviewer's outcome with their reason. Only the newest decision per field or rule counts.

A decision answers what the machine read when it was made. When the dossier no longer reads so
(a changed file, a changed extractor), the decision lapses rather than being applied to a
reading nobody looked at: a correction whose read value differs from today's, a settlement of
a finding that is no longer `review`. A lapsed decision stays listed on the result
(`applied: false`) so the reviewer sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

from dossierflow.models import DecisionRef, DossierExtraction, FieldValue, Finding, Source
from dossierflow.labels import OUTCOME_LABELS
from extractors import normalize as nz
from extractors import titles as tt

if TYPE_CHECKING:
    from dossierflow.corrections import FieldCorrection, FindingSettlement

# A base field and the fields derived from it (extractors.fields._derive).
_DERIVES = {"region": ("region_level",), "applied_title": ("applied_level",), "series": ("applied_level",)}


def newest(decisions: Iterable, key) -> dict:  # type: ignore[no-untyped-def]
    out: dict = {}
    for d in sorted(decisions, key=lambda d: d.seq):
        out[key(d)] = d
    return out


def same_reading(a: object, b: object) -> bool:
    return a == b and (a is None) == (b is None)


def correction_ref(c: "FieldCorrection", machine: object, applied: bool) -> DecisionRef:
    return DecisionRef(kind="correction", seq=c.seq, reviewer=c.reviewer, decided_at=c.decided_at, reason=c.reason,
                       field=c.field, value=c.value, machine=machine, applied=applied)


def apply_corrections(ex: DossierExtraction, corrections: list["FieldCorrection"]) -> tuple[DossierExtraction, list[DecisionRef]]:
    """The extraction with the dossier's corrections in place, and a reference to each."""
    if not corrections:
        return ex, []
    fields = dict(ex.fields)
    form_fields = {kind: dict(values) for kind, values in ex.form_fields.items()}
    refs: list[DecisionRef] = []
    changed: set[str] = set()
    for key, c in newest(corrections, lambda c: c.field).items():
        read = ex.fields.get(key)
        machine = read.value if read is not None else None
        applied = same_reading(machine, c.read_value)
        ref = correction_ref(c, machine, applied)
        refs.append(ref)
        if not applied:
            continue
        source = read.source if read is not None else _where_it_belongs(ex)
        fields[key] = FieldValue(value=c.value, confidence=1.0, source=source, raw=read.raw if read else None, decision=ref)
        changed.add(key)
        if read is not None:
            # The same reading as a form's own value (FORMS_CONSISTENT): corrected with it.
            for values in form_fields.values():
                fv = values.get(key)
                if fv is not None and fv.source == read.source and same_reading(fv.value, machine):
                    values[key] = fields[key]
    _derive_again(fields, changed)
    return ex.model_copy(update={"fields": fields, "form_fields": form_fields}), refs


def _where_it_belongs(ex: DossierExtraction) -> Source:
    """A value the machine did not find has no place read: the form it belongs on, no page."""
    forms = ex.docs("eval_form") or ex.docs("submit_form")
    if forms:
        return Source(file=forms[0].file)
    return Source(file=ex.files[0].path if ex.files else ex.dossier_id)


def _derive_again(fields: dict[str, FieldValue], changed: set[str]) -> None:
    derived = {d for key in changed for d in _DERIVES.get(key, ())}
    if "region_level" in derived and "region" in fields:
        region = fields["region"]
        level = nz.region_level(str(region.value))
        fields.pop("region_level", None)
        if level is not None:
            fields["region_level"] = region.model_copy(update={"value": level})
    if "applied_level" in derived and "applied_title" in fields:
        applied, series = fields["applied_title"], fields.get("series")
        m = tt.match_title(str(applied.value), str(series.value) if series else None)
        fields.pop("applied_level", None)
        if m is not None and m.level is not None:
            decision = applied.decision or (series.decision if series is not None else None)
            fields["applied_level"] = FieldValue(value=m.level, confidence=round(applied.confidence * m.certainty, 3),
                                                 source=applied.source, raw=applied.raw, decision=decision)


def settlement_ref(s: "FindingSettlement", applied: bool) -> DecisionRef:
    return DecisionRef(kind="settlement", seq=s.seq, reviewer=s.reviewer, decided_at=s.decided_at, reason=s.reason,
                       rule=s.rule_code, value=s.outcome, machine="review" if applied else None, applied=applied)


def apply_settlements(findings: list[Finding], settlements: list["FindingSettlement"], codes: Optional[set[str]] = None) -> list[DecisionRef]:
    """Settle, in place, each `review` finding a reviewer decided (of the rules in `codes`, all
    when None); a reference to each settlement considered."""
    refs: list[DecisionRef] = []
    by_rule = newest((s for s in settlements if codes is None or s.rule_code in codes), lambda s: s.rule_code)
    for rule, s in by_rule.items():
        index = next((i for i, f in enumerate(findings) if f.rule == rule), None)
        machine = findings[index] if index is not None else None
        if machine is None or machine.outcome != "review":
            ref = settlement_ref(s, applied=False)
            refs.append(ref.model_copy(update={"machine": machine.outcome if machine else None}))
            continue
        ref = settlement_ref(s, applied=True)
        refs.append(ref)
        findings[index] = machine.model_copy(update={
            "outcome": s.outcome,
            "message": f"复核人{s.reviewer}裁定为「{OUTCOME_LABELS[s.outcome]}」：{s.reason}（系统原判需人工审核：{machine.message}）",
            "details": {**machine.details, "machine_message": machine.message},
            "decision": ref,
        })
    return refs
