"""Is the station's dossier page as fast on a 1,000-dossier batch as on a 10-dossier one?

    .venv/bin/python bench/station.py                     # 10 vs 1,000 dossiers on record
    .venv/bin/python bench/station.py --small 10 --large 1000 --repeat 50 --seed 5

One small real batch (text PDFs, every flag and review scenario the generator can place in
three dossiers) is generated and processed by `dossier run` into a SQLite database. Its result
lines are then copied, under new dossier ids, to make an OUT of 10 and one of 1,000 dossiers,
each copy also recorded in the database with its leads (rows written directly: what is measured
is the station, not the pipeline). The station then serves each OUT in process (Starlette's test
client, a logged-in reviewer) and the same dossier page is requested: the first request (which
reads results.jsonl) and the median of `--repeat` warm ones. Printed: times and large/small
ratios. No assertion on time.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.prefect_home import own_prefect_home  # noqa: E402

SCENARIOS = "review:EVALUATION_CHANNEL:district,review:SENIOR_TEACHER_QUOTA,flag:ID_NUMBER_INVALID"
PASSWORD = "bench-pass-1"


def _real_batch(work: Path, seed: int) -> tuple[Path, Path]:
    """(OUT, database file) of one real run over three generated text-PDF dossiers."""
    import subprocess

    from fixtures.generate import generate_batch

    batch, out, db = work / "batch", work / "out-real", work / "real.sqlite"
    generate_batch(batch, n=3, seed=seed, forms=["text_pdf"], scenarios=SCENARIOS)
    cmd = [str(ROOT / ".venv" / "bin" / "dossier"), "run", str(batch), "--out", str(out), "--workers", "1",
           "--date", "2020-07-01", "--db", f"sqlite:///{db}"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=1800, env=own_prefect_home(work))
    return out, db


def _scaled(real_out: Path, real_db: Path, work: Path, n: int) -> tuple[Path, str]:
    """An OUT of `n` dossiers (copies of the real lines under new ids) and a database holding
    the real run's records plus one dossier row, with its leads, per copy."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from dossierflow.storage import open_store
    from dossierflow.storage.tables import DossierRow, FlagRow

    out = work / f"out-{n}"
    shutil.copytree(real_out, out)
    db_file = work / f"db-{n}.sqlite"
    shutil.copy(real_db, db_file)
    url = f"sqlite:///{db_file}"
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    batch_id = summary["batch_id"]
    lines = [json.loads(x) for x in (real_out / "results.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    store = open_store(url)
    assert store is not None
    with Session(store.engine) as session, session.begin():
        template_rows = {r.dossier_id: r for r in session.scalars(select(DossierRow).where(DossierRow.batch_id == batch_id))}
        flags = {pk: list(session.scalars(select(FlagRow).where(FlagRow.dossier_pk == pk))) for pk in [r.id for r in template_rows.values()]}
        scaled = list(lines)
        for i in range(len(lines), n):
            src = lines[i % len(lines)]
            line = copy.deepcopy(src)
            line["dossier_id"] = f"C{i:05d}"
            scaled.append(line)
            row = template_rows[src["dossier_id"]]
            new = DossierRow(batch_id=batch_id, dossier_id=line["dossier_id"], policy_year=row.policy_year, id_number=row.id_number,
                             name=row.name, unit=row.unit, batch_unit=row.batch_unit, status=line["status"], result=line,
                             fingerprint={}, recorded_at=dt.datetime.now(dt.timezone.utc))
            session.add(new)
            session.flush()
            for k, flag in enumerate(flags[row.id]):
                session.add(FlagRow(dossier_pk=new.id, lead_id=f"b{i:07d}{k:03d}", code=flag.code, message=flag.message,
                                    related=flag.related, sources=flag.sources, details=flag.details))
    (out / "results.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in scaled[:n]), encoding="utf-8")
    store.close()
    return out, url


def _page_times(out: Path, url: str, work: Path, dossier_id: str, repeat: int) -> tuple[float, float]:
    """(first request, median warm request) in milliseconds for the dossier's page."""
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from dossierflow.station.app import create_app
    from dossierflow.station.images import PageImages
    from dossierflow.station.users import Users
    from dossierflow.storage import open_store

    Users(open_store(url).engine).add("bench", "reviewer", PASSWORD)  # type: ignore[union-attr]
    app = create_app([out], url, str(work / "key" / "log.key"), images=PageImages(work / "images"))
    client = TestClient(app)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": token})
    batch_id = json.loads((out / "batch.json").read_text(encoding="utf-8"))["batch_id"]
    path = f"/b/{batch_id}/d/{dossier_id}"
    t0 = time.perf_counter()
    first = client.get(path)
    first_ms = (time.perf_counter() - t0) * 1000
    assert first.status_code == 200, first.text[:300]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
    return first_ms, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--large", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-station-"))
    os.environ["DOSSIER_LOG_KEY_FILE"] = str(work / "key" / "log.key")
    os.environ["DOSSIER_DATA_DIR"] = str(work / "data")
    try:
        real_out, real_db = _real_batch(work, args.seed)
        # The page measured: the flagged dossier (its leads are looked up in the database).
        lines = [json.loads(x) for x in (real_out / "results.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
        target = next((x["dossier_id"] for x in lines if x["flags"]), lines[0]["dossier_id"])
        figures = {}
        for n in (args.small, args.large):
            out, url = _scaled(real_out, real_db, work, n)
            figures[n] = _page_times(out, url, work, target, args.repeat)
            print(f"{n:>6} dossiers on record: first request {figures[n][0]:8.1f} ms, warm median {figures[n][1]:7.1f} ms ({args.repeat} requests)")
        (s_first, s_warm), (l_first, l_warm) = figures[args.small], figures[args.large]
        print(f"ratio {args.large}/{args.small}: first request {l_first / s_first:.2f}x, warm median {l_warm / s_warm:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
