#!/usr/bin/env bash
# Install govarchive with Python's own bundled pip (3.11: pip 23.2.1, never upgraded here) into a
# throwaway venv, then import every module the code imports lazily. Users install this way; an
# older resolver once left out lxml_html_clean and `import trafilatura` failed (issue 16).
# Cheap on repeat: pip's cache is reused, and a pass is remembered per pyproject.toml hash.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/govarchive-install-check"
stamp="$CACHE/ok-$(sha256sum pyproject.toml | cut -c1-16)-$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ -f "$stamp" ] && [ -z "${GOVARCHIVE_FORCE_INSTALL_CHECK:-}" ]; then
  echo "install check: passed before for this pyproject.toml ($stamp)"
  exit 0
fi
mkdir -p "$CACHE"
venv="$(mktemp -d "$CACHE/venv-XXXXXX")"
trap 'rm -rf "$venv"' EXIT
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip --version
# not editable, no constraints: what the resolver picks from pyproject.toml alone
"$venv/bin/python" -m pip install -q --disable-pip-version-check .
(cd "$venv" && "$venv/bin/python" -m govarchive.install_check)
touch "$stamp"
