"""What every rule implementation works with: the dossier's facts, dates, and the result type.

A rule reads the dossier through `Facts`, which applies the rulebook's confidence threshold in
one place: a value below it is treated as not read. `Facts.need` raises `Unreadable` so a rule
can state what it needs in one line; the engine turns that into a `review` finding, never a
guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import TYPE_CHECKING, Iterable, Literal, Optional, Sequence

from pydantic import BaseModel, ConfigDict

from dossierflow.batch import RunContext
from dossierflow.models import Document, DossierExtraction, Evidence, FieldScalar, Outcome, Source
from dossierflow.periods import add_years, whole_years  # noqa: F401  (rules import them from here)
from dossierflow.text import edit_distance
from dossierflow.vocab import EDUCATIONS, LEVELS
from validators.integrity.common import misread_future
from validators.messages import EDUCATION_NAMES, FIELD_LABELS, KIND_NAMES, LEVEL_NAMES, mask_id
from validators.rules.dating import LINKED, Dated, date_items

if TYPE_CHECKING:
    from validators.rulebook import Rulebook


class Params(BaseModel):
    """Base of every rule's parameter model: a misspelt parameter name fails at load time."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    pass


class Unreadable(Exception):
    """A rule's input is absent or below the confidence threshold: the rule gives `review`."""

    def __init__(self, message: str, sources: Sequence[Source] = ()):
        super().__init__(message)
        self.message = message
        self.sources = list(sources)


@dataclass
class RuleResult:
    outcome: Outcome
    message: str
    sources: list[Source] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def passed(message: str, sources: Iterable[Source] = (), **details: object) -> RuleResult:
    return RuleResult("pass", message, list(sources), dict(details))


def failed(message: str, sources: Iterable[Source] = (), **details: object) -> RuleResult:
    return RuleResult("fail", message, list(sources), dict(details))


def review(message: str, sources: Iterable[Source] = (), **details: object) -> RuleResult:
    return RuleResult("review", message, list(sources), dict(details))


def not_applicable(message: str, sources: Iterable[Source] = (), **details: object) -> RuleResult:
    return RuleResult("not_applicable", message, list(sources), dict(details))


# ---------------------------------------------------------------------------------------------
# Dates and years
# ---------------------------------------------------------------------------------------------


def parse_date(text: str) -> dt.date:
    """ISO `YYYY-MM-DD` or `YYYY-MM`; a month-only date is the month's first day (rules.md)."""
    parts = text.strip().split("-")
    if len(parts) == 2:
        return dt.date(int(parts[0]), int(parts[1]), 1)
    if len(parts) == 3:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(f"not an ISO date: {text!r}")


def try_date(text: Optional[str]) -> Optional[dt.date]:
    """A date an extractor wrote that may still be impossible (2019-13): None, not an exception."""
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        return None


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def education_rank(education: str) -> int:
    return EDUCATIONS.index(education)


def level_name(level: Optional[str]) -> str:
    return LEVEL_NAMES.get(level or "", level or "无")


def education_name(education: Optional[str]) -> str:
    return EDUCATION_NAMES.get(education or "", education or "未知")


def same_text(a: Optional[str], b: Optional[str]) -> bool:
    """Equal after dropping all whitespace (forms pad names: 王　芳)."""
    if a is None or b is None:
        return False
    return "".join(a.split()) == "".join(b.split())


_PUNCT = re.compile(r"[\s《》〈〉“”\"'‘’「」『』()（）:：,，.。·、\-—_]+")


def _norm_title(t: str) -> str:
    return _PUNCT.sub("", t).lower()


