"""The benchmark's decoy blacklist entries (bench/decoys.py): loaded into a real store beside the
truth's entries, through the same conversion bench/accuracy.py uses, none of them may raise
BLACKLIST_HIT, while the real entries still do."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from dossierflow import blacklist
from fixtures.generate import generate_batch
from fixtures.idnumber import is_valid
from fixtures.oracle import extraction_from_truth
from tests.test_integrity_support import ctx, db_url, store  # noqa: F401
from validators.integrity import dossier_flags

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.decoys import EXPIRED_UNTIL, decoy_entries  # noqa: E402
from validators.rulebook import load_rulebook  # noqa: E402

THRESHOLD = load_rulebook().confidence_threshold


def _load(store, entries) -> None:  # noqa: F811
    """As bench/accuracy.py's load_blacklist does through `dossier blacklist add`."""
    for e in entries:
        since, until = dt.date.fromisoformat(e.since), dt.date.fromisoformat(e.until)
        years = max(1, round((until - since).days / 365.25))
        store.add_blacklist(blacklist.new_entry(e.id_number, e.reason, "fixture truth", start=since, years=years))


def test_decoys_never_hit_and_real_entries_do(store, tmp_path: Path) -> None:  # noqa: F811
    truth = generate_batch(tmp_path / "batch-decoys", n=5, seed=3, forms=["docx"],
                           scenarios="fail:NOT_BLACKLISTED", damage="clean")
    decoys = decoy_entries(truth)
    own_ids = {str(d.fields["id_number"]) for d in truth.dossiers}
    expired = [e for e in decoys if e.id_number in own_ids]
    near = [e for e in decoys if e.id_number not in own_ids]
    assert truth.blacklist and expired and near
    assert all(e.until == EXPIRED_UNTIL for e in expired)
    assert all(is_valid(e.id_number) for e in near)
    assert all(sum(a != b for a, b in zip(e.id_number[:17], own)) == 1 for e in near
               for own in [min(own_ids, key=lambda i: sum(a != b for a, b in zip(i, e.id_number)))])

    _load(store, [*truth.blacklist, *decoys])
    run = ctx(dt.date(2020, 7, 1), lookup=store.blacklist_lookup)
    for d in truth.dossiers:
        hit = any(f.code == "BLACKLIST_HIT" for f in dossier_flags(extraction_from_truth(d), run, THRESHOLD))
        assert hit == ("BLACKLIST_HIT" in d.expected_flags), (d.dossier_id, d.scenario)
