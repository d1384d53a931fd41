"""Loading a rulebook: the shipped one is complete; a malformed one is refused, naming the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dossierflow.errors import ExitCode, RulebookError
from dossierflow.vocab import RULE_CODES
from validators.rulebook import RULEBOOK_DIR, load_rulebook

SHIPPED = RULEBOOK_DIR / "baotou-2020.yaml"


def _variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    change(data)
    out = tmp_path / "variant.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def test_shipped_rulebook_has_every_rule_code_with_clause_and_hash():
    rb = load_rulebook("baotou-2020")
    assert set(RULE_CODES) <= set(rb.rules)
    assert all(spec.clause for spec in rb.rules.values())
    assert rb.name == "baotou-2020" and rb.policy_year == 2020
    assert rb.cutoff_qual.isoformat() == "2019-12-31"
    assert len(rb.content_hash) >= 8 and rb.version == f"baotou-2020@{rb.content_hash[:8]}"
    assert rb.spec("EVIDENCE_DATED").severity == "warning"
    assert rb.spec("POST_QUOTA").severity == "batch"


def test_loading_by_path_gives_the_same_hash_and_a_changed_file_a_new_one(tmp_path):
    by_name = load_rulebook()
    assert load_rulebook(SHIPPED).content_hash == by_name.content_hash
    changed = _variant(tmp_path, lambda d: d["rules"]["CE_CARD_VALID"]["params"].update(min_public_hours=24))
    other = load_rulebook(changed)
    assert other.content_hash != by_name.content_hash
    assert other.spec("CE_CARD_VALID").params.min_public_hours == 24


def test_unknown_rulebook_name_lists_known_ones():
    with pytest.raises(RulebookError, match="baotou-2020"):
        load_rulebook("nowhere-1999")


def test_unknown_top_level_field_is_refused(tmp_path):
    path = _variant(tmp_path, lambda d: d.update(cuttoff_qual="2019-12-31"))
    with pytest.raises(RulebookError, match="cuttoff_qual") as exc:
        load_rulebook(path)
    assert exc.value.exit_code == ExitCode.RULEBOOK_INVALID


def test_unknown_rule_code_is_refused_by_name(tmp_path):
    path = _variant(tmp_path, lambda d: d["rules"].update(PHOTO_COLOUR={"clause": "x", "severity": "materials"}))
    with pytest.raises(RulebookError, match="PHOTO_COLOUR"):
        load_rulebook(path)


def test_missing_rule_is_refused_by_name(tmp_path):
    path = _variant(tmp_path, lambda d: d["rules"].pop("SAME_REGION"))
    with pytest.raises(RulebookError, match="缺少规则 SAME_REGION"):
        load_rulebook(path)


def test_misspelt_parameter_names_rule_and_parameter(tmp_path):
    path = _variant(tmp_path, lambda d: d["rules"]["CE_CARD_VALID"]["params"].update(min_public_hour=30))
    with pytest.raises(RulebookError, match=r"CE_CARD_VALID.*min_public_hour"):
        load_rulebook(path)


def test_parameter_of_wrong_type_names_rule(tmp_path):
    path = _variant(tmp_path, lambda d: d["rules"]["PHOTO_PRESENT"]["params"].update(aspect_min="narrow"))
    with pytest.raises(RulebookError, match=r"PHOTO_PRESENT.*aspect_min"):
        load_rulebook(path)


def test_nested_parameter_with_unknown_level_names_rule(tmp_path):
    def change(d):
        d["rules"]["SENIORITY"]["params"]["regular"]["years"]["deputy"] = 5

    with pytest.raises(RulebookError, match=r"SENIORITY.*deputy"):
        load_rulebook(_variant(tmp_path, change))


def test_wrong_severity_and_missing_clause_are_refused(tmp_path):
    path = _variant(tmp_path, lambda d: d["rules"]["POST_QUOTA"].update(severity="materials"))
    with pytest.raises(RulebookError, match="POST_QUOTA 的 severity 应为 batch"):
        load_rulebook(path)
    path = _variant(tmp_path, lambda d: d["rules"]["STATUS_ALLOWED"].update(clause=""))
    with pytest.raises(RulebookError, match="STATUS_ALLOWED"):
        load_rulebook(path)


def test_not_yaml_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(RulebookError, match="不是有效的 YAML"):
        load_rulebook(path)


def test_every_rule_has_a_chinese_name_and_every_materials_rule_a_remedy() -> None:
    # Notices and reports name rules in Chinese; a rule without a name would show its code.
    rb = load_rulebook("baotou-2020")
    for code, spec in rb.rules.items():
        assert spec.title and spec.name == spec.title, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.name), code
        if spec.severity == "materials":
            assert spec.remedy, code
    assert rb.spec("PLEDGE_SIGNED").name == "诚信承诺书已签名"
