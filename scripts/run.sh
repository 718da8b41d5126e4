#!/usr/bin/env bash
# Set up and start Doctrack on the embedded default (SQLite + ./storage +
# Whoosh index in ./instance) with the demo data set, on http://127.0.0.1:5000.
source "$(dirname "$0")/_setup.sh"
flask db upgrade
flask demo
exec flask run --host "${DOCTRACK_HOST:-127.0.0.1}" --port "${DOCTRACK_PORT:-5000}"