def titles_match(a: str, b: str, ratio: float) -> bool:
    x, y = _norm_title(a), _norm_title(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    if len(short) >= 4 and short in long_:
        return True
    return SequenceMatcher(None, x, y).ratio() >= ratio


def one_char_apart(a: str, b: str) -> bool:
    """Two readings a single OCR slip apart (杜杰 / 村杰), not two different names."""
    x, y = "".join(a.split()), "".join(b.split())
    return min(len(x), len(y)) >= 2 and edit_distance(x, y) == 1


def either_right(*confidences: float) -> float:
    """How sure it is that at least one of independent readings that agree is right."""
    doubt = 1.0
    for c in confidences:
        doubt *= 1.0 - c
    return 1.0 - doubt


NO_TITLE = frozenset({"", "无", "暂无", "没有", "-", "—", "/"})


# ---------------------------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------------------------


class Facts:
    """One dossier as the rules see it, with the rulebook's threshold and cutoff applied."""

    def __init__(self, extraction: DossierExtraction, rulebook: "Rulebook", ctx: RunContext):
        self.ex = extraction
        self.rb = rulebook
        self.ctx = ctx
        self.threshold = rulebook.confidence_threshold
        self.cutoff = rulebook.cutoff_qual

    def with_value(self, key: str, value: FieldScalar) -> "Facts":
        """The same dossier with one field read otherwise (as another witness reads it), to see
        whether a verdict depends on which reading is right."""
        fv = self.ex.fields[key].model_copy(update={"value": value})
        ex = self.ex.model_copy(update={"fields": {**self.ex.fields, key: fv}})
        return Facts(ex, self.rb, self.ctx)

    # -- fields ----------------------------------------------------------------------------

    def reliable(self, conf: float) -> bool:
        return conf >= self.threshold

    def value(self, key: str) -> FieldScalar:
        """The field's value if it was read reliably, else None (for optional inputs)."""
        fv = self.ex.fields.get(key)
        if fv is None or not self.reliable(fv.confidence) or fv.value in (None, ""):
            return None
        return fv.value

    def settled(self, *keys: str) -> None:
        """Before a verdict an optional value's absence helped reach (no exemption, no allowance):
        each of `keys` is read reliably or not on the dossier at all. One read below the threshold
        might be the value that changes the verdict, so it raises Unreadable (the rule: review)."""
        for key in keys:
            fv = self.ex.fields.get(key)
            if fv is not None and fv.value not in (None, "") and not self.reliable(fv.confidence):
                self.need(key)

    def need(self, key: str) -> FieldScalar:
        fv = self.ex.fields.get(key)
        label = FIELD_LABELS.get(key, key)
        if fv is None or fv.value in (None, ""):
            raise Unreadable(f"未能读取「{label}」，需人工核对")
        if not self.reliable(fv.confidence):
            shown = mask_id(str(fv.value)) if key == "id_number" else fv.value
            raise Unreadable(f"「{label}」识别置信度低（{fv.confidence:.2f}，读作“{shown}”），需人工核对", [fv.source])
        return fv.value

    def need_str(self, key: str) -> str:
        return str(self.need(key))

    def need_int(self, key: str) -> int:
        v = self.need(key)
        try:
            return int(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Unreadable(f"「{FIELD_LABELS.get(key, key)}」不是整数（{v}），需人工核对", self.src(key)) from None

    def need_date(self, key: str) -> dt.date:
        v = self.need(key)
        try:
            return parse_date(str(v))
        except ValueError:
            raise Unreadable(f"「{FIELD_LABELS.get(key, key)}」不是有效日期（{v}），需人工核对", self.src(key)) from None

    def opt_date(self, key: str) -> Optional[dt.date]:
        try:
            return self.need_date(key)
        except Unreadable:
            return None

    def src(self, *keys: str) -> list[Source]:
        return [self.ex.fields[k].source for k in keys if k in self.ex.fields]

    def submission(self) -> dt.date:
        return self.need_date("submission_date")

    # -- documents and evidence ------------------------------------------------------------

    def docs(self, kind: str) -> list[Document]:
        return self.ex.docs(kind)

    def all_items(self, kind: str) -> list[Evidence]:
        return self.ex.items(kind)

    def items(self, kind: str) -> list[Evidence]:
        """Evidence of a kind, without items dated after `submission_date` (一（十）5)."""
        late = {id(e) for e in self.late}
        return [e for e in self.ex.items(kind) if id(e) not in late]

    @cached_property
    def _dated(self) -> dict[int, "Dated"]:
        try:
            submitted = self.submission()
        except Unreadable:
            return {}
        dating = self.rb.spec("EVIDENCE_DATED").params
        kinds = list(dating.kinds)  # type: ignore[attr-defined]
        linked = set(LINKED) | {k for ks in LINKED.values() for k in ks}
        everything = [e for e in self.ex.evidence if e.kind in linked]
        items = [e for e in self.ex.evidence if e.kind in kinds]
        ratio = self.rb.spec("CLAIMS_SUPPORTED").params.match_ratio  # type: ignore[attr-defined]
        def misread(e: Evidence) -> bool:
            day = try_date(e.date)
            return day is not None and self.read_by_ocr(e.source) and misread_future(day, self.ctx.processing_date)

        dated = date_items(items, everything, submitted, lambda a, b: titles_match(a, b, ratio), misread,
                           dating.max_issues_per_year)  # type: ignore[attr-defined]
        return {id(d.item): d for d in dated}

    def dated(self, e: Evidence) -> Optional["Dated"]:
        """The item's dating against `submission_date`; None for kinds EVIDENCE_DATED does not judge."""
        return self._dated.get(id(e))

    def on_time(self, e: Evidence) -> bool:
        d = self.dated(e)
        return d is not None and d.state == "on_time"

    @cached_property
    def _ocr_pages(self) -> set[tuple[str, Optional[int]]]:
        return {(p.file, p.page) for p in self.ex.pages if p.method == "ocr"}

    def read_by_ocr(self, *sources: Source) -> bool:
        return any((s.file, s.page) in self._ocr_pages for s in sources)

    @cached_property
    def unclassified(self) -> list[Source]:
        """Pages no document kind was recognised on."""
        return doc_sources(self.docs("unknown"), max_pages=1000)

    @cached_property
    def late(self) -> list[Evidence]:
        return [d.item for d in self._dated.values() if d.state == "late"]

    def has_doc_or_item(self, kind: str) -> bool:
        return bool(self.docs(kind) or self.all_items(kind))

    # -- derived facts ---------------------------------------------------------------------

    def title_level(self, title: str, series: Optional[str]) -> Optional[str]:
        """'none' for 无, a level code, or None when the title is not in any table."""
        if "".join(title.split()) in NO_TITLE:
            return "none"
        return self.rb.title_level(title, series)

    def current_level(self) -> str:
        """The current title's level ('none' when the form says 无); Unreadable otherwise."""
        fv = self.ex.fields.get("current_title")
        if fv is not None and fv.value is not None and "".join(str(fv.value).split()) in NO_TITLE:
            return "none"
        title = self.need_str("current_title")
        level = self.title_level(title, self.value("series") and str(self.value("series")))
        if level is None:
            raise Unreadable(f"现任职称“{title}”不在职称对照表中，无法确定级别，需人工核对", self.src("current_title"))
        return level

    def covid_frontline(self) -> Optional[bool]:
        """True: 卫生 with a covid_proof; None: claimed on the form without proof; else False."""
        series = self.value("series")
        if series not in self.rb.covid_series:
            return False
        if self.all_items("covid_proof") or self.docs("covid_proof"):
            return True
        if self.value("covid_frontline") is True:
            return None
        return False

    def covid_sources(self) -> list[Source]:
        return [e.source for e in self.all_items("covid_proof")] + doc_sources(self.docs("covid_proof"))


def doc_sources(docs: Iterable[Document], max_pages: int = 3) -> list[Source]:
    out: list[Source] = []
    for d in docs:
        if not d.pages:
            out.append(Source(file=d.file))
        out.extend(Source(file=d.file, page=p) for p in d.pages[:max_pages])
    return out


def ev_sources(items: Iterable[Evidence]) -> list[Source]:
    return [e.source for e in items]


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)


Presence = Literal["present", "unsure", "absent"]


def presence(facts: Facts, kind: str) -> tuple[Presence, list[Source]]:
    """Whether a document kind is in the dossier: confidently, only below the threshold, or not."""
    docs = facts.docs(kind)
    items = facts.all_items(kind)
    sources = doc_sources(docs) + ev_sources(items)
    if any(facts.reliable(d.confidence) for d in docs) or any(facts.reliable(e.confidence) for e in items):
        return "present", sources
    if docs or items:
        return "unsure", sources
    return "absent", []


def missing(facts: Facts, message: str, sources: Iterable[Source] = (), **details: object) -> RuleResult:
    """A failure because something was not found — unless pages of the dossier could not be
    classified: one of them may be the missing item, so a human decides (review)."""
    unclassified = facts.unclassified
    if unclassified and facts.rb.unclassified_pages == "review":
        return review(
            f"{message}；但有{len(unclassified)}页材料未能识别类别，可能即为所缺材料，需人工核对",
            list(sources) + unclassified[:5],
            **details,
        )
    return failed(message, sources, **details)


def unsure_parts(facts: Facts, items: Iterable[Evidence]) -> set[str]:
    """The parts of these documents that are there but not read surely: seen and unread, or read
    below the rulebook's threshold (Evidence.unread_parts, Evidence.part_confidence)."""
    out: set[str] = set()
    for e in items:
        out.update(e.unread_parts or ())
        out.update(part for part, conf in (e.part_confidence or {}).items() if not facts.reliable(conf))
    return out


UNREAD_ROW = "?"  # a part whose own key (a year, an item number) went unread: it may be any of them


def absent_parts(
    facts: Facts, message: str, absent: Sequence[str], items: Sequence[Evidence], what: str,
    sources: Iterable[Source] = (), **details: object,
) -> RuleResult:
    """A failure because parts (years, items) were not found on documents that are there — unless
    one of them may be a part seen but read unsurely: absence rests on confident evidence only,
    so a human looks (review). `what` follows each part's key in the message (年度, 号条目)."""
    unsure = unsure_parts(facts, items)
    maybe = [a for a in absent if a in unsure]
    if maybe or UNREAD_ROW in unsure:
        named = "、".join(f"{a}{what}" for a in maybe) if maybe else f"部分{what}"
        return review(f"{message}；但{named}在材料上可见而未能可靠识别，需人工核对", sources, **details)
    return missing(facts, message, sources, **details)


def known_levels(values: list[str]) -> list[str]:
    """Rulebook parameter check shared by the rules: every level named must be a known one."""
    bad = [lv for lv in values if lv not in LEVELS]
    if bad:
        raise ValueError(f"unknown level(s) {bad}; known: {', '.join(LEVELS)}")
    return values
