"""The README's accuracy table, measured: one definition per row, run and printed as markdown.

    python bench/readme_figures.py --list
        the rows, each with its exact bench/accuracy.py command
    python bench/readme_figures.py [--only docx_scenarios,scan_clean] [--save DIR]
        runs the rows (all, or those named) on the code as it is and prints one markdown table
        row each: what was measured, the date, the commit and extractor version it was measured
        on, the dossier count, fields, status, decisive errors, deferrals by rule and flags
    python bench/readme_figures.py --from-json DIR [--only ...]
        prints the rows again from the measurements --save kept, with their own date and commit;
        a row with no measurement kept there is printed as still to be measured, with its command

The seeds are evaluation seeds (bench/seeds.md): the rows are for reporting, not for looking
into misses. Generation is seeded and the pipeline is deterministic on one machine, so a row
re-run on the same commit prints the same figures (only its date can differ).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import child_runs  # noqa: E402

ACCURACY = "bench/accuracy.py"


@dataclass(frozen=True)
class Row:
    name: str
    what: str
    args: tuple[str, ...]  # bench/accuracy.py's arguments, seeds included
    target: str

    @property
    def command(self) -> str:
        return f"{ACCURACY} " + shlex.join(self.args)

    @property
    def cross_leads(self) -> bool:
        return "--cross-leads" in self.args


# Every seed below is on the eval list of bench/seeds.md and is named there as reported on.
ROWS: tuple[Row, ...] = (
    Row("docx_scenarios", "DOCX/text PDF, every rule and flag scenario, second layouts drawn per dossier",
        ("--seeds", "5038", "--n", "41", "--forms", "docx,text_pdf", "--scenarios", "all",
         "--layouts", "mixed", "--workers", "1"),
        "100%, 0 decisive errors"),
    Row("scan_clean", "clean scans, second layouts drawn per dossier",
        ("--seeds", "5045", "--n", "6", "--forms", "scan", "--damage", "clean", "--layouts", "mixed", "--workers", "1"),
        "0 decisive errors; status ≥ 98%"),
    Row("scan_damaged", "damaged scans, second layouts drawn per dossier",
        ("--seeds", "5046", "--n", "6", "--forms", "scan", "--damage", "damaged", "--layouts", "mixed",
         "--workers", "1"),
        "0 decisive errors; status ≥ 90%"),
    Row("scan_scenarios", "damaged scans of the CE-card, pledge and reused-award scenarios",
        ("--seeds", "5044", "--n", "0", "--forms", "scan", "--damage", "damaged", "--scenarios",
         "fail:CE_CARD_VALID,fail:PLEDGE_SIGNED,flag:DUPLICATE_ATTACHMENT", "--layouts", "mixed", "--workers", "1"),
        "0 decisive errors"),
    Row("phone", "phone-app scans, second layouts drawn per dossier",
        ("--seeds", "996", "--n", "6", "--forms", "phone", "--layouts", "mixed", "--workers", "1"),
        "0 decisive errors; fields ≥ 97%, status ≥ 90%"),
    Row("producers", "scans from other PDF producers (linearized, PDF/A, bilevel CCITT, img2pdf, OCR text layer)",
        ("--seeds", "9305", "--n", "3", "--forms", "scan,bound_pdf,mixed", "--producers", "all",
         "--layouts", "mixed", "--workers", "1"),
        "0 decisive errors (a `PDF_EDITED` the truth lacks is one)"),
    Row("cross_leads", "cross-dossier checks at city scale, no OCR: false leads on an honest batch, recall on "
        "planted reuse (20 pairs of each scenario)",
        ("--cross-leads", "2000", "--seeds", "5042", "--planted-seed", "5043"),
        "none set: a lead goes to a person (the rulebook's `integrity.cross` comment)"),
)
BY_NAME = {r.name: r for r in ROWS}


def choose(only: str | None) -> list[Row]:
    if not only:
        return list(ROWS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"no such row: {', '.join(unknown)} (rows: {', '.join(BY_NAME)})")
    return [BY_NAME[n] for n in names]


def stamp() -> dict:
    """When and on what code a row is measured: the date (UTC), `git describe` of the checkout
    (`-dirty` when uncommitted changes are in it) and the extractor and rulebook versions the run
    records, so a figure names the code it belongs to."""
    describe = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, check=False).stdout.strip() or "unknown"
    shown = subprocess.run([str(ROOT / ".venv" / "bin" / "dossier"), "--version"], capture_output=True, text=True,
                           check=True).stdout
    versions = dict(line.split(" ", 1) for line in shown.splitlines() if " " in line)
    return {"date": dt.datetime.now(dt.timezone.utc).date().isoformat(), "commit": describe,
            "extractor": versions.get("extractor", "unknown"), "rulebook": versions.get("rulebook", "unknown")}


def measure(row: Row, work: Path) -> dict:
    out = work / f"{row.name}.accuracy.json"
    cmd = [sys.executable, str(ROOT / ACCURACY), *row.args, "--json", str(out)]
    if not row.cross_leads:
        cmd += ["--work", str(work / row.name)]
    run = child_runs.run(cmd, cwd=ROOT)  # a SIGTERM to this bench stops the row's run too
    if run.returncode != 0:
        raise SystemExit(f"{row.name}: {ACCURACY} exited {run.returncode}")
    return json.loads(out.read_text(encoding="utf-8"))


def _sum(batches: list[dict], key: str) -> list[int]:
    hit = sum(b["counts"][key][0] for b in batches)
    return [hit, sum(b["counts"][key][1] for b in batches)]


def _sum_pr(batches: list[dict], key: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for b in batches:
        for code, (tp, fp, fn) in b["counts"][key].items():
            have = out.setdefault(code, [0, 0, 0])
            have[0] += tp
            have[1] += fp
            have[2] += fn
    return dict(sorted(out.items()))


def accuracy_figures(data: dict) -> str:
    """The measured cell of an accuracy row from bench/accuracy.py's --json output."""
    batches = list(data["batches"].values())
    s = data["summary"]
    fields, status = _sum(batches, "fields"), _sum(batches, "status")
    decisive = [d for b in batches for d in b["decisive"]]
    by_what = {w: sum(1 for d in decisive if d["what"] == w) for w in ("status", "rule", "flag")}
    parts = [f"fields {fields[0]}/{fields[1]}", f"status {status[0]}/{status[1]}"]
    if decisive:
        listed = "; ".join(f"{d['dossier']} {d['what']} {d['code'] or ''} {d['got']} (truth {d['truth']})".replace("  ", " ")
                           for d in decisive)
        parts.append(f"**{len(decisive)} decisive errors** (status {by_what['status']}, rule {by_what['rule']}, "
                     f"flag {by_what['flag']}: {listed})")
    else:
        parts.append("**0 decisive errors**")
    parts.append(f"needs_review {s['needs_review']}")
    deferred: dict[str, int] = {}
    for b in batches:
        for rule, n in b["deferred_by_rule"].items():
            deferred[rule] = deferred.get(rule, 0) + n
    parts.append("rule reviews the truth does not ask for: "
                 + (", ".join(f"{r} {n}" for r, n in sorted(deferred.items())) if deferred else "none"))
    rules = _sum_pr(batches, "rules")
    tp, fp, fn = (sum(v[i] for v in rules.values()) for i in range(3))
    parts.append(f"rule `fail` {tp} right, {fp} false, {fn} missed")
    flags = _sum_pr(batches, "flags")
    ftp, ffp, ffn = (sum(v[i] for v in flags.values()) for i in range(3))
    parts.append(f"flags {ftp}/{ftp + ffn}, {ffp} false" + (
        " (" + ", ".join(f"{c} {v[0]}/{v[0] + v[2]}" for c, v in flags.items()) + ")" if flags else ""))
    missing = [m for b in batches for m in b["missing"]]
    if missing:
        parts.append(f"missing from results: {', '.join(missing)}")
    return ", ".join(parts)


