"""A judging record finds a dossier by id through an index, not a scan of the batch."""

import datetime as dt

from dossierflow.judging_record import JudgingRecord, RecordedDossier


def _record(n: int) -> JudgingRecord:
    return JudgingRecord(
        batch_id="b", root="/x", info={}, rulebook="r", processing_date=dt.date(2026, 12, 5),
        dossiers=[RecordedDossier(dossier_id=f"D{i:05d}", entry=f"e{i}", key=None if i % 7 == 0 else f"k{i}",
                                  error="坏" if i % 7 == 0 else None) for i in range(n)],
    )


def test_every_dossier_is_found_by_its_id_and_an_unknown_id_is_none():
    record = _record(300)
    for d in record.dossiers:
        assert record.dossier(d.dossier_id) is d
    assert record.dossier("D99999") is None
    assert record.dossier("") is None


def test_the_index_does_not_leak_into_the_saved_record(tmp_path):
    record = _record(3)
    record.dossier("D00001")
    record.save(tmp_path)
    loaded = JudgingRecord.load(tmp_path)
    assert loaded == record
    assert "D00001" in (tmp_path / ".cache" / "judging.json").read_text() and "_by_id" not in (tmp_path / ".cache" / "judging.json").read_text()
    assert loaded.dossier("D00002").entry == "e2"
