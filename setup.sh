#!/usr/bin/env bash
# Sets up dossierflow on Debian: system packages (Tesseract with Chinese and OSD models, poppler,
# qpdf, CJK fonts for the fixture generator, PostgreSQL for the database tests, Chromium to print
# the reports to PDF) and a virtual environment in .venv/ with the project installed. `--test`
# adds the test dependencies.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3 python3-venv python3-dev
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-osd
  poppler-utils qpdf
  fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming fonts-arphic-ukai
  postgresql
  chromium
)
EXTRAS=""
[[ "${1:-}" == "--test" ]] && EXTRAS="[test]"

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "warning: not a Debian system; install Tesseract (chi_sim, osd), poppler and CJK fonts yourself" >&2
fi

PYTHON="${PYTHON:-python3}"
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# constraints.txt pins what the project was tested with; drop -c to take newer releases.
.venv/bin/python -m pip install -q -c constraints.txt -e ".${EXTRAS}"
# The second recogniser's model (PP-OCRv4, read with onnxruntime) ships in this wheel, whose own
# requirements would pull opencv-python over opencv-python-headless: hence --no-deps.
# Its wheels stop at Python 3.12: elsewhere names are read by Tesseract alone (more go to review).
.venv/bin/python -m pip install -q --no-deps rapidocr-onnxruntime==1.4.4 \
  || echo "warning: rapidocr-onnxruntime not installed; names on scans are read by Tesseract alone" >&2
echo "ready: .venv/bin/dossier"
