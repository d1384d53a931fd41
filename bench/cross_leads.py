"""False leads of the cross-dossier checks on large honest batches, recall on planted reuse, and
the score distribution the text-reuse thresholds must sit clear of.

    .venv/bin/python bench/cross_leads.py --n 2000 --seeds 5022 --planted-seed 5023
    .venv/bin/python bench/cross_leads.py --n 200 --seeds 501,502 --planted-pairs 0

Each honest batch is drafted by the fixture generator with every dossier `clean` (no reuse, no
shared paper, no duplicate applicant in its truth) and fingerprinted as a DOCX/text-PDF reading
would give it: the work summary as its page reads (title, unit and name, paragraphs, signature),
each paper's title, abstract and introduction. Nothing is rendered or OCRed; what this cannot see
is reading noise and page images (DUPLICATE_ATTACHMENT needs rendered certificates: its row
counts 0 of 0 pages compared and says so). Every lead found on an honest batch is a false lead.

The checks run with the thresholds of the rulebook (`integrity.cross` in its YAML), as a run
uses them. For TEXT_REUSE it also prints, over every pair sharing at least WEIGH_MIN_SHARED
shingles left after boilerplate removal and scoring at least WEIGH_SHARE of either threshold
(the check itself needs `text_min_shared`), the upper tail of Jaccard and containment, so the
margin between unrelated pairs and the thresholds is visible.

The planted batch (`--planted-seed`, `--planted-pairs` of each pair scenario among clean
dossiers) gives recall: a planted pair is found when either of its dossiers carries the
scenario's flag against the other; a lead between dossiers the truth does not relate is false.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# Pairs sharing this many rare shingles are weighed for the distribution: well below the check's
# own minimum, so the tail under the thresholds is seen, not only what crosses them.
WEIGH_MIN_SHARED = 10
# Only form wording is removed before texts are compared, so nearly every pair of summaries
# shares some stock phrasing: the pairs weighed are those at half a threshold or more (the
# upper tail), not the millions below.
WEIGH_SHARE = 0.5
sys.path.insert(0, str(ROOT))

CHECKS = ("DUPLICATE_APPLICANT", "DUPLICATE_ATTACHMENT", "SHARED_PAPER", "TEXT_REUSE")
# The pair scenarios whose flag a fingerprint without page images can show.
PLANTED = ("flag:TEXT_REUSE", "flag:SHARED_PAPER", "flag:DUPLICATE_APPLICANT")


def rulebook_thresholds(rulebook: str = "baotou-2020"):  # type: ignore[no-untyped-def]
    from validators.rulebook import load_rulebook

    return load_rulebook(rulebook).cross_thresholds


def draft_prints(drafts: list, batch_id: str) -> list:
    """Each draft fingerprinted as its DOCX/text-PDF reading would give it."""
    from dossierflow.models import DossierExtraction, Evidence, FieldValue, Source
    from validators.integrity.fingerprint import fingerprint
    from validators.rulebook import load_rulebook

    threshold = load_rulebook().confidence_threshold
    prints = []
    for d in drafts:
        app = d.app
        src = Source(file=f"{d.dossier_id}/材料.pdf", page=1)

        def fv(value: str, src: Source = src) -> FieldValue:
            return FieldValue(value=value, confidence=0.95, source=src)

        summary = "\n".join(["个人工作总结", f"{app.employer}{app.name}", *app.summary, f"总结人：{app.name}"])
        evidence = [Evidence(kind="work_summary", source=src, text=summary, confidence=0.9)]
        for p in app.papers:
            evidence.append(Evidence(
                kind="paper", source=src, title=p.title, journal=p.journal, issn=p.issn, date=p.date.iso()[:7],
                authors=list(p.authors), author_rank=p.rank, text=f"{p.title}\n{p.abstract}\n{p.intro}", confidence=0.9,
            ))
        fields = {"name": fv(app.name), "id_number": fv(app.id_number), "employer": fv(app.employer)}
        ex = DossierExtraction(dossier_id=d.dossier_id, files=[], pages=[], documents=[], fields=fields, evidence=evidence)
        prints.append(fingerprint(ex, batch_id, 2020, threshold))
    return prints


def honest_prints(n: int, seed: int, batch_id: str) -> list:
    from fixtures.generate import _slots, draft_batch

    _, drafts = draft_batch(_slots("clean", n), seed, ["docx", "text_pdf"], "clean")
    return draft_prints(drafts, batch_id)


def planted_drafts(n: int, seed: int, pairs: int) -> list:
    """A batch of n with `pairs` of each PLANTED scenario spread among clean dossiers."""
    from fixtures.generate import draft_batch
    from fixtures.scenarios import BY_CODE

    clean = BY_CODE["clean"]
    planted = [BY_CODE[code] for _ in range(pairs) for code in PLANTED]
    gap = max(0, (n - 2 * len(planted)) // (len(planted) + 1))
    slots = []
    for s in planted:
        slots += [clean] * gap + [s, s]
    slots += [clean] * max(0, n - len(slots))
    _, drafts = draft_batch(slots, seed, ["docx", "text_pdf"], "clean")
    return drafts


def text_scores(prints: list, th) -> dict[frozenset[str], tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Per dossier pair the text check would weigh, thresholds aside: its highest (Jaccard,
    containment) over their texts."""
    from dataclasses import replace

    from validators.integrity.cross import _Collector, text_reuse

    loose = replace(th, text_jaccard=th.text_jaccard * WEIGH_SHARE, text_containment=th.text_containment * WEIGH_SHARE,
                    text_min_shared=WEIGH_MIN_SHARED)
    out = _Collector(prints[0].batch_id)
    text_reuse(prints, prints, out, loose)
    scores: dict[frozenset[str], tuple[float, float]] = {}
    for (mine, _, _), lead in out.leads.items():
        for m in lead.matches:
            pair = frozenset((mine, m["dossier_id"]))
            jac, con = scores.get(pair, (0.0, 0.0))
            scores[pair] = (max(jac, m["jaccard"]), max(con, m["containment"]))
    return scores


