"""Reviewers correct misread values and settle `review` findings; the batch is judged again.

One real run (`dossier run`: Prefect flow, SQLite, DOCX dossiers, so no OCR) of a batch with a
dossier that ends `needs_review` (EVALUATION_CHANNEL: a 主治医师 at an urban district's unit) and
one `returned` by POST_QUOTA; each test works on its own copy of the run's output, database and
log key. The PostgreSQL test records a copy of the same run in PostgreSQL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from dossierflow.corrections import correct_field, decisions_for, rejudge, settle_finding
from dossierflow.errors import UsageError
from dossierflow.ledger import HEAD_FILE
from dossierflow.schema import validate_line
from dossierflow.storage import database_identity, open_store
from fixtures.generate import generate_batch
from tests.test_integrity_support import PG_URL, _reset_postgres
from validators.integrity.idcard import check_char

try:
    from tests.conftest import read_results, run_dossier
except ImportError:  # pragma: no cover
    from conftest import read_results, run_dossier

SCENARIOS = "review:EVALUATION_CHANNEL:district,fail:POST_QUOTA,clean"


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("decisions")
    generate_batch(work / "batch", n=3, seed=7, forms=["docx"], damage="clean", scenarios=SCENARIOS)
    run_dossier("run", str(work / "batch"), "--out", str(work / "out"), "--db", f"sqlite:///{work / 'db.sqlite'}",
                "--date", "2020-07-01", env={"DOSSIER_LOG_KEY_FILE": str(work / "key" / "log.key")}, timeout=600)
    return work


class Run:
    """A private copy of the base run: its output, database and change-log key."""

    def __init__(self, base: Path, where: Path) -> None:
        for part in ("batch", "out", "key"):
            shutil.copytree(base / part, where / part, symlinks=True)
        shutil.copy(base / "db.sqlite", where / "db.sqlite")
        self.work, self.out, self.batch = where, where / "out", where / "batch"
        self.db = f"sqlite:///{where / 'db.sqlite'}"
        self.key = where / "key" / "log.key"
        # The head noted outside the database is filed under the database's path: move it along.
        heads_file = self.key.parent / HEAD_FILE
        heads = json.loads(heads_file.read_text(encoding="utf-8"))
        heads["heads"] = {database_identity(self.db): heads["heads"][database_identity(f"sqlite:///{base / 'db.sqlite'}")]}
        heads_file.write_text(json.dumps(heads), encoding="utf-8")
        self.store = open_store(self.db, self.key)

    def results(self) -> dict[str, dict]:
        return read_results(self.out)

    def dossier(self, status: str) -> str:
        return next(d for d, line in self.results().items() if line["status"] == status)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def run(base_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DOSSIER_LOG_KEY_FILE", str(tmp_path / "key" / "log.key"))
    r = Run(base_run, tmp_path)
    yield r
    r.close()


def _log_entries(store, kind: str) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT content FROM log_entries WHERE kind = :k ORDER BY seq"), {"k": kind}).all()
    return [json.loads(r[0]) for r in rows]


def test_a_corrected_value_is_judged_again_and_shown_everywhere(run: Run) -> None:
    did = run.dossier("needs_review")
    before = run.results()[did]
    assert [f["rule"] for f in before["findings"] if f["outcome"] == "review"] == ["EVALUATION_CHANNEL"]
    read = before["fields"]["region"]["value"]
    assert read.endswith("区")  # an urban district: 基层卫生 or not is for a person to say

    c = correct_field(run.store, run.out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三", expected_value=read)
    assert (c.old_value, c.read_value, c.value, c.reviewer) == (read, read, "土默特右旗", "复核员张三")
    assert run.results()[did]["status"] == "needs_review"  # recorded, not yet judged

    done = rejudge(run.store, run.out)
    assert done.changed == {did: ("needs_review", "accepted")}
    assert done.describe(did) == "状态由「待人工审核」变为「通过」"
    line = run.results()[did]
    validate_line(line)
    assert line["status"] == "accepted"
    region = line["fields"]["region"]
    assert region["value"] == "土默特右旗" and region["confidence"] == 1.0
    assert region["source"]["file"] == before["fields"]["region"]["source"]["file"]  # still where it was read
    assert region["source"]["decision"] == {
        "kind": "correction", "seq": c.seq, "reviewer": "复核员张三", "decided_at": c.decided_at,
        "reason": "原件所在地区为土默特右旗", "field": "region", "value": "土默特右旗", "machine": read, "applied": True,
    }
    assert line["fields"]["region_level"]["value"] == "county"  # derived again from the corrected region
    assert line["decisions"] == [region["source"]["decision"]]
    assert {f["rule"]: f["outcome"] for f in line["findings"]}["EVALUATION_CHANNEL"] == "pass"

    report = (run.out / did / "report.html").read_text(encoding="utf-8")
    assert "复核人的决定" in report and "复核员张三" in report and f"变更日志第 {c.seq} 条" in report
    summary = json.loads((run.out / "batch.json").read_text(encoding="utf-8"))
    assert summary["counts"]["accepted"] == 2 and summary["counts"]["needs_review"] == 0
    assert summary["log_head"] == run.store.log_head().model_dump()
    assert run.store.stored_result(summary["batch_id"], did)["status"] == "accepted"

    logged = _log_entries(run.store, "correction")
    assert len(logged) == 1 and logged[0]["seq"] == c.seq and json.loads(logged[0]["decision"])["value"] == "土默特右旗"
    assert run.store.verify_log()[0] is None
    assert decisions_for(run.store, summary["batch_id"]).for_dossier(did).corrections == [c]


def test_a_review_finding_is_settled_once_unless_the_form_states_its_outcome(run: Run) -> None:
    did = run.dossier("needs_review")
    s = settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "pass", "所在单位属基层医疗机构", "复核员李四")
    rejudge(run.store, run.out)
    finding = next(f for f in run.results()[did]["findings"] if f["rule"] == "EVALUATION_CHANNEL")
    assert run.results()[did]["status"] == "accepted"
    assert finding["outcome"] == "pass" and "复核员李四" in finding["message"] and "所在单位属基层医疗机构" in finding["message"]
    assert finding["decision"]["seq"] == s.seq and finding["decision"]["machine"] == "review"

    with pytest.raises(UsageError, match="不能重复裁定"):
        settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "fail", "再次提交", "复核员王五")
    with pytest.raises(UsageError, match="表单已过期"):
        settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "fail", "改判", "复核员王五", expected_outcome="review")
    # A change of mind that states what it changes is recorded.
    settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "fail", "核实为城区非基层单位", "复核员王五", expected_outcome="pass")
    rejudge(run.store, run.out)
    assert run.results()[did]["status"] == "rejected"  # EVALUATION_CHANNEL is an eligibility rule
    assert run.store.verify_log()[0] is None


def test_batch_rules_count_the_corrected_facts(run: Run) -> None:
    did = run.dossier("returned")
    quota = lambda: next(f for f in json.loads((run.out / "batch.json").read_text(encoding="utf-8"))["findings"]  # noqa: E731
                         if f["rule"] == "POST_QUOTA" and did in f.get("dossiers", []))
    assert quota()["outcome"] == "fail" and quota()["counted"] == 1
    assert run.results()[did]["fields"]["employer_type"]["value"] == "public_institution"
    correct_field(run.store, run.out, did, "employer_type", "国有企业", "单位性质应为国有企业", "复核员张三")
    rejudge(run.store, run.out)
    line = run.results()[did]
    assert {f["rule"]: f["outcome"] for f in line["findings"]}["POST_QUOTA"] == "not_applicable"  # not counted any more
    with pytest.raises(StopIteration):
        quota()  # the scope's count no longer holds the dossier
    assert line["status"] != "returned"


def test_a_second_run_keeps_the_decisions(run: Run) -> None:
    did = run.dossier("needs_review")
    correct_field(run.store, run.out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三")
    rejudge(run.store, run.out)
    run_dossier("run", str(run.batch), "--out", str(run.out), "--db", run.db, "--date", "2020-07-01",
                env={"DOSSIER_LOG_KEY_FILE": str(run.key)}, timeout=600)
    line = run.results()[did]
    assert line["status"] == "accepted" and line["fields"]["region"]["source"]["decision"]["reviewer"] == "复核员张三"
    assert run.store.verify_log()[0] is None


def _valid_id(first17: str) -> str:
    return first17 + check_char(first17)


BAD = [
    pytest.param(lambda r, d: correct_field(r.store, r.out, "Z9999", "region", "土默特右旗", "x", "甲"), "没有档案 Z9999", id="unknown dossier"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "colour", "红", "x", "甲"), "没有名为 colour 的字段", id="unknown field"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "birth_date", "1980-02-30", "x", "甲"), "不是字段 出生年月", id="bad date"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "birth_date", "去年", "x", "甲"), "不是字段 出生年月", id="not a date"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "id_number", _valid_id("15020319800101123")[:-1] + "Y", "x", "甲"),
                 "校验码", id="bad id shape"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "id_number",
                                            "15020319800101123" + ("0" if check_char("15020319800101123") != "0" else "1"), "x", "甲"),
                 "校验码", id="bad check digit"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "education", "本各", "x", "甲"), "不是字段 最高学历", id="not in lexicon"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "applied_level", "senior", "x", "甲"), "不能直接更正", id="derived field"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "region", "土默特右旗", "x", "甲", expected_value="固阳县"), "表单已过期",
                 id="stale form"),
    pytest.param(lambda r, d: correct_field(r.store, r.out, d, "region", "土默特右旗", " ", "甲"), "理由", id="no reason"),
    pytest.param(lambda r, d: settle_finding(r.store, r.out, d, "PLEDGE_SIGNED", "pass", "x", "甲"), "不是「需人工审核」",
                 id="non-review finding"),
    pytest.param(lambda r, d: settle_finding(r.store, r.out, d, "NO_SUCH_RULE", "pass", "x", "甲"), "没有代码为", id="unknown rule"),
    pytest.param(lambda r, d: settle_finding(r.store, r.out, d, "EVALUATION_CHANNEL", "maybe", "x", "甲"), "只能是 pass", id="bad outcome"),
    pytest.param(lambda r, d: settle_finding(r.store, r.out, d, "EVALUATION_CHANNEL", "pass", "x", "甲", expected_outcome="pass"),
                 "表单已过期", id="stale settlement form"),
]


@pytest.mark.parametrize("attempt, said", BAD)
def test_bad_input_is_refused_and_changes_nothing(run: Run, attempt, said: str) -> None:  # noqa: ANN001
    did = run.dossier("needs_review")
    rows, head = run.store.count_rows(), run.store.log_head()
    results = (run.out / "results.jsonl").read_bytes()
    with pytest.raises(UsageError, match=said) as refused:
        attempt(run, did)
    assert "15020319800101" not in str(refused.value)  # an ID number is never shown in full
    assert run.store.count_rows() == rows and run.store.log_head() == head
    assert (run.out / "results.jsonl").read_bytes() == results


def test_a_settlement_twice_from_the_same_form_is_refused(run: Run) -> None:
    did = run.dossier("needs_review")
    settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "pass", "基层单位", "复核员李四", expected_outcome="review")
    rows = run.store.count_rows()
    with pytest.raises(UsageError, match="表单已过期"):  # the same form submitted again
        settle_finding(run.store, run.out, did, "EVALUATION_CHANNEL", "pass", "基层单位", "复核员李四", expected_outcome="review")
    assert run.store.count_rows() == rows


@pytest.mark.parametrize("tamper, said", [
    ("UPDATE reviewer_decisions SET content = replace(content, '土默特右旗', '固阳县')", "已被改动"),
    ("DELETE FROM reviewer_decisions", "已从数据库中删除"),
    ("INSERT INTO reviewer_decisions (seq, batch_id, dossier_id, kind, target, content) "
     "VALUES (999, 'b', 'A0001', 'settlement', 'SENIORITY', '{}')", "直接写入"),
])
def test_a_tampered_decision_is_found_by_the_log(run: Run, tamper: str, said: str) -> None:
    did = run.dossier("needs_review")
    correct_field(run.store, run.out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三")
    assert run.store.verify_log()[0] is None
    with run.store.engine.begin() as conn:
        conn.execute(text(tamper))
    problem, _ = run.store.verify_log()
    assert problem is not None and said in problem
    proc = run_dossier("review", "verify", "--db", run.db, env={"DOSSIER_LOG_KEY_FILE": str(run.key)}, check=False)
    assert proc.returncode == 6 and said in proc.stdout + proc.stderr


def test_a_correction_lapses_when_the_dossier_reads_otherwise(run: Run) -> None:
    """A correction answers one reading: applied to another one, nobody would have looked at it."""
    did = run.dossier("needs_review")
    c = correct_field(run.store, run.out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三")
    from dossierflow.apply_decisions import apply_corrections
    from dossierflow.judging_record import JudgingRecord

    record = JudgingRecord.load(run.out)
    ex = next(o.extraction for o in record.outcomes(run.out) if o.dossier_id == did)
    applied, refs = apply_corrections(ex, [c])
    assert applied.fields["region"].value == "土默特右旗" and refs[0].applied
    # As if the machine had read another value when the reviewer decided.
    lapsed, refs = apply_corrections(ex, [c.model_copy(update={"read_value": "固阳县"})])
    assert lapsed.fields["region"].value == ex.fields["region"].value and not refs[0].applied


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="DOSSIER_TEST_PG_URL is not set")
def test_decisions_on_postgresql(base_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dossierflow.storage import normalise_url

    url = normalise_url(PG_URL or "")
    _reset_postgres(url)
    key = tmp_path / "key" / "log.key"
    monkeypatch.setenv("DOSSIER_LOG_KEY_FILE", str(key))
    out = tmp_path / "out"
    shutil.copytree(base_run / "out", out)  # its cache: this run reads nothing again
    run_dossier("run", str(base_run / "batch"), "--out", str(out), "--db", url, "--date", "2020-07-01",
                env={"DOSSIER_LOG_KEY_FILE": str(key)}, timeout=600)
    did = next(d for d, line in read_results(out).items() if line["status"] == "needs_review")
    store = open_store(url, key)
    try:
        c = correct_field(store, out, did, "region", "土默特右旗", "原件所在地区为土默特右旗", "复核员张三")
        assert rejudge(store, out).changed == {did: ("needs_review", "accepted")}
        with pytest.raises(UsageError, match="表单已过期"):
            correct_field(store, out, did, "region", "固阳县", "x", "复核员李四", expected_value=c.old_value)
        assert store.verify_log()[0] is None
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE reviewer_decisions SET content = replace(content, '复核员张三', '复核员赵六')"))
        assert "已被改动" in (store.verify_log()[0] or "")
    finally:
        store.close()
