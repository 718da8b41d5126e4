# Sourced by run.sh and test.sh: a virtualenv with the pinned dependencies
# and compiled message catalogues. Re-running is cheap: pip runs only when
# pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Doctrack needs Python 3.11 or newer as '$PYTHON' (set PYTHON=...)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
EXTRAS="${DOCTRACK_EXTRAS:-}"
STAMP=".venv/.doctrack-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
  touch "$STAMP"
fi
# Message catalogues: the .po files are the source, compiled on every run.
.venv/bin/pybabel compile -d app/translations >/dev/null
export PATH="$ROOT/.venv/bin:$PATH"
export FLASK_APP=wsgi
