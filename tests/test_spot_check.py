"""The auditor's spot check: stratified, reproducible samples; a tampered result or batch-level
finding is found and shown first; the audit is an entry of the change log, a report is signed
and checked against it; the scheduled deployment runs once. Real runs of DOCX batches (no
OCR), SQLite, the real `dossier` command and a real (temporary) Prefect API."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from dossierflow.audit import compare
from dossierflow.audit_sample import SizeSpec, draw, sampled_ids
from dossierflow.errors import UsageError
from dossierflow.storage import open_store
from fixtures.generate import generate_batch

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
except ImportError:
    from conftest import run_dossier


# --- sampling -------------------------------------------------------------------------------

def _population() -> dict[str, str]:
    statuses = {}
    for status, n in (("accepted", 20), ("returned", 20), ("rejected", 10), ("needs_review", 6), ("error", 4)):
        statuses.update({f"{status[:3].upper()}{i:03d}": status for i in range(n)})
    return statuses


def test_the_same_seed_draws_the_same_sample_whatever_the_order() -> None:
    statuses = _population()
    decided = {"ACC001", "RET004", "REJ002"}
    reversed_order = dict(reversed(list(statuses.items())))
    first = sampled_ids(draw(statuses, decided, seed=42, size=12))
    assert first == sampled_ids(draw(reversed_order, decided, seed=42, size=12))
    assert len(first) == 12 and len(set(first)) == 12
    others = {tuple(sampled_ids(draw(statuses, decided, seed=s, size=12))) for s in range(43, 53)}
    assert len(others - {tuple(first)}) >= 9  # another seed, another sample


def test_each_status_gets_a_share_weighted_to_accepted_and_decided() -> None:
    statuses = _population()
    decided = {f"ACC{i:03d}" for i in range(5)} | {f"RET{i:03d}" for i in range(5)}
    strata = {(s.status, s.decided): s for s in draw(statuses, decided, seed=7, size=15)}
    assert sum(s.drawn for s in strata.values()) == 15
    assert all(s.drawn >= 1 for s in strata.values())  # every status and kind is looked at
    assert set(sampled_ids(list(strata.values()))) <= set(statuses)

    def rate(*keys: tuple[str, bool]) -> float:
        return sum(strata[k].drawn for k in keys) / sum(strata[k].population for k in keys)

    both = lambda status: ((status, False), (status, True))  # noqa: E731
    # Equal populations: an accepted dossier is likelier to be drawn than a returned one.
    assert rate(*both("accepted")) > rate(*both("returned"))
    # Within a status, a result resting on a decision is likelier than one that does not.
    assert rate(("accepted", True)) > rate(("accepted", False))
    assert rate(("returned", True)) > rate(("returned", False))


def test_a_small_sample_goes_to_the_heaviest_strata_first() -> None:
    strata = draw(_population(), {"REJ001"}, seed=1, size=2)
    assert {(s.status, s.decided) for s in strata if s.drawn} == {("accepted", False), ("rejected", True)}


@pytest.mark.parametrize("text, population, count", [("10", 60, 10), ("5%", 61, 4), ("100%", 7, 7), ("1%", 3, 1), ("2.5%", 200, 5)])
def test_size_is_a_number_or_a_share(text: str, population: int, count: int) -> None:
    assert SizeSpec.parse(text).resolve(population) == count


@pytest.mark.parametrize("text", ["0", "61", "0%", "150%", "ten", "-3", "5 份"])
def test_a_bad_size_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--size"):
        SizeSpec.parse(text).resolve(60)


def test_a_field_difference_carries_its_evidence_on_both_sides() -> None:
    src = {"file": "申报表.docx", "page": 1, "bbox": [1.0, 2.0, 3.0, 4.0]}
    stored = {"status": "accepted", "fields": {"name": {"value": "张冒名", "source": src}},
              "findings": [{"rule": "SENIORITY", "outcome": "pass"}], "flags": []}
    now = {"status": "accepted", "fields": {"name": {"value": "张三", "source": {**src, "page": 2}}},
           "findings": [{"rule": "SENIORITY", "outcome": "fail"}], "flags": [{"code": "TEXT_REUSE"}]}
    diffs = {d.kind: d for d in compare(stored, now)}
    assert set(diffs) == {"field", "rule", "flag"}
    assert diffs["field"].evidence_stored == src and diffs["field"].evidence_now["page"] == 2
    assert "张冒名" in diffs["field"].text and "张三" in diffs["field"].text
    assert diffs["rule"].key == "SENIORITY" and diffs["flag"].now == 1


# --- real runs ------------------------------------------------------------------------------

@dataclass
class Run:
    batch: Path
    out: Path
    db: str
    key: Path


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Run:
    work = tmp_path_factory.mktemp("spot")
    batch = work / "spot-docx"
    generate_batch(batch, n=4, seed=21, forms=["docx", "text_pdf"], damage="clean")
    run = Run(batch, work / "out", f"sqlite:///{work / 'db.sqlite'}", work / "log-key" / "log.key")
    run_dossier("run", str(batch), "--out", str(run.out), "--db", run.db, "--date", "2020-07-01",
                env={"DOSSIER_LOG_KEY_FILE": str(run.key)}, timeout=600)
    return run


def _copy_out(run: Run, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(run.out, out)
    return out


def _dossier(run: Run, *args: str, check: bool = True):  # noqa: ANN202
    proc = run_dossier(*args, "--db", run.db, env={"DOSSIER_LOG_KEY_FILE": str(run.key)}, check=check, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _audit(run: Run, out: Path, *extra: str, check: bool = True):  # noqa: ANN202
    return _dossier(run, "audit", "run", str(out), "--batch", str(run.batch), "--auditor", "审计员甲", *extra, check=check)


def _report(out: Path) -> Path:
    [path] = sorted((out / "audits").glob("audit-*.json"))
    return path


def test_a_tampered_result_and_batch_finding_are_found_and_shown_first(finished: Run, tmp_path: Path) -> None:
    out = _copy_out(finished, tmp_path)
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    # A field read from a PDF page: its evidence has a region to show on both sides.
    victim, field = next((line, k) for line in lines for k, v in sorted(line["fields"].items())
                         if (v.get("source") or {}).get("bbox") and isinstance(v["value"], str))
    victim["fields"][field]["value"] = "篡改值"
    rule = victim["findings"][0]
    rule["outcome"] = "pass" if rule["outcome"] != "pass" else "fail"
    (out / "results.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    summary["findings"] = summary.get("findings", []) + [{"rule": "POST_QUOTA", "outcome": "pass", "scope": "伪造", "dossiers": []}]
    (out / "batch.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")

    bad = _audit(finished, out, "--seed", "3", "--size", "100%", check=False)
    assert bad.returncode == 6, bad.stderr
    assert "篡改值" in bad.stderr and victim["dossier_id"] in bad.stderr and "批次级结论不一致" in bad.stderr
    data = json.loads(_report(out).read_text(encoding="utf-8"))
    assert not data["ok"] and data["size"] == 4 and data["log_entry"]["seq"] > 0
    [found] = [d for d in data["dossiers"] if not d["ok"]]
    assert found["dossier_id"] == victim["dossier_id"]
    kinds = {(x["kind"], x["key"]) for x in found["differences"]}
    assert kinds == {("field", field), ("rule", rule["rule"])}
    by_kind = {x["kind"]: x for x in found["differences"]}
    assert by_kind["field"]["evidence_stored"]["file"] == by_kind["field"]["evidence_now"]["file"]
    assert [x["key"] for x in data["batch_differences"]] == ["POST_QUOTA／伪造"]

    page = _report(out).with_suffix(".html").read_text(encoding="utf-8")
    assert page.index("篡改值") < page.index("审计信息")  # differences before everything else
    assert by_kind["field"]["evidence_now"]["file"] in page and "记录的依据" in page and "复核的依据" in page
    crops = _report(out).with_name(_report(out).stem + "-crops")
    for side in ("crop_stored", "crop_now"):
        name = by_kind["field"][side]
        assert (crops / name).read_bytes().startswith(b"\x89PNG") and f"{crops.name}/{name}" in page


def test_an_audit_is_logged_then_signed_and_checked_against_the_log(finished: Run, tmp_path: Path) -> None:
    out = _copy_out(finished, tmp_path)
    ok = _audit(finished, out, "--seed", "9", "--size", "50%")
    assert "样本构成" in ok.stderr and "已记入变更日志" in ok.stderr and "不一致" not in ok.stderr
    report = _report(out)
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["size"] == 2 and data["size_asked"] == "50%" and sum(s["drawn"] for s in data["makeup"]) == 2

    with open_store(finished.db, finished.key) as db_store:
        [(_, entry, _)] = [e for e in db_store.log_entries(("audit",)) if e[0] == data["log_entry"]["seq"]]
    assert entry["auditor"] == "审计员甲" and entry["seed"] == 9 and entry["sampled"] == data["sampled"]
    assert entry["log_head_checked"] == data["log"]["head"] and entry["differences"] == {}

    checked = _dossier(finished, "audit", "check", str(report))
    assert "审计报告与变更日志一致" in checked.stderr and "尚无签署" in checked.stderr
    _dossier(finished, "audit", "sign", str(report.with_suffix(".html")), "--auditor", "审计组长")
    checked = _dossier(finished, "audit", "check", str(report))
    assert "签署：审计组长" in checked.stderr

    data["sampled"] = data["sampled"][:1]  # the report edited after the audit
    report.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    edited = _dossier(finished, "audit", "check", str(report), check=False)
    assert edited.returncode == 6 and "审计后被改动" in edited.stderr
    refused = _dossier(finished, "audit", "sign", str(report), "--auditor", "审计组长", check=False)
    assert refused.returncode == 6 and "不能签署" in refused.stderr


def test_serve_refuses_a_bad_schedule(finished: Run) -> None:
    proc = run_dossier("audit", "serve", str(finished.out), "--batch", str(finished.batch), "--auditor", "审计员甲",
                       "--cron", "every monday", "--size", "2", "--db", finished.db,
                       env={"DOSSIER_LOG_KEY_FILE": str(finished.key), "PREFECT_API_URL": "http://127.0.0.1:9/api"}, check=False)
    assert proc.returncode == 2 and "不是有效的 cron 表达式" in proc.stderr.replace("\n", ""), proc.stderr


def test_serve_without_a_server_starts_one_with_the_schedule_and_stops_it(finished: Run, tmp_path: Path) -> None:
    """The ephemeral API a run starts for itself has no scheduler; without a configured server
    the command starts a local one, serves the deployment on it, and stops it on Ctrl-C."""
    import re
    import signal
    import subprocess
    import sys
    import time

    import httpx

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), DOSSIER_LOG_KEY_FILE=str(finished.key))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dossierflow.cli", "audit", "serve", str(finished.out), "--batch", str(finished.batch),
         "--auditor", "审计员甲", "--cron", "0 6 * * 1", "--size", "2", "--db", finished.db],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    said: list[str] = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            said.append(line)
            if "定期抽查已启动" in line:
                break
        text = "".join(said)
        found = re.search(r"Prefect 界面：(http://127\.0\.0\.1:\d+)", text)
        assert found and "定期抽查已启动" in text, text
        api = found.group(1) + "/api"
        dep = None
        for _ in range(600):  # the runner registers the deployment once serving starts
            deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=30).json()
            dep = next((d for d in deployments if d["name"].startswith("spot-check")), None)
            if dep is not None or proc.poll() is not None:
                break
            time.sleep(0.5)
        assert dep is not None, deployments
        assert [s["schedule"]["cron"] for s in dep["schedules"]] == ["0 6 * * 1"] and "auditor:审计员甲" in dep["tags"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with pytest.raises(httpx.HTTPError):  # the server went with the command
        httpx.get(f"{api}/health", timeout=5)


@pytest.fixture
def prefect_api():  # noqa: ANN201
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_the_scheduled_deployment_runs_once(finished: Run, tmp_path: Path, prefect_api, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.runner import Runner

    from flows.spot_check import deployment

    out = _copy_out(finished, tmp_path)
    monkeypatch.setenv("DOSSIER_DB", finished.db)  # the served runs resolve the redacted URL from it
    dep = deployment(out, finished.batch, "审计员丙", "0 6 * * 1", "2", "baotou-2020", finished.db, str(finished.key))
    runner = Runner(name="spot-check-test", query_seconds=1)
    deployment_id = runner.add_deployment(dep)

    with get_client(sync_client=True) as client:
        stored = client.read_deployment(deployment_id)
        assert [s.schedule.cron for s in stored.schedules] == ["0 6 * * 1"]
        assert {"audit", "batch:spot-docx", "auditor:审计员丙"} <= set(stored.tags)
    flow_run = run_deployment(f"spot_check/{dep.name}", timeout=0)
    asyncio.run(runner.start(run_once=True))

    with get_client(sync_client=True) as client:
        done = client.read_flow_run(flow_run.id)
        assert done.state.is_completed(), done.state
        assert done.name.startswith("audit-spot-docx-")
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

        [summary] = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["audit-spot-docx"])))
        assert summary.flow_run_id == flow_run.id and "抽查审计" in summary.data
    data = json.loads(_report(out).read_text(encoding="utf-8"))
    assert data["auditor"] == "审计员丙" and data["size"] == 2 and data["ok"] and data["log_entry"]
    assert str(_report(out).with_suffix(".html")) in summary.data


# --- a result resting on a reviewer's decision ----------------------------------------------

def test_a_decided_result_rederives_equal_with_the_decision_and_different_without(tmp_path: Path) -> None:
    import datetime as dt

    from dossierflow.audit import compare, decided_dossiers, human_decisions, read_stored, rederive, run_audit
    from dossierflow.config import Limits
    from dossierflow.corrections import correct_field, rejudge

    batch, out, key = tmp_path / "batch", tmp_path / "out", tmp_path / "key" / "log.key"
    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    # One dossier the machine leaves to a person (an urban district: 基层 or not is theirs to say).
    generate_batch(batch, n=3, seed=7, forms=["docx"], damage="clean", scenarios="review:EVALUATION_CHANNEL:district,clean")
    run_dossier("run", str(batch), "--out", str(out), "--db", db, "--date", "2020-07-01",
                env={"DOSSIER_LOG_KEY_FILE": str(key)}, timeout=600)
    with open_store(db, key) as db_store:
        stored, summary = read_stored(out)
        did = next(d for d, line in stored.items() if line["status"] == "needs_review")
        correct_field(db_store, out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三")
        rejudge(db_store, out)
        stored, _ = read_stored(out)
        assert stored[did]["status"] == "accepted" and stored[did]["decisions"]

        decisions = human_decisions(db_store, summary["batch_id"])
        assert decided_dossiers(stored, db_store, summary["batch_id"], decisions) == {did}
        day = dt.date(2020, 7, 1)
        with_it = rederive(tmp_path / "a", batch, Limits(), "baotou-2020", day, db_store, decisions)
        without = rederive(tmp_path / "b", batch, Limits(), "baotou-2020", day, db_store, None)
        assert compare(stored[did], with_it.lines[did]) == []
        found = {(d.kind, d.key) for d in compare(stored[did], without.lines[did])}
        assert {("status", "status"), ("field", "region"), ("rule", "EVALUATION_CHANNEL")} <= found

        report = run_audit(out, batch, 5, "1", "baotou-2020", Limits(), db_store, auditor="审计员甲")
    # The one draw of a sample of one goes to the heaviest stratum: the accepted, decided result.
    assert report.ok and report.sampled == [did] and report.dossiers[0].decided
    assert report.decisions_applied == [c.seq for c in decisions.corrections]


# --- the audit's entries on either database ---------------------------------------------------

from tests.test_integrity_support import db_url, store  # noqa: E402,F401 - fixtures: SQLite and PostgreSQL


def test_audit_entries_sign_and_check_on_either_database(store, tmp_path: Path) -> None:  # noqa: F811
    import datetime as dt

    from dossierflow.audit import AuditReport, DossierAudit, check_log
    from dossierflow.audit_log import check_report, record_audit, sign_report
    from dossierflow.audit_report import report_data

    report = AuditReport("审计员甲", dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc), 11, 1, ["A0001"],
                         [DossierAudit("A0001", status="accepted")], {}, {}, "b1", check_log(store, None))
    data = report_data(report, record_audit(store, report_data(report)))
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    first = check_report(store, path)
    assert first.ok and first.audit_seq == data["log_entry"]["seq"] and first.signoffs == []
    signed = sign_report(store, path, "审计组长")
    assert [s.auditor for s in check_report(store, path).signoffs] == ["审计组长"] and signed.seq == store.log_head().count
    assert store.verify_log()[0] is None  # the audit's entries are part of the chain

    data["ok"] = False
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert "审计后被改动" in (check_report(store, path).problem or "")
