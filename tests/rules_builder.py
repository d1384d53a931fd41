"""Builds DossierExtraction objects for rule tests: a complete, acceptable dossier by default,
changed one fact at a time so each test shows exactly what moves a verdict."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from dossierflow.batch import BatchInfo, PostLine, RunContext
from dossierflow.models import (
    Document,
    DossierExtraction,
    Evidence,
    FieldValue,
    Finding,
    PageContent,
    PhotoInfo,
    Source,
)

A4 = (595.28, 841.89)
EVAL = "A0001/评审表.pdf"
BOOK = "A0001/附件.pdf"

BASE_FIELDS: dict[str, Any] = {
    "name": "王秀英",
    "gender": "女",
    "birth_date": "1985-03",
    "id_number": "150203198503011229",
    "employer": "包头市昆都仑区市政工程管理所",
    "employer_type": "public_institution",
    "region": "昆都仑区",
    "region_level": "county",
    "person_status": "professional",
    "current_title": "工程师",
    "current_title_date": "2014-09",
    "series": "工程",
    "specialty": "市政工程",
    "applied_title": "高级工程师",
    "applied_level": "deputy_senior",
    "route": "regular",
    "education": "bachelor",
    "full_time": True,
    "school": "内蒙古科技大学",
    "major": "土木工程",
    "graduation_date": "2007-07",
    "work_start_date": "2007-08",
    "county_years": 12,
    "township_years": 0,
    "covid_frontline": False,
    "public_ce_hours": 30.0,
    "submission_date": "2020-06-10",
}

FORM_KEYS = ("name", "employer", "series", "applied_title", "current_title", "education")


def src(file: str = EVAL, page: Optional[int] = 1) -> Source:
    return Source(file=file, page=page)


class Dossier:
    """A mutable recipe; `build()` gives the extraction."""

    def __init__(self, dossier_id: str = "A0001"):
        self.dossier_id = dossier_id
        self.fields: dict[str, tuple[Any, float]] = {k: (v, 0.95) for k, v in BASE_FIELDS.items()}
        self.documents: list[Document] = []
        self.evidence: list[Evidence] = []
        self.pages: list[PageContent] = []
        self.submit_values: Optional[dict[str, Any]] = None
        self.submit_conf: dict[str, float] = {}  # the 送审表's reading confidence where not 0.95
        self._page = 0
        for kind in ("eval_form", "submit_form"):
            self.doc(kind, file=EVAL if kind == "eval_form" else "A0001/送审表.pdf", sized=False)
        self.doc("pledge")
        self.ev("pledge", signed=True, signer="王秀英")
        self.ev("photo", photo=PhotoInfo(width_px=413, height_px=579, aspect=0.713, background_lightness=0.95, portrait=True))
        self.doc("material_list")
        self.ev("material_list", items=[
            {"no": 1, "name": "专业技术资格评审表", "pages": 4},
            {"no": 2, "name": "职称申报诚信承诺书", "pages": 1},
            {"no": 3, "name": "继续教育审验卡", "pages": 1},
        ])
        self.doc("ce_card")
        self.ev("ce_card", date="2020-05-20", hours={
            "2018": {"public": 30.0, "professional": 60.0},
            "2019": {"public": 30.0, "professional": 60.0},
            "2020": {"public": 30.0, "professional": 0.0},
        })
        self.doc("publicity")
        self.ev("publicity", period_from="2020-05-25", period_to="2020-06-01", result="无异议")
        self.doc("title_cert")
        self.ev("title_cert", title="工程师", date="2014-09", level="intermediate")

    # -- recipe steps ----------------------------------------------------------------------

    def set(self, key: str, value: Any, conf: float = 0.95) -> "Dossier":
        self.fields[key] = (value, conf)
        if key == "current_title_date":
            # The certificate says what the form says; a test of their disagreement sets it apart.
            self.evidence = [e.model_copy(update={"date": value}) if e.kind == "title_cert" else e
                             for e in self.evidence]
        return self

    def drop(self, key: str) -> "Dossier":
        self.fields.pop(key, None)
        return self

    def doc(self, kind: str, file: str = BOOK, pages: int = 1, conf: float = 0.95, sized: bool = True,
            size: tuple[float, float] = A4) -> "Dossier":
        numbers = []
        for _ in range(pages):
            self._page += 1
            numbers.append(self._page)
            if sized:
                self.pages.append(PageContent(file=file, page=self._page, method="ocr", width_pt=size[0], height_pt=size[1]))
        self.documents.append(Document(kind=kind, file=file, pages=numbers, confidence=conf))
        return self

    def ev(self, kind: str, conf: float = 0.95, page: Optional[int] = None, **attrs: Any) -> "Dossier":
        self.evidence.append(Evidence(kind=kind, source=src(BOOK, page or max(self._page, 1)), confidence=conf, **attrs))
        return self

    def remove(self, kind: str) -> "Dossier":
        self.documents = [d for d in self.documents if d.kind != kind]
        self.evidence = [e for e in self.evidence if e.kind != kind]
        return self

    def paper(self, title: str, date: Optional[str], conf: float = 0.95) -> "Dossier":
        self.doc("paper")
        return self.ev("paper", title=title, date=date, journal="城市道桥与防洪", issn="1009-7716", author_rank=1, conf=conf)

    def build(self) -> DossierExtraction:
        fields = {k: FieldValue(value=v, confidence=c, source=src()) for k, (v, c) in self.fields.items()}
        submit = self.submit_values if self.submit_values is not None else {k: self.fields[k][0] for k in FORM_KEYS if k in self.fields}
        form_fields = {
            "submit_form": {
                k: FieldValue(value=v, confidence=self.submit_conf.get(k, 0.95), source=src("A0001/送审表.pdf"))
                for k, v in submit.items()
            }
        }
        return DossierExtraction(
            dossier_id=self.dossier_id,
            pages=list(self.pages),
            documents=list(self.documents),
            fields=fields,
            evidence=list(self.evidence),
            form_fields=form_fields,
        )


def batch_info(**kw: Any) -> BatchInfo:
    data: dict[str, Any] = dict(
        batch_id="2020-kundulun-01",
        unit="包头市昆都仑区人力资源和社会保障局",
        region="昆都仑区",
        submitted_on=dt.date(2020, 6, 18),
        report="申报情况报告.pdf",
        quota_scope="昆都仑区",
        posts=[PostLine(level="deputy_senior", established=40, vacant=2)],
        has_yaml=True,
    )
    data.update(kw)
    return BatchInfo(**data)


def context(lookup=None, **batch_kw: Any) -> RunContext:
    return RunContext(batch=batch_info(**batch_kw), processing_date=dt.date(2020, 7, 1), blacklist_lookup=lookup)


def by_rule(findings: list[Finding]) -> dict[str, Finding]:
    return {f.rule: f for f in findings}
