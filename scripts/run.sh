#!/usr/bin/env bash
# Set up and start Doctrack on the embedded default (SQLite + ./storage +
# Whoosh index in ./instance) with the demo data set, on http://127.0.0.1:5000.
source "$(dirname "$0")/_setup.sh"
flask db upgrade
flask demo
# OCR of scans (app.ocr) in the background when Tesseract is installed;
# without it the service runs with OCR off and says so (health, admin page).
# The worker also makes the previews (thumbnails, page images), with or without Tesseract.
if ! flask ocr status | grep -q '"ocr": "on"'; then
  echo "OCR off: $(flask ocr status | sed -n 's/.*"ocr_reason": "\(.*\)".*/\1/p')"
fi
flask ocr worker >/dev/null 2>&1 &  # stops with the server on Ctrl+C (same process group)
exec flask run --host "${DOCTRACK_HOST:-127.0.0.1}" --port "${DOCTRACK_PORT:-5000}"