def text_pairs(prints: list, th) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(Jaccard, containment) of every dossier pair the text check would weigh, thresholds aside."""
    return list(text_scores(prints, th).values())


def leads_by_check(prints: list, th) -> dict[str, set[frozenset[str]]]:  # type: ignore[no-untyped-def]
    """The unordered dossier pairs each check raised a lead on."""
    from validators.integrity.cross import find_cross_flags

    flags = find_cross_flags(prints, [], prints[0].batch_id, th)
    pairs: dict[str, set[frozenset[str]]] = {code: set() for code in CHECKS}
    for did, fl in flags.items():
        for f in fl:
            for other in f.related:
                pairs.setdefault(f.code, set()).add(frozenset((did, other.split("/")[-1])))
            if f.code == "TEXT_REUSE":
                TEXT_KINDS.update(part.split("（")[0].removeprefix("本档案") for part in f.message.split("：", 1)[1].split("；"))
    return pairs


TEXT_KINDS: Counter[str] = Counter()  # which texts the TEXT_REUSE leads of the last call were on


def honest_report(prints: list, seed: int, th) -> dict:  # type: ignore[no-untyped-def]
    n = len(prints)
    TEXT_KINDS.clear()
    leads = leads_by_check(prints, th)
    print(f"seed {seed}: {n} honest dossiers ({n * (n - 1) // 2} pairs), no reuse in the truth")
    for code in CHECKS:
        flagged = {d for pair in leads[code] for d in pair}
        note = "  (page images not fingerprinted here: not measured)" if code == "DUPLICATE_ATTACHMENT" else ""
        print(f"  {code:20s} false leads {len(leads[code]):4d} pairs  dossiers flagged {len(flagged):4d} "
              f"({len(flagged) / n:.2%}){note}")
    if TEXT_KINDS:
        print("  TEXT_REUSE leads by text: " + ", ".join(f"{k} {v}" for k, v in TEXT_KINDS.most_common()))
    pairs = text_pairs(prints, th)
    out = {"seed": seed, "dossiers": n, "false_leads": {c: len(leads[c]) for c in CHECKS}}
    if not pairs:
        print("  text pairs scoring enough to be weighed: 0")
        return out
    jac = np.array([p[0] for p in pairs])
    con = np.array([p[1] for p in pairs])
    print(f"  dossier pairs sharing >= {WEIGH_MIN_SHARED} shingles and at {WEIGH_SHARE:.0%} of a threshold or more: "
          f"{len(pairs)} (of {n * (n - 1) // 2})")
    for label, values, bar in (("jaccard", jac, th.text_jaccard), ("containment", con, th.text_containment)):
        q = np.quantile(values, [0.5, 0.99, 0.999, 1.0])
        print(f"  {label:11s} median {q[0]:.3f}  p99 {q[1]:.3f}  p99.9 {q[2]:.3f}  max {q[3]:.3f}  threshold {bar:.2f}"
              f"  (max is {bar / q[3] if q[3] else float('inf'):.1f}x below)")
        out[f"{label}_max"] = float(q[3])
    return out


def planted_report(drafts: list, seed: int, th) -> dict:  # type: ignore[no-untyped-def]
    prints = draft_prints(drafts, f"planted-{seed}")
    leads = leads_by_check(prints, th)
    truth: dict[str, set[frozenset[str]]] = {code: set() for code in CHECKS}
    related = set()
    for d in drafts:
        for other in d.related:
            pair = frozenset((d.dossier_id, other))
            related.add(pair)
            if d.scenario.startswith("flag:"):
                truth[d.scenario.removeprefix("flag:")].add(pair)
    print(f"seed {seed}: {len(drafts)} dossiers with planted pairs")
    out = {"seed": seed, "dossiers": len(drafts), "recall": {}, "false_leads": {}}
    for code in CHECKS:
        planted = truth[code]
        found = planted & leads[code]
        false = {p for p in leads[code] if p not in related}
        if planted:
            print(f"  {code:20s} planted {len(planted):3d}  found {len(found):3d} (recall {len(found) / len(planted):.0%})"
                  f"  false leads {len(false)}")
            out["recall"][code] = [len(found), len(planted)]
        else:
            print(f"  {code:20s} planted   0  false leads {len(false)}")
        out["false_leads"][code] = len(false)
    if truth["TEXT_REUSE"]:
        scores = text_scores(prints, th)
        planted = [scores.get(p, (0.0, 0.0)) for p in truth["TEXT_REUSE"]]
        print(f"  planted TEXT_REUSE pairs: lowest Jaccard {min(j for j, _ in planted):.3f}, "
              f"lowest containment {min(c for _, c in planted):.3f}")
        out["planted_text_min"] = [min(j for j, _ in planted), min(c for _, c in planted)]
    return out


def run(n: int, seeds: list[int], planted_seed: int | None, pairs: int, overrides: dict | None = None) -> list[dict]:
    from dataclasses import replace

    th = replace(rulebook_thresholds(), **(overrides or {}))
    print(f"thresholds (rulebook): text_jaccard {th.text_jaccard}, text_containment {th.text_containment}, "
          f"text_min_shared {th.text_min_shared}, image_distance {th.image_distance}")
    reports = [honest_report(honest_prints(n, seed, f"bench-{seed}"), seed, th) for seed in seeds]
    if planted_seed is not None and pairs:
        reports.append(planted_report(planted_drafts(n, planted_seed, pairs), planted_seed, th))
    return reports


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seeds", default="501,502", help="honest batches, one per seed")
    ap.add_argument("--planted-seed", type=int, help="a batch of the same size with planted pairs, for recall")
    ap.add_argument("--planted-pairs", type=int, default=20, help="pairs of each planted scenario")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="try a threshold other than the rulebook's (text_jaccard=0.35)")
    args = ap.parse_args()
    overrides = {k: type(getattr(rulebook_thresholds(), k))(v) for k, v in (o.split("=", 1) for o in args.set)}
    run(args.n, [int(s) for s in args.seeds.split(",") if s], args.planted_seed, args.planted_pairs, overrides)


if __name__ == "__main__":
    main()
