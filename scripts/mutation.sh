#!/usr/bin/env bash
# Mutation testing with mutmut on the scope set in pyproject.toml ([tool.mutmut]): status
# derivation, the ID-number and ISSN checks, and the SENIORITY rule, against the tests that cover
# them. CPU-heavy (about 1,100 mutants, 6-7 minutes on one core): it is not part of the test
# suite or CI. Arguments are passed to `mutmut run` (e.g. a mutant name glob:
# `scripts/mutation.sh 'validators.status.*'` for a one-minute smoke run).
# Results: `.venv/bin/mutmut results` lists survivors, `.venv/bin/mutmut show NAME` shows one.
set -euo pipefail
cd "$(dirname "$0")/.."
# mutmut runs the tests inside mutants/, a mutated copy of the tree: a PYTHONPATH pointing at the
# checkout would import the unmutated code and let every mutant survive.
unset PYTHONPATH
export OMP_THREAD_LIMIT=1
exec .venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@"
