"""Everything a run writes under OUT: results.jsonl, batch.json, the HTML reports, the notices.

results.jsonl keeps ID numbers in full (downstream matching needs them); the HTML reports are
for people and show them masked.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Optional

from jinja2 import Environment, PackageLoader, select_autoescape

from dossierflow import atomic
from dossierflow.display import locator_text, shown_value
from dossierflow.each_in_threads import default_threads, each_in_threads
from dossierflow.id_regions import PageBoxes, ReadingsMissing, id_lines_of, run_record
from dossierflow.ingest import BatchInput
from dossierflow.judging_record import JudgingRecord
from dossierflow.labels import FIELD_LABELS, FLAG_LABELS, KIND_LABELS, OUTCOME_LABELS, STATUS_LABELS
from dossierflow.models import DossierResult
from dossierflow.notices import load_template, notice_for, write_notices
from dossierflow.privacy import mask_id, mask_ids_in_text
from dossierflow.report_crops import SHOWN_OUTCOMES, write_crops
from dossierflow.result_stream import line_text
from dossierflow.results import result_line
from dossierflow.roster import write_roster
from dossierflow.verdict_reasons import failed_rules, split_reasons
from dossierflow.vocab import STATUSES
from validators.rulebook import load_rulebook


def _fmt_source(src: dict | None, dossier_id: str = "", size: str = "big") -> str:
    """`size`: the picture's class in the report's styles, `big` for what a person must look at,
    `thumb` for a passed rule's or a field's source."""
    if not src:
        return ""
    name = src.get("file", "")
    if dossier_id and name.startswith(dossier_id + "/"):
        name = name[len(dossier_id) + 1 :]  # the dossier's own report: its folder goes without saying
    parts = [html.escape(name)]
    if src.get("page"):
        parts.append(f"第{src['page']}页")
    if src.get("locator"):
        parts.append(html.escape(locator_text(src["locator"])))
    if src.get("crop"):
        # The picture of the region replaces its coordinates (report_crops wrote it beside the report).
        parts.append(f'<img class="crop {html.escape(size)}" src="{html.escape(src["crop"])}" alt="{" ".join(parts)} 的截图">')
    elif src.get("bbox"):
        parts.append('<span class="bbox">[' + ", ".join(f"{v:.0f}" for v in src["bbox"]) + "]</span>")
    decision = src.get("decision")
    if decision:  # a reviewer's correction stands in for what was read there
        parts.append(f'<span class="decision">（复核人{html.escape(str(decision["reviewer"]))}更正，变更日志第 {decision["seq"]} 条）</span>')
    return " ".join(parts)


def _env() -> Environment:
    env = Environment(loader=PackageLoader("dossierflow", "templates"), autoescape=select_autoescape(["html", "j2"]))
    env.filters["fmt_source"] = _fmt_source
    return env


def _masked(obj: object) -> object:
    """A deep copy with every ID number masked, for what people read."""
    if isinstance(obj, str):
        return mask_ids_in_text(obj)
    if isinstance(obj, list):
        return [_masked(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _masked(v) for k, v in obj.items()}
    return obj


def batch_summary(
    batch: BatchInput, statuses: Iterable[str], batch_findings: list[dict], processing_date: dt.date, log_head: Optional[dict] = None
) -> dict:
    """`statuses`: every result's. `log_head`: the database's change log after this batch was
    recorded ({count, hash}), a copy outside the database that `audit` checks the log still
    holds; None without a database."""
    counts = Counter(statuses)
    return {
        "batch_id": batch.batch_id,
        # Where the batch's files are read from: the station draws its evidence images there.
        "batch_root": str(batch.root.resolve()),
        "unit": batch.info.unit,
        "submitted_on": batch.info.submitted_on.isoformat() if batch.info.submitted_on else None,
        "processing_date": processing_date.isoformat(),
        "dossiers": sum(counts.values()),
        "counts": {s: counts.get(s, 0) for s in STATUSES},
        "findings": batch_findings,
        "skipped": [{"entry": name, "reason": reason} for name, reason in batch.skipped],
        "log_head": log_head,
    }


def _rule_specs(rulebook: object | None) -> dict:
    if rulebook is None:
        rulebook = load_rulebook()
    return dict(rulebook.rules)  # type: ignore[attr-defined]


def _policy(rulebook: object | None) -> str:
    return getattr(rulebook, "policy", "") or "2020年包头市职称改革工作安排意见"


def write_office_papers(
    out_dir: Path,
    batch: BatchInput,
    lines: Iterable[dict],
    processing_date: dt.date,
    rulebook: object | None = None,
    notice_template: Path | None = None,
) -> None:
    """What the office sends out: a 补正通知 per returned dossier (and per unit), the roster."""
    specs = _rule_specs(rulebook)
    day = processing_date
    notices = [
        notice_for(
            line,
            specs,
            batch_id=batch.batch_id,
            batch_unit=batch.info.unit,
            policy=_policy(rulebook),
            date_text=f"{day.year}年{day.month}月{day.day}日",
        )
        for line in lines
        if line["status"] == "returned"
    ]
    write_notices(out_dir, notices, load_template(notice_template), atomic.write_bytes)
    write_roster(out_dir, lines, {code: spec.name for code, spec in specs.items()}, batch.info.unit, atomic.write_bytes)


def dossier_report(line: dict, specs: dict, env: Environment | None = None) -> str:
    """One dossier's report (HTML), ID numbers masked."""
    env = env or _env()
    shown = _masked(line)
    fields = [(k, {**fv, "shown": shown_value(k, fv["value"])}) for k, fv in shown["fields"].items()]
    return env.get_template("dossier_report.html.j2").render(
        r=shown,
        fields=fields,
        status_label=STATUS_LABELS.get(line["status"], line["status"]),
        outcome_labels=OUTCOME_LABELS,
        field_labels=FIELD_LABELS,
        kind_labels=KIND_LABELS,
        rule_names={code: spec.name for code, spec in specs.items()},
        flag_labels=FLAG_LABELS,
        reasons=split_reasons(shown, specs),
        shown_outcomes=SHOWN_OUTCOMES,
    )