# bench/cross_leads.py fingerprints readings without page images: this check's count is no
# measurement there.
UNMEASURED_CROSS = frozenset({"DUPLICATE_ATTACHMENT"})


def cross_figures(data: dict) -> str:
    parts = []
    for rep in data["cross_leads"]:
        leads = {c: n for c, n in rep["false_leads"].items() if c not in UNMEASURED_CROSS}
        false = sum(leads.values())
        if "recall" in rep:
            found = sum(f for f, _ in rep["recall"].values())
            planted = sum(p for _, p in rep["recall"].values())
            parts.append(f"planted seed {rep['seed']} ({rep['dossiers']} dossiers): recall {found}/{planted} ("
                         + ", ".join(f"{c} {f}/{p}" for c, (f, p) in sorted(rep["recall"].items()))
                         + f"), **{false} false leads**")
        else:
            parts.append(f"honest seed {rep['seed']} ({rep['dossiers']} dossiers): **{false} false leads** ("
                         + ", ".join(f"{c} {n}" for c, n in sorted(leads.items())) + " pairs)")
    return "; ".join(parts) + "; " + ", ".join(sorted(UNMEASURED_CROSS)) + " not measured (no page images)"


def dossiers(data: dict) -> int:
    if "cross_leads" in data:
        return sum(rep["dossiers"] for rep in data["cross_leads"])
    return int(data["summary"]["dossiers"])


