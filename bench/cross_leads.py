"""False leads of the cross-dossier checks on large honest batches, and the distribution the
text-reuse thresholds should sit well clear of.

    .venv/bin/python bench/cross_leads.py --n 200 --seeds 501,502

Each batch is drafted by the fixture generator with every dossier `clean` (no reuse, no shared
paper, no duplicate applicant in its truth) and fingerprinted as a DOCX/text-PDF reading would
give it: the work summary as its page reads (title, unit and name, paragraphs, signature), each
paper's title, abstract and introduction. Nothing is rendered or OCRed; what this cannot see is reading noise and page images (DUPLICATE_ATTACHMENT needs
rendered certificates and is not measured here). Every lead found is a false lead. For TEXT_REUSE
it also prints, over every pair sharing at least WEIGH_MIN_SHARED rare shingles (the check itself
needs `text_min_shared`), the upper tail of Jaccard and containment, so the margin between honest
pairs and the thresholds is visible. Each honest text is drawn against all before it through an
index of their shared units: 2,000 dossiers are drafted in about a minute on a quiet core.
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
sys.path.insert(0, str(ROOT))


def honest_prints(n: int, seed: int, batch_id: str) -> list:
    from dossierflow.models import DossierExtraction, Evidence, FieldValue, Source
    from fixtures.generate import _slots, draft_batch
    from validators.integrity.fingerprint import fingerprint

    _, drafts = draft_batch(_slots("clean", n), seed, ["docx", "text_pdf"], "clean")
    prints = []
    for d in drafts:
        app = d.app
        src = Source(file=f"{d.dossier_id}/材料.pdf", page=1)

        def fv(value: str) -> FieldValue:
            return FieldValue(value=value, confidence=0.95, source=src)

        summary = "\n".join(["个人工作总结", f"{app.employer}{app.name}", *app.summary, f"总结人：{app.name}"])
        evidence = [Evidence(kind="work_summary", source=src, text=summary, confidence=0.9)]
        for p in app.papers:
            evidence.append(Evidence(
                kind="paper", source=src, title=p.title, journal=p.journal, issn=p.issn, date=p.date.iso()[:7],
                authors=list(p.authors), author_rank=p.rank, text="\n".join([p.title, p.abstract, p.intro]), confidence=0.9,
            ))
        fields = {"name": fv(app.name), "id_number": fv(app.id_number), "employer": fv(app.employer)}
        ex = DossierExtraction(dossier_id=d.dossier_id, files=[], pages=[], documents=[], fields=fields, evidence=evidence)
        prints.append(fingerprint(ex, batch_id, 2020))
    return prints


def text_pairs(prints: list) -> list[tuple[float, float]]:
    """(Jaccard, containment) of every pair the text check would weigh, thresholds aside."""
    from validators.integrity.cross import CrossThresholds, _Collector, text_reuse

    th = CrossThresholds()
    loose = CrossThresholds(text_jaccard=0.0, text_containment=0.0, text_min_shared=WEIGH_MIN_SHARED)
    out = _Collector(prints[0].batch_id)
    text_reuse(prints, prints, out, loose)
    return [(m["jaccard"], m["containment"]) for lead in out.leads.values() for m in lead.matches]


def main() -> None:
    from validators.integrity.cross import CrossThresholds, find_cross_flags

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seeds", default="501,502")
    args = ap.parse_args()
    th = CrossThresholds()
    for seed in [int(s) for s in args.seeds.split(",")]:
        prints = honest_prints(args.n, seed, f"bench-{seed}")
        flags = find_cross_flags(prints, [], f"bench-{seed}")
        codes = Counter(f.code for fl in flags.values() for f in fl)
        flagged = {code: sum(1 for fl in flags.values() if any(f.code == code for f in fl)) for code in codes}
        print(f"seed {seed}: {len(prints)} honest dossiers")
        for code in ("DUPLICATE_APPLICANT", "SHARED_PAPER", "TEXT_REUSE"):
            k = flagged.get(code, 0)
            print(f"  {code:20s} false leads {codes.get(code, 0):4d}  dossiers flagged {k:4d} ({k / len(prints):.2%})")
        pairs = text_pairs(prints)
        if not pairs:
            print("  text pairs sharing enough rare shingles to be weighed: 0")
            continue
        jac = np.array([p[0] for p in pairs])
        con = np.array([p[1] for p in pairs])
        print(f"  text pairs sharing >= {WEIGH_MIN_SHARED} rare shingles: {len(pairs)} (of {len(prints) * (len(prints) - 1)} ordered pairs)")
        for label, values, bar in (("jaccard", jac, th.text_jaccard), ("containment", con, th.text_containment)):
            q = np.quantile(values, [0.5, 0.99, 0.999, 1.0])
            print(f"  {label:11s} median {q[0]:.3f}  p99 {q[1]:.3f}  p99.9 {q[2]:.3f}  max {q[3]:.3f}  threshold {bar:.2f}"
                  f"  (max is {bar / q[3] if q[3] else float('inf'):.1f}x below)")


if __name__ == "__main__":
    main()
