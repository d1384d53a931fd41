"""The result-line JSON schema of the output contract, shipped with the package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import jsonschema


@lru_cache(maxsize=1)
def result_schema() -> dict:
    return json.loads(resources.files(__package__).joinpath("result.schema.json").read_text(encoding="utf-8"))


def validate_line(line: dict) -> None:
    """Raises jsonschema.ValidationError when a results.jsonl line breaks the contract."""
    jsonschema.validate(line, result_schema(), cls=jsonschema.Draft202012Validator)