def markdown_row(row: Row, data: dict, when: dict) -> str:
    """`| what | measured | command (seeds) | target |` for the README's accuracy table."""
    figures = cross_figures(data) if row.cross_leads else accuracy_figures(data)
    measured = (f"{when['date']}, {when['commit']} ({when['extractor']}, {when['rulebook']}), "
                f"{dossiers(data)} dossiers: {figures}")
    cells = [row.what, measured, f"`{row.command}`", row.target]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def pending_row(row: Row) -> str:
    """A row not measured on the code as it is: its command, and no figures."""
    cells = [row.what, f"to be measured on merged main (`bench/readme_figures.py --only {row.name}`)",
             f"`{row.command}`", row.target]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


HEADER = "| what | measured (date, code, dossiers: figures) | command (seeds) | target |\n| --- | --- | --- | --- |"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma list of row names (default: every row)")
    ap.add_argument("--list", action="store_true", help="print each row's name and command, run nothing")
    ap.add_argument("--save", type=Path, help="keep each row's measurement (and its date and commit) here")
    ap.add_argument("--from-json", type=Path, help="print the rows from measurements kept with --save")
    args = ap.parse_args()
    rows = choose(args.only)
    if args.list:
        for r in rows:
            print(f"{r.name:16s} python {r.command}")
        return 0
    printed = []
    for r in rows:
        if args.from_json:
            saved = args.from_json / f"{r.name}.json"
            if not saved.is_file():
                printed.append(pending_row(r))
                print(printed[-1], flush=True)
                continue
            kept = json.loads(saved.read_text(encoding="utf-8"))
            when, data = kept["stamp"], kept["measurement"]
        else:
            # The row's batches and runs go with it, measured or stopped: the figures are kept (--save)
            with tempfile.TemporaryDirectory(prefix=f"readme-{r.name}-") as tmp:
                when, data = stamp(), measure(r, Path(tmp))
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{r.name}.json").write_text(
                    json.dumps({"row": r.name, "stamp": when, "measurement": data}, ensure_ascii=False, indent=1),
                    encoding="utf-8")
        printed.append(markdown_row(r, data, when))
        print(printed[-1], flush=True)
    print("\n" + HEADER + "\n" + "\n".join(printed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