def write_outputs(
    out_dir: Path,
    batch: BatchInput,
    results: list[DossierResult],
    batch_findings: list[dict],
    processing_date: dt.date,
    log_head: Optional[dict] = None,
    *,
    rulebook: object | None = None,
    notice_template: Path | None = None,
) -> None:
    write_result_lines(out_dir, batch, [result_line(r) for r in results], batch_findings, processing_date, log_head,
                       rulebook=rulebook, notice_template=notice_template)


def _id_lines(out_dir: Path, record: Optional[JudgingRecord], dossier_id: str) -> Optional[PageBoxes]:
    """Where the run read ID numbers on the dossier's pages; None when its readings are gone."""
    if record is None:
        return None
    try:
        return id_lines_of(out_dir, record, dossier_id)
    except ReadingsMissing:
        return None


class ListedFiles(Mapping[str, object]):
    """The batch's files' `path` (or `sha256`) by `rel`, looked up in the listing through the
    root entry `rel` starts with. A dict of the whole batch's paths and hex digests, built for
    the reports, would hold again what the listing keeps compactly (`InputFile`), for every
    file of the batch at once."""

    def __init__(self, batch: BatchInput, attribute: str):
        self._by_entry = {d.entry: d for d in batch.dossiers}
        self._attribute = attribute
        self._count = sum(len(d.files) for d in batch.dossiers)  # asked for at every page (truth value)

    def __getitem__(self, rel: str) -> object:
        dossier = self._by_entry.get(rel.split("/", 1)[0])
        for f in dossier.files if dossier is not None else ():
            if f.rel == rel:
                return getattr(f, self._attribute)
        raise KeyError(rel)

    def __iter__(self) -> Iterator[str]:
        return (f.rel for d in self._by_entry.values() for f in d.files)

    def __len__(self) -> int:
        return self._count


