"""Audits are kept: each one its own JSON and Chinese HTML report, with who, when, the seed, the
sample and the change-log head checked; a bad --size is a usage error; a repeat audit reads the
files again. Through the real command on a real run (Prefect flow, SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossierflow import audit
from dossierflow.config import Limits
from dossierflow.storage import open_store
from fixtures.generate import generate_batch

try:  # tests/ may or may not be a package; the helpers import either way
    from tests.conftest import run_dossier
except ImportError:
    from conftest import run_dossier


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, Path]:
    work = tmp_path_factory.mktemp("audit")
    batch = work / "batch"
    generate_batch(batch, n=3, seed=21, forms=["docx"], damage="clean")
    db = f"sqlite:///{work / 'db.sqlite'}"
    key = work / "log-key" / "log.key"
    out = work / "out"
    run_dossier("run", str(batch), "--out", str(out), "--db", db, "--date", "2020-07-01",
                env={"DOSSIER_LOG_KEY_FILE": str(key)}, timeout=600)
    return batch, out, db, key


def audit_cmd(finished_run, *extra: str, check: bool = True):  # noqa: ANN001, ANN201
    batch, out, db, key = finished_run
    proc = run_dossier("audit", "run", str(out), "--batch", str(batch), "--db", db, *extra,
                       env={"DOSSIER_LOG_KEY_FILE": str(key)}, check=check, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_each_audit_is_kept_with_who_when_sample_and_log_head(finished_run) -> None:  # noqa: ANN001
    _, out, db, key = finished_run
    first = audit_cmd(finished_run, "--auditor", "审计员甲", "--seed", "4", "--size", "2")
    second = audit_cmd(finished_run, "--auditor", "审计员乙", "--seed", "4", "--size", "2")
    assert "不一致" not in first.stderr + second.stderr and "变更日志：完整" in first.stderr

    reports = sorted((out / "audits").glob("audit-*.json"))
    assert len(reports) == 2 and len({p.name for p in reports}) == 2  # the second did not overwrite the first
    data = [json.loads(p.read_text(encoding="utf-8")) for p in reports]
    assert {d["auditor"] for d in data} == {"审计员甲", "审计员乙"}
    assert data[0]["sampled"] == data[1]["sampled"] and len(data[0]["sampled"]) == 2
    assert all(d["seed"] == 4 and d["size"] == 2 and d["ok"] and d["started_at"] for d in data)

    store = open_store(db, key)
    try:
        head = store.log_head()
    finally:
        store.close()
    run_head = json.loads((out / "batch.json").read_text(encoding="utf-8"))["log_head"]
    # Each audit checked the log, then recorded itself in it: the second checked the first's entry.
    data.sort(key=lambda d: d["log_entry"]["seq"])
    assert [d["log_entry"]["seq"] for d in data] == [run_head["count"] + 1, run_head["count"] + 2]
    assert data[0]["log"]["head"] == run_head and data[1]["log"]["head"]["count"] == data[0]["log_entry"]["seq"]
    assert data[1]["log_entry"]["hash"] == head.hash
    for d in data:
        assert d["log"]["ok"] and d["log"]["run_head"] == run_head
    for p in reports:
        page = p.with_suffix(".html").read_text(encoding="utf-8")
        written = json.loads(p.read_text(encoding="utf-8"))
        assert "抽查审计报告" in page and "审计人" in page and "样本构成" in page
        assert written["log"]["head"]["hash"] in page and written["log_entry"]["hash"] in page
    assert any("审计员甲" in p.with_suffix(".html").read_text(encoding="utf-8") for p in reports)


@pytest.mark.parametrize("extra", [("--size", "0"), ("--size", "4"), ("--size", "2")])
def test_a_bad_size_or_no_auditor_is_a_usage_error(finished_run, extra: tuple[str, ...]) -> None:  # noqa: ANN001
    _, out, _, _ = finished_run
    before = sorted((out / "audits").glob("*")) if (out / "audits").exists() else []
    args = extra if extra[1] == "2" else ("--auditor", "审计员甲", *extra)  # size 2 is fine: no auditor is the error
    proc = audit_cmd(finished_run, *args, check=False)
    assert proc.returncode == 2
    said = proc.stderr.replace("\n", "")
    assert ("--size 应在 1 到 3" in said) if extra[1] != "2" else ("--auditor" in said)
    after = sorted((out / "audits").glob("*")) if (out / "audits").exists() else []
    assert after == before


def test_a_repeat_audit_reads_the_files_again(finished_run, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    batch, out, _, _ = finished_run
    outcomes = []
    real = audit.extract_or_reuse

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        outcome = real(*args, **kwargs)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(audit, "extract_or_reuse", spy)
    for auditor in ("审计员甲", "审计员乙"):
        report = audit.run_audit(out, batch, 7, 3, "baotou-2020", Limits(), None, auditor=auditor)
        assert report.ok
    assert len(outcomes) == 6 and not [o.dossier_id for o in outcomes if o.reused]
    assert not [p for p in out.iterdir() if p.name.startswith(".audit")]  # no scratch left behind
