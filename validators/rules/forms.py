"""FORMS_CONSISTENT (二（一）3): the 送审表 and the 评审表 say the same."""

from __future__ import annotations

from pydantic import Field

from dossierflow.models import FieldValue, Source
from dossierflow.text import skeleton
from extractors.fields import read_form
from validators.messages import FIELD_LABELS
from validators.rules.base import (
    Facts,
    Params,
    RuleResult,
    doc_sources,
    either_right,
    failed,
    not_applicable,
    one_char_apart,
    passed,
    presence,
    review,
    same_text,
)


class FormsParams(Params):
    keys: list[str] = Field(min_length=1)
    other_form: str = "submit_form"


def _form_values(f: Facts, kind: str) -> dict[str, FieldValue]:
    """What one form states: as the extractor recorded it, else read again from its pages.

    `DossierExtraction.fields` merges both forms into one reading, so disagreement between them
    is only visible per form; re-reading keeps this rule working for extractions that predate
    `form_fields` (the extractor's own label reader, so both readings agree on what a label is).
    """
    stored = f.ex.form_fields.get(kind)
    if stored:
        return stored
    pages = [
        pg
        for d in f.docs(kind)
        for pg in f.ex.pages
        if pg.file == d.file and (not d.pages or pg.page in d.pages) and pg.segments
    ]
    if not pages:
        return {}
    return read_form(pages)


def forms_consistent(f: Facts, p: FormsParams) -> RuleResult:
    if presence(f, "eval_form")[0] == "absent" or presence(f, p.other_form)[0] == "absent":
        return not_applicable("评审表或送审表缺失，无从比对")
    main = _form_values(f, "eval_form") or f.ex.fields
    other = _form_values(f, p.other_form)
    if not other:
        return review("未能单独读取送审表各项内容，无法与评审表比对，需人工核对", doc_sources(f.docs(p.other_form)))
    differ: list[str] = []
    unread: list[str] = []
    sources: list[Source] = []
    for key in p.keys:
        a, b = main.get(key), other.get(key)
        label = FIELD_LABELS.get(key, key)
        if a is None or b is None:
            unread.append(label)
            continue
        # Brackets and stops are no part of what a value says: 包头钢铁（集团）有限责任公司 on one
        # form and 包头钢铁集团有限责任公司 on the other (or OCR losing the brackets) agree.
        same = same_text(str(a.value), str(b.value)) or skeleton(str(a.value)) == skeleton(str(b.value))
        # Two forms read apart agreeing is itself evidence: an unsure misreading of one form does
        # not land on the other form's words by chance. The agreement is as sure as either reading
        # being right (一级教师 at 0.51 on one form, 0.93 on the other: the forms agree).
        if same and f.reliable(either_right(a.confidence, b.confidence)):
            continue
        if not f.reliable(a.confidence) or not f.reliable(b.confidence):
            unread.append(label)
            continue
        if one_char_apart(str(a.value), str(b.value)) and f.read_by_ocr(a.source, b.source):
            unread.append(f"{label}（“{a.value}”与“{b.value}”仅一字之差，可能为识别误差）")
            continue
        differ.append(f"{label}（评审表“{a.value}”，送审表“{b.value}”）")
        sources += [a.source, b.source]
    if differ:
        return failed("送审表与评审表不一致：" + "；".join(differ), sources)
    if unread:
        return review("以下项目未能在两表中都可靠读取，需人工比对：" + "、".join(unread), sources)
    return passed("送审表与评审表的" + "、".join(FIELD_LABELS.get(k, k) for k in p.keys) + "一致")

