#!/usr/bin/env bash
# Set up govarchive on a Debian machine with Python 3.11: system packages, a virtual
# environment, the package (pinned by constraints.txt).
#   scripts/setup.sh demo   what `govarchive demo` needs (venv, package, Chromium)
#   scripts/setup.sh crawl  plus the document programs real portals need: Tesseract (chi_sim) and
#                           pdftoppm for scans, LibreOffice (no GUI) for DOC/WPS/XLS/ET
#   scripts/setup.sh test   plus what the test-suite needs (Redis, PostgreSQL, CJK fonts, test extras)
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-demo}"
PYTHON="${PYTHON:-python3}"
VENV=".venv"

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

apt_packages=()
need() { apt_packages+=("$@"); }

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), sys.version' \
  || { echo "govarchive needs Python >= 3.11 ($PYTHON is older)" >&2; exit 1; }
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || need python3-venv
command -v chromium >/dev/null 2>&1 || need chromium
if [ "$MODE" = "crawl" ] || [ "$MODE" = "test" ]; then
  # The simulated portal of `govarchive demo` publishes no scans and no legacy Office files, so the
  # demo goes without these (≈300 MB with LibreOffice); a document needing a missing one is archived
  # as a file whose status names the program.
  command -v tesseract >/dev/null 2>&1 || need tesseract-ocr
  [ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || need tesseract-ocr-chi-sim
  command -v pdftoppm >/dev/null 2>&1 || need poppler-utils
  command -v soffice >/dev/null 2>&1 || need libreoffice-writer-nogui libreoffice-calc-nogui
fi
if [ "$MODE" = "test" ]; then
  command -v redis-server >/dev/null 2>&1 || need redis-server
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need postgresql
  fc-list 2>/dev/null | grep -qi "noto.*cjk" || need fonts-noto-cjk  # also draws the test scans
  command -v zip >/dev/null 2>&1 || need zip
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need nginx-light  # bench/throughput.py
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

extras=""
if [ "$MODE" = "test" ]; then extras="[test]"; fi
stamp="$VENV/.installed-$MODE-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".$extras"
  touch "$stamp"
fi
echo "set up ($MODE): $VENV"
