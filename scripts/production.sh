#!/usr/bin/env bash
# The production shape on one machine: gunicorn with 4 workers on PostgreSQL,
# exactly one search indexer (the only index writer, fed from the outbox) and
# one backup scheduler. Stops all three when any one exits or on Ctrl+C.
#
#   DOCTRACK_DATABASE_URL=postgresql://USER@HOST/DB DOCTRACK_SECRET_KEY=... bash scripts/production.sh
#
# Required as well: DOCTRACK_RATELIMIT_STORAGE_URI=redis://HOST:6379, so that
# the login and signature throttle counts across all workers (and machines);
# DOCTRACK_ALLOW_PER_PROCESS_THROTTLE=1 accepts per-worker counting instead.
# Optional: DOCTRACK_BIND (127.0.0.1:8000), DOCTRACK_WORKERS (4), DOCTRACK_DEMO=1
# (load the demo data), DOCTRACK_NODE_NAME (this machine's host name),
# DOCTRACK_BACKGROUND_NICE (10: OCR, previews, scheduler) and
# DOCTRACK_INDEXER_NICE (5): CPU priority below the web workers;
# DOCTRACK_MAX_REQUESTS (20000) and DOCTRACK_MAX_REQUESTS_JITTER (2000): a web
# worker is replaced after that many requests plus up to the jitter
# (0: never), so its memory cannot creep without bound.
#
# Several nodes on one PostgreSQL: run this script on each machine with its
# own DOCTRACK_NODE_NAME and DOCTRACK_INSTANCE_DIR (local disk: the node's own
# search index), the same DOCTRACK_STORAGE_DIR (a directory every node mounts),
# DATABASE_URL, SECRET_KEY and Redis. Each node's indexer feeds its own index
# from the change log; the schedulers take a lease per job run in the database.
source "$(dirname "$0")/_setup.sh"
: "${DOCTRACK_DATABASE_URL:?set DOCTRACK_DATABASE_URL=postgresql://USER@HOST/DB}"
: "${DOCTRACK_SECRET_KEY:?set DOCTRACK_SECRET_KEY to a long random string}"
case "${DOCTRACK_RATELIMIT_STORAGE_URI:-memory://}" in
  memory://*)
    if [ "${DOCTRACK_ALLOW_PER_PROCESS_THROTTLE:-}" != "1" ]; then
      echo "production: DOCTRACK_RATELIMIT_STORAGE_URI is memory:// (per process): each of the" \
           "${DOCTRACK_WORKERS:-4} workers would count failed passwords on its own. Set" \
           "DOCTRACK_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (a Redis all workers reach), or" \
           "DOCTRACK_ALLOW_PER_PROCESS_THROTTLE=1 to accept per-worker counting." >&2
      exit 2
    fi ;;
esac
export DOCTRACK_ENV=production DOCTRACK_SEARCH_INLINE=false
# A process killed by a fatal signal (SIGSEGV in a C extension, say) writes
# its Python stack to the log before it dies, instead of only gunicorn's
# "Worker was sent SIGSEGV". Costs nothing until then.
export PYTHONFAULTHANDLER="${PYTHONFAULTHANDLER:-1}"
export DOCTRACK_NODE_NAME="${DOCTRACK_NODE_NAME:-$(hostname)}"
echo "production: node $DOCTRACK_NODE_NAME" >&2
flask db upgrade
if [ -n "${DOCTRACK_DEMO:-}" ]; then flask demo; fi

# Background processes yield the CPU to the web workers when both want it
# (issue 20): a burst of uploads delays previews and OCR, not the answers.
# The indexer gets a smaller handicap, so search stays fresh under load.
bg_nice="${DOCTRACK_BACKGROUND_NICE:-10}"
index_nice="${DOCTRACK_INDEXER_NICE:-5}"
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null; wait; }
trap stop INT TERM EXIT
nice -n "$index_nice" flask search work & pids+=($!)
nice -n "$bg_nice" flask scheduler & pids+=($!)
# OCR and preview workers, DOCTRACK_OCR_WORKERS of them.
# They also make the previews, so they run without Tesseract too (previews only).
if ! flask ocr status | grep -q '"ocr": "on"'; then
  echo "production: OCR off ($(flask ocr status | sed -n 's/.*"ocr_reason": "\(.*\)".*/\1/p'))" >&2
fi
for _ in $(seq 1 "${DOCTRACK_OCR_WORKERS:-1}"); do nice -n "$bg_nice" flask ocr worker & pids+=($!); done
# A worker's memory creeps by about 0.25 KB a request (issue 20: allocator
# fragmentation and caches filling to their bounds, no single leak), so each
# is replaced after DOCTRACK_MAX_REQUESTS, the others serving meanwhile; the
# jitter keeps the workers from being replaced all at once.
# --no-control-socket: gunicorn (25.1+) otherwise runs an asyncio thread in
# its master for `gunicornc`, which nothing here uses. That thread is stopped
# before every fork of a worker and restarted after, and every gunicorn on
# the machine binds the same default path (~/.gunicorn/gunicorn.ctl), each
# new one unlinking the last one's. With it on, 11 of 201 new workers died of
# SIGSEGV within two minutes of booting in four soaks (issue 20); with it off,
# none of 84 in two. A bare asyncio thread run the same way in the master,
# without gunicorn's socket code, killed 1 of 39 the same way (README,
# "Request cost, soak and faults").
gunicorn --workers "${DOCTRACK_WORKERS:-4}" --bind "${DOCTRACK_BIND:-127.0.0.1:8000}" --no-control-socket \
  --max-requests "${DOCTRACK_MAX_REQUESTS:-20000}" --max-requests-jitter "${DOCTRACK_MAX_REQUESTS_JITTER:-2000}" \
  --timeout 120 --graceful-timeout 10 --access-logfile - wsgi:app & pids+=($!)
wait -n
status=$?
echo "production: a process exited (status $status); stopping the others" >&2
exit "$status"
