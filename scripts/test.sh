#!/usr/bin/env bash
# Run the whole test suite. On SQLite by default; on PostgreSQL when
# DOCTRACK_TEST_DATABASE_URL is set (postgresql://postgres@127.0.0.1:5432/test).
DOCTRACK_EXTRAS=test source "$(dirname "$0")/_setup.sh"
exec python -m pytest -n "${DOCTRACK_TEST_WORKERS:-2}" -q "$@"
