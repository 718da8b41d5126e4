#!/usr/bin/env bash
# The production shape on one machine: gunicorn with 4 workers on PostgreSQL,
# exactly one search indexer (the only index writer, fed from the outbox) and
# one backup scheduler. Stops all three when any one exits or on Ctrl+C.
#
#   DOCTRACK_DATABASE_URL=postgresql://USER@HOST/DB DOCTRACK_SECRET_KEY=... bash scripts/production.sh
#
# Optional: DOCTRACK_BIND (127.0.0.1:8000), DOCTRACK_WORKERS (4), DOCTRACK_DEMO=1
# (load the demo data), DOCTRACK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379
# (login throttling shared by the workers; per worker otherwise).
source "$(dirname "$0")/_setup.sh"
: "${DOCTRACK_DATABASE_URL:?set DOCTRACK_DATABASE_URL=postgresql://USER@HOST/DB}"
: "${DOCTRACK_SECRET_KEY:?set DOCTRACK_SECRET_KEY to a long random string}"
export DOCTRACK_ENV=production DOCTRACK_SEARCH_INLINE=false
flask db upgrade
if [ -n "${DOCTRACK_DEMO:-}" ]; then flask demo; fi

pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null; wait; }
trap stop INT TERM EXIT
flask search work & pids+=($!)
flask scheduler & pids+=($!)
gunicorn --workers "${DOCTRACK_WORKERS:-4}" --bind "${DOCTRACK_BIND:-127.0.0.1:8000}" \
  --timeout 120 --graceful-timeout 10 --access-logfile - wsgi:app & pids+=($!)
wait -n
status=$?
echo "production: a process exited (status $status); stopping the others" >&2
exit "$status"