def _batch_row(line: dict, rule_names: dict[str, str], specs: dict) -> dict:
    """A dossier's row of the batch report, its ID number masked."""
    f = line["fields"]
    return {
        "dossier_id": line["dossier_id"],
        "name": (f.get("name") or {}).get("value") or "",
        "id_masked": mask_id(str((f.get("id_number") or {}).get("value") or "")),
        "applied_title": (f.get("applied_title") or {}).get("value") or "",
        "status": line["status"],
        "status_label": STATUS_LABELS.get(line["status"], line["status"]),
        "failed": [(rule_names.get(x["rule"], x["rule"]), x["rule"]) for x in failed_rules(line, specs)],
        "flags": [(FLAG_LABELS.get(x["code"], x["code"]), x["code"]) for x in line["flags"]],
        "message": mask_ids_in_text(line.get("message") or ""),
    }


def write_result_lines(
    out_dir: Path,
    batch: BatchInput,
    lines: Iterable[dict],
    batch_findings: list[dict],
    processing_date: dt.date,
    log_head: Optional[dict] = None,
    *,
    rulebook: object | None = None,
    notice_template: Path | None = None,
    lines_file: Path | None = None,
    report_threads: int | None = None,
    on_written: Callable[[dict], None] | None = None,
) -> None:
    """`lines`: the result lines, iterated once per output (a run's are read from its lines file
    each time: `result_stream.SpooledLines`), so the batch's lines are never all held.
    `lines_file`: that file, which becomes results.jsonl; else the lines are written there.
    `report_threads`: threads writing the dossiers' crops and reports (default: the cores, up
    to `each_in_threads.MAX_THREADS`). `on_written(line)`: called, in order, once a dossier's
    crops and report are written (the progress shown on a long batch)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = _rule_specs(rulebook)
    rule_names = {code: spec.name for code, spec in specs.items()}
    env = _env()
    input_files, input_hashes = ListedFiles(batch, "path"), ListedFiles(batch, "sha256")
    statuses = []
    versions: dict = {}
    with_message = False
    try:
        record = run_record(out_dir)  # where the run read ID numbers: drawn flat in the crops
    except ReadingsMissing:
        record = None

    def write_dossier(line: dict) -> None:
        shown = write_crops(out_dir, line, input_files, input_hashes, id_lines=_id_lines(out_dir, record, line["dossier_id"]))
        atomic.write_text(out_dir / line["dossier_id"] / "report.html", dossier_report(shown, specs, env))

    for line in each_in_threads(lines, write_dossier, report_threads or default_threads(), "dossier-report"):
        if on_written is not None:
            on_written(line)
        versions = versions or line["versions"]
        statuses.append(line["status"])
        with_message = with_message or bool(line.get("message"))
    summary = batch_summary(batch, statuses, batch_findings, processing_date, log_head)
    # The batch report's rows are made from the lines again as the page is written, a row at a
    # time: held for a city's batch, they and the page were the writing's largest share.
    rows = (_batch_row(line, rule_names, specs) for line in lines)
    atomic.write_text_chunks(
        out_dir / "report.html",
        env.get_template("batch_report.html.j2").generate(
            batch_id=summary["batch_id"],
            unit=summary["unit"],
            submitted_on=summary["submitted_on"],
            processing_date=summary["processing_date"],
            versions=versions,
            counts=summary["counts"],
            total=len(statuses),
            status_labels=[(s, STATUS_LABELS[s]) for s in STATUSES],
            outcome_labels=OUTCOME_LABELS,
            batch_findings=_masked(batch_findings),
            rule_names=rule_names,
            rows=rows,
            with_message=with_message,
            skipped=batch.skipped,
        ),
    )
    write_office_papers(out_dir, batch, lines, processing_date, rulebook, notice_template)
    atomic.write_json(out_dir / "batch.json", summary)
    # Written last: its presence means the run finished (a killed run leaves the previous one).
    if lines_file is not None:
        os.replace(lines_file, out_dir / "results.jsonl")
    else:
        atomic.write_text(out_dir / "results.jsonl", "".join(line_text(line) for line in lines))
